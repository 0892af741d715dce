"""Reads staff records from the HR system over SCIM 2.0 (RFC 7643/7644).

A DataLoader batch of keys becomes ONE ``GET /Users`` with a filter joined by
``or`` (chunked to stay under the server's limits; a chunk the server finds too
big — ``tooMany``, 413, 414 — is halved and sent again), asking only for the
attributes Townhall maps (``attributes=``), so fields that must never be
exposed — date of birth and the like — are never even fetched. Full listings
page with ``startIndex``/``count``; the change feed asks for
``meta.lastModified ge`` a checkpoint; revalidation sends ``If-None-Match``.

Requests go through a :class:`~connectors.resilience.ResilientClient` over one
shared ``httpx.AsyncClient`` (retries with backoff on 429/502/503/504 honouring
``Retry-After``, a per-operation deadline, a circuit breaker); what escapes it
is mapped to the tree in :mod:`connectors.hr.errors`.

scim2-client is not used: its current release is bound to the ``httpx2``
package rather than httpx, and Townhall needs control of each request (ETags,
batching, retries, error mapping). scim2-models is not used to parse
responses either: its ``User`` model validates against the RFC schemas, while
HR systems put grade and the like under extension URNs and attribute paths
that differ per site; Townhall reads the configured paths from the JSON
directly and validates only the few values it keeps (:mod:`.records`).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from connectors.resilience import (
    CircuitBreaker,
    CircuitOpen,
    DeadlineExceeded,
    ResilientClient,
    RetryPolicy,
)

from .errors import HRCircuitOpen, HRNotFound, HRRejected, HRTimeout, HRUnavailable
from .records import HRField, HRRecord, ScimPaths, record_from_resource
from .source import HRChanges, HRCheckpoint, without_match

_LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
_SCIM_JSON = "application/scim+json"
_MAX_COUNT = 1000  # RFC 7644 servers commonly cap a page at 1,000
_MAX_KEY = 256


class HRConnector:
    """Batch lookups, listings, a change feed and revalidation of HR records over SCIM."""

    def __init__(
        self,
        client: httpx.AsyncClient | ResilientClient,
        *,
        paths: ScimPaths | None = None,
        batch_size: int = 50,
        page_size: int = 200,
        deadline: float | None = None,
        change_overlap: float = 2.0,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        """``page_size``: records per page of a listing or change feed — small enough that
        each page comes back well within the timeout, whatever the server's speed.
        ``deadline``: seconds a lookup or a revalidation (all its requests and retries)
        may take — they run while a client waits; listings and the change feed run in the
        background, bounded only by each request's timeout.
        ``change_overlap``: seconds the change feed re-reads before its checkpoint, so a
        change stamped just before the last read but committed after it is not missed."""
        if isinstance(client, ResilientClient):
            self._http = client
        else:
            self._http = ResilientClient(client, retry=retry, breaker=breaker)
        self._config = (paths, batch_size, page_size, deadline, change_overlap)
        self._paths = (paths or ScimPaths()).resolved()
        self._batch_size = batch_size
        self._page_size = min(page_size, _MAX_COUNT)
        self._deadline = deadline
        self._overlap = timedelta(seconds=change_overlap)
        self._attributes = ",".join(sorted({*self._paths.values(), "id", "meta"}))

    @property
    def calls(self) -> int:
        """HTTP requests sent (retries included), for tests, benchmarks and metrics."""
        return self._http.requests

    @property
    def breaker(self) -> CircuitBreaker:
        return self._http.breaker

    def background(self) -> HRConnector:
        """The same connector for work no client waits on (the change feed): same HTTP
        client, retries and circuit breaker, its requests counted apart from :attr:`calls`."""
        paths, batch_size, page_size, deadline, overlap = self._config
        http = ResilientClient(self._http.client, retry=self._http.retry, breaker=self.breaker)
        return HRConnector(
            http,
            paths=paths,
            batch_size=batch_size,
            page_size=page_size,
            deadline=deadline,
            change_overlap=overlap,
        )

    # -- lookups ----------------------------------------------------------------

    async def records_by(self, field: HRField, keys: Sequence[str]) -> list[HRRecord | None]:
        """HR records for each key, in key order; ``None`` where HR has no record."""
        deadline = self._start()
        path = self._paths[field]
        wanted = [k for k in dict.fromkeys(keys) if isinstance(k, str) and 0 < len(k) <= _MAX_KEY]
        found: dict[str, HRRecord] = {}
        for start in range(0, len(wanted), self._batch_size):
            chunk = wanted[start : start + self._batch_size]
            for record in await self._lookup(path, field, chunk, deadline):
                key = getattr(record, field)
                if key is not None:
                    found[key.casefold()] = record
        return [found.get(k.casefold()) if isinstance(k, str) and k else None for k in keys]

    async def _lookup(
        self, path: str, field: HRField, chunk: list[str], deadline: float | None
    ) -> list[HRRecord]:
        query = " or ".join(f"{path} eq {_string(k)}" for k in chunk)
        try:
            resources = await self._list(query, deadline)
        except HRRejected as exc:
            too_big = exc.scim_type == "tooMany" or exc.status in (413, 414)
            if not too_big or len(chunk) == 1:
                raise
            half = len(chunk) // 2  # the server's limit is lower than ours: split and retry
            return [
                *await self._lookup(path, field, chunk[:half], deadline),
                *await self._lookup(path, field, chunk[half:], deadline),
            ]
        return [record_from_resource(r, self._paths) for r in resources]

    async def all_records(self) -> list[HRRecord]:
        """Every HR record, read page by page with ``startIndex``/``count``."""
        resources = await self._list(None, None)
        return [record_from_resource(r, self._paths) for r in resources]

    async def unmatched(self, field: HRField, keys: Iterable[str]) -> list[HRRecord]:
        """HR records whose ``field`` matches none of ``keys`` — e.g. the join keys of
        every directory account, to list HR records with no AD account."""
        return without_match(await self.all_records(), field, keys)

    # -- revalidation and changes ----------------------------------------------

    async def revalidate(self, record: HRRecord) -> HRRecord | None:
        """``None`` when ``record`` is still current (a 304 to ``If-None-Match``),
        else the record as it is now. Raises :class:`HRNotFound` when it is gone."""
        headers = {"If-None-Match": record.etag} if record.etag else {}
        response = await self._request(
            f"Users/{_segment(record.scim_id)}",
            {"attributes": self._attributes},
            self._start(),
            headers=headers,
            allow=(304, 404),
        )
        if response.status_code == 304:
            return None
        if response.status_code == 404:
            raise HRNotFound("the HR record no longer exists")
        return record_from_resource(_document(response), self._paths)

    async def changes_since(self, checkpoint: HRCheckpoint | None) -> HRChanges:
        """Records created or changed since ``checkpoint`` (everything when ``None``)."""
        since: datetime | None = None
        resync = checkpoint is None
        if checkpoint is not None:
            since = _instant(checkpoint.position) if checkpoint.source == "scim" else None
            resync = since is None
        seen = checkpoint.seen if checkpoint is not None and not resync else frozenset()
        query = None
        if since is not None:
            query = f"meta.lastModified ge {_string(_iso(since - self._overlap))}"
        records = [record_from_resource(r, self._paths) for r in await self._list(query, None)]
        stamped = [r.last_modified for r in records if r.last_modified is not None]
        mark = max([*stamped, *([since] if since else [])], default=None)
        changed = [r for r in records if _version(r) not in seen]
        keep = frozenset(
            _version(r)
            for r in records
            if mark is not None
            and r.last_modified is not None
            and r.last_modified >= mark - self._overlap
        )
        position = _iso(mark) if mark is not None else ""
        return HRChanges(changed, HRCheckpoint("scim", position, keep), resync=resync)

    async def checkpoint_now(self) -> HRCheckpoint:
        """A checkpoint at the HR system's present, without reading any record: its
        clock comes from the ``Date`` of a cheap request (ours if it sends none)."""
        response = await self._request("ServiceProviderConfig", {}, self._start())
        now = datetime.now(UTC)
        with contextlib.suppress(TypeError, ValueError):
            now = parsedate_to_datetime(response.headers["date"]).astimezone(UTC)
        # Date has whole seconds: step back one so nothing stamped this second is missed.
        return HRCheckpoint("scim", _iso(now - timedelta(seconds=1)))

    async def ping(self) -> None:
        """One ``GET /ServiceProviderConfig``, straight to the HR system: no retries, not
        counted in :attr:`calls`, and sent even while the circuit breaker is open, so that
        a health check sees the system itself."""
        try:
            response = await self._http.client.get(
                "ServiceProviderConfig", headers={"Accept": _SCIM_JSON}
            )
        except httpx.TimeoutException as exc:
            raise HRTimeout("the HR system did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise HRUnavailable(f"the HR system is unreachable ({type(exc).__name__})") from exc
        if response.status_code != 200:
            raise HRUnavailable(f"the HR system answered HTTP {response.status_code}")

    # -- HTTP -------------------------------------------------------------------

    async def _list(self, query: str | None, deadline: float | None) -> list[dict[str, Any]]:
        """Every resource matching ``query``, page by page (deduplicated by id)."""
        resources: dict[str, dict[str, Any]] = {}
        start = 1
        while True:
            params: dict[str, str | int] = {
                "startIndex": start,
                "count": self._page_size,
                "attributes": self._attributes,
            }
            if query:
                params["filter"] = query
            body = _document(await self._request("Users", params, deadline))
            page = body.get("Resources") or []
            listed = body.get("schemas") == [_LIST_RESPONSE] or "Resources" in body
            if not listed and body.get("totalResults") != 0:
                raise HRUnavailable("the HR system answered with something other than a list")
            if not isinstance(page, list):
                raise HRUnavailable("the HR system answered with a malformed list")
            for resource in page:
                if isinstance(resource, dict):
                    resources.setdefault(str(resource.get("id", len(resources))), resource)
            total = _int(body.get("totalResults"), len(page))
            start += len(page)
            if not page or start > total:
                return list(resources.values())

    async def _request(
        self,
        endpoint: str,
        params: dict[str, str | int],
        deadline: float | None,
        *,
        headers: dict[str, str] | None = None,
        allow: tuple[int, ...] = (),
    ) -> httpx.Response:
        try:
            response = await self._http.request(
                "GET",
                endpoint,
                params=params,
                headers={"Accept": _SCIM_JSON, **(headers or {})},
                deadline=deadline,
            )
        except CircuitOpen as exc:
            raise HRCircuitOpen("the HR system is failing; not calling it for now") from exc
        except DeadlineExceeded as exc:
            raise HRTimeout("the HR system did not answer in time") from exc
        except httpx.TimeoutException as exc:
            raise HRTimeout("the HR system did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise HRUnavailable(f"the HR system is unreachable ({type(exc).__name__})") from exc
        status = response.status_code
        if status in allow:
            return response
        if status >= 500 or status == 429:
            raise HRUnavailable(f"the HR system failed (HTTP {status})")
        if status >= 400:
            scim_type = None
            with contextlib.suppress(ValueError, AttributeError):
                value = response.json().get("scimType")
                scim_type = value if isinstance(value, str) else None
            raise HRRejected(
                f"the HR system refused the request (HTTP {status}"
                f"{', ' + scim_type if scim_type else ''})",
                status=status,
                scim_type=scim_type,
            )
        if status != 200:
            raise HRUnavailable(f"the HR system answered HTTP {status}")
        return response

    def _start(self) -> float | None:
        return None if self._deadline is None else time.monotonic() + self._deadline


def _document(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise HRUnavailable("the HR system answered with invalid JSON") from exc
    if not isinstance(body, dict):
        raise HRUnavailable("the HR system answered with an unexpected document")
    return body


def _string(value: str) -> str:
    """A SCIM filter string literal: a JSON string (RFC 7644 §3.4.2.2), control
    characters and quotes escaped, so no key can change the filter's meaning."""
    return json.dumps(value)


def _segment(value: str) -> str:
    return quote(value, safe="")


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _version(record: HRRecord) -> str:
    return f"{record.scim_id}@{record.etag or (record.last_modified or '')}"


def _iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def _instant(text: str) -> datetime | None:
    try:
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)
