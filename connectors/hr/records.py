"""The HR record Townhall reads, and where each field lives in a SCIM resource."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
COUNCIL = "urn:townhall:scim:schemas:extension:council:2.0:Employee"


class HRRecord(BaseModel):
    """A person's employment record as the HR system holds it."""

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
    """SCIM attribute paths of each HR field; every HR system names them differently."""

    extension: str = COUNCIL
    paths: dict[str, str] = field(default_factory=dict)

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
