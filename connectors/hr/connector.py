"""Reads staff records from the HR system over SCIM 2.0.

A DataLoader batch of keys becomes ONE ``GET /Users`` with a filter joined by
``or`` (chunked to stay under the server's limits), asking only for the
attributes Townhall maps (``attributes=``), so fields that must never be
exposed — date of birth and the like — are never even fetched.

Uses one shared ``httpx.AsyncClient`` owned by the caller. scim2-client is not
used: its current release is bound to the ``httpx2`` package rather than httpx,
and Townhall needs control of the request (ETags, batching, error mapping).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

import httpx

from .errors import HRRejected, HRTimeout, HRUnavailable
from .records import HRRecord, ScimPaths, read_path

HRField = Literal["employee_number", "user_name", "external_id"]

_LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
_MAX_COUNT = 1000


class HRConnector:
    """Batch lookups and listings of HR records over SCIM."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        paths: ScimPaths | None = None,
        batch_size: int = 50,
    ) -> None:
        self._client = client
        self._paths = (paths or ScimPaths()).resolved()
        self._batch_size = batch_size
        self._attributes = ",".join(sorted({*self._paths.values(), "id", "meta"}))
        self.calls = 0  # HTTP requests sent, for tests and benchmarks

    async def records_by(self, field: HRField, keys: Sequence[str]) -> list[HRRecord | None]:
        """HR records for each key, in key order; ``None`` where HR has no record."""
        path = self._paths[field]
        wanted = [k for k in dict.fromkeys(keys) if k and len(k) <= 256]
        found: dict[str, HRRecord] = {}
        for start in range(0, len(wanted), self._batch_size):
            chunk = wanted[start : start + self._batch_size]
            query = " or ".join(f"{path} eq {_string(k)}" for k in chunk)
            for resource in await self._list(query, count=len(chunk) * 2):
                record = self._record(resource)
                key = getattr(record, field)
                if key is not None:
                    found[key.casefold()] = record
        return [found.get(k.casefold()) if k else None for k in keys]

    async def all_records(self, *, page_size: int = _MAX_COUNT) -> list[HRRecord]:
        """Every HR record, read page by page with ``startIndex``/``count``."""
        records: list[HRRecord] = []
        start = 1
        while True:
            page, total = await self._page(None, start_index=start, count=page_size)
            records.extend(self._record(r) for r in page)
            start += len(page)
            if not page or start > total:
                return records

    async def _list(self, query: str, *, count: int) -> list[dict[str, Any]]:
        resources, total = await self._page(query, start_index=1, count=min(count, _MAX_COUNT))
        start = 1 + len(resources)
        while resources and start <= total:  # a server may page a batch's answer
            more, total = await self._page(query, start_index=start, count=_MAX_COUNT)
            if not more:
                break
            resources.extend(more)
            start += len(more)
        return resources

    async def _page(
        self, query: str | None, *, start_index: int, count: int
    ) -> tuple[list[dict[str, Any]], int]:
        params: dict[str, str | int] = {
            "startIndex": start_index,
            "count": count,
            "attributes": self._attributes,
        }
        if query:
            params["filter"] = query
        body = await self._get("Users", params)
        if body.get("schemas") != [_LIST_RESPONSE] and "Resources" not in body:
            if body.get("totalResults") == 0:
                return [], 0
            raise HRUnavailable("the HR system answered with something other than a list")
        resources = list(body.get("Resources") or [])
        return resources, int(body.get("totalResults", len(resources)))

    async def _get(self, endpoint: str, params: dict[str, str | int]) -> dict[str, Any]:
        self.calls += 1
        try:
            response = await self._client.get(
                endpoint, params=params, headers={"Accept": "application/scim+json"}
            )
        except httpx.TimeoutException as exc:
            raise HRTimeout("the HR system did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise HRUnavailable(f"the HR system is unreachable ({type(exc).__name__})") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise HRUnavailable(f"the HR system failed (HTTP {response.status_code})")
        if response.status_code >= 400:
            scim_type = None
            with contextlib.suppress(ValueError, AttributeError):
                scim_type = response.json().get("scimType")
            raise HRRejected(
                f"the HR system refused the request (HTTP {response.status_code}"
                f"{', ' + scim_type if scim_type else ''})",
                status=response.status_code,
                scim_type=scim_type,
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise HRUnavailable("the HR system answered with invalid JSON") from exc
        if not isinstance(body, dict):
            raise HRUnavailable("the HR system answered with an unexpected document")
        return body

    def _record(self, resource: dict[str, Any]) -> HRRecord:
        values: dict[str, Any] = {}
        for name, path in self._paths.items():
            values[name] = read_path(resource, path)
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
            etag=meta.get("version"),
            last_modified=_date(meta.get("lastModified")),
        )


def _string(value: str) -> str:
    """A SCIM filter string literal (a JSON string, RFC 7644 §3.4.2.2)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _number(value: Any) -> float | None:
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
