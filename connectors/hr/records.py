"""The HR record Townhall reads, and where each field lives in a SCIM resource."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
COUNCIL = "urn:townhall:scim:schemas:extension:council:2.0:Employee"

#: The record fields a person can be looked up by (the join keys to the directory).
HRField = Literal["employee_number", "user_name", "external_id"]


class HRRecord(BaseModel):
    """A person's employment record as the HR system holds it.

    ``scim_id``, ``etag`` and ``last_modified`` are bookkeeping (for a CSV extract:
    the key, a digest of the row, and when the change was loaded); every other
    field is classified for privacy in ``schema/access.py``.
    """

    model_config = ConfigDict(frozen=True)

    scim_id: str
    user_name: str | None = None
    employee_number: str | None = None
    external_id: str | None = None
    active: bool = True
    job_title: str | None = None
    department: str | None = None
    division: str | None = None
    cost_centre: str | None = None
    manager_employee_number: str | None = None
    grade: str | None = None
    fte: float | None = None
    working_pattern: str | None = None
    work_style: str | None = None
    work_location: str | None = None
    start_date: datetime | None = None
    contract_type: str | None = None
    etag: str | None = None
    last_modified: datetime | None = None


@dataclass(frozen=True, slots=True)
class ScimPaths:
    """SCIM attribute paths of each HR field; every HR system names them differently.

    ``paths`` overrides the default path of any field (keys are :data:`FIELDS`),
    e.g. ``{"grade": "urn:acme:hr:2.0:Employee:payBand"}``; ``extension`` moves all
    the council-extension fields to another schema URN at once.
    """

    extension: str = COUNCIL
    paths: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.paths) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown HR field(s) in the attribute paths: {', '.join(unknown)}")
        for name, path in self.paths.items():
            if not _PATH.fullmatch(path):
                raise ValueError(f"the SCIM attribute path for {name} is not valid: {path!r}")

    def resolved(self) -> dict[str, str]:
        council = self.extension
        defaults = {
            "user_name": "userName",
            "external_id": "externalId",
            "active": "active",
            "job_title": "title",
            "employee_number": f"{ENTERPRISE}:employeeNumber",
            "department": f"{ENTERPRISE}:department",
            "division": f"{ENTERPRISE}:division",
            "cost_centre": f"{ENTERPRISE}:costCenter",
            "manager_employee_number": f"{ENTERPRISE}:manager.value",
            "grade": f"{council}:grade",
            "fte": f"{council}:fte",
            "working_pattern": f"{council}:workingPattern",
            "work_style": f"{council}:workStyle",
            "work_location": f"{council}:workLocation",
            "start_date": f"{council}:startDate",
            "contract_type": f"{council}:contractType",
        }
        return {**defaults, **self.paths}


#: Every HR field read from the HR system, in record order.
FIELDS = (
    "user_name",
    "external_id",
    "active",
    "job_title",
    "employee_number",
    "department",
    "division",
    "cost_centre",
    "manager_employee_number",
    "grade",
    "fte",
    "working_pattern",
    "work_style",
    "work_location",
    "start_date",
    "contract_type",
)

# urn:...:Schema:attr.sub or attr.sub (RFC 7644 §3.10 attribute notation, no filters)
_PATH = re.compile(r"(urn:[A-Za-z0-9.:_-]+:)?[A-Za-z][A-Za-z0-9_$-]*(\.[A-Za-z][A-Za-z0-9_$-]*)?")


def record_from_resource(resource: dict[str, Any], paths: dict[str, str]) -> HRRecord:
    """The HR record held in a SCIM User resource, read through ``paths``."""
    values = {name: read_path(resource, path) for name, path in paths.items()}
    meta = resource.get("meta") or {}
    return HRRecord(
        scim_id=str(resource.get("id", "")),
        user_name=_text(values["user_name"]),
        employee_number=_text(values["employee_number"]),
        external_id=_text(values["external_id"]),
        active=values["active"] is not False,
        job_title=_text(values["job_title"]),
        department=_text(values["department"]),
        division=_text(values["division"]),
        cost_centre=_text(values["cost_centre"]),
        manager_employee_number=_text(values["manager_employee_number"]),
        grade=_text(values["grade"]),
        fte=_number(values["fte"]),
        working_pattern=_text(values["working_pattern"]),
        work_style=_text(values["work_style"]),
        work_location=_text(values["work_location"]),
        start_date=_date(values["start_date"]),
        contract_type=_text(values["contract_type"]),
        etag=_text(meta.get("version")),
        last_modified=_date(meta.get("lastModified")),
    )


def read_path(resource: dict[str, Any], path: str) -> Any:
    """The value at a SCIM attribute path (``urn:...:Schema:attr.sub`` or ``attr.sub``)."""
    node: Any = resource
    if path.startswith("urn:"):
        schema, _, path = path.rpartition(":")
        node = resource.get(schema) or {}
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = _get_ci(node, part)
    return node


def _get_ci(node: dict[str, Any], name: str) -> Any:
    if name in node:
        return node[name]
    lowered = name.lower()  # SCIM attribute names are case-insensitive
    for key, value in node.items():
        if key.lower() == lowered:
            return value
    return None


def _text(value: Any) -> str | None:
    if value is None or value == "" or isinstance(value, dict | list):
        return None
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
