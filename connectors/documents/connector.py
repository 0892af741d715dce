"""Reads documents, their properties and their content from a WebDAV store (RFC 4918).

Listing is PROPFIND depth 1; a whole tree is one PROPFIND depth infinity where
the store allows it, folder by folder where it does not. Metadata for a batch
of documents costs one PROPFIND per distinct parent folder, sent concurrently,
never one request per document. Content is streamed (``open``), never read
whole, with ``Range`` and ``If-None-Match`` passed through.

Every request goes through a :class:`ResilientClient` (retries with backoff for
idempotent methods, a per-call deadline, a circuit breaker); what escapes is
mapped to this package's exception tree (``errors.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from posixpath import dirname
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from connectors.resilience import CircuitBreaker, CircuitOpen, DeadlineExceeded, ResilientClient
from connectors.resilience import RetryPolicy as RetryPolicy

from .dav import http_datetime, normalise_etag, parse_multistatus, propfind_body
from .errors import (
    DocumentCircuitOpen,
    DocumentError,
    DocumentNotFound,
    DocumentRejected,
    DocumentTimeout,
    DocumentUnavailable,
)
from .records import DocumentRecord, Download

# Headers of a content response passed on to whoever streams it.
_PASSED_HEADERS = (
    "content-type",
    "content-length",
    "content-range",
    "accept-ranges",
    "etag",
    "last-modified",
)
_DOWNLOAD_STATUSES = frozenset({200, 206, 304, 416})
# A health check asks for one live property of the root, not every property.
_PING_BODY = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/></D:prop></D:propfind>'
)


class DocumentConnector:
    """Listings, crawls, batch metadata and streamed content over one ``httpx.AsyncClient``."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        namespace: str = "urn:townhall:dav:props",
        concurrency: int = 8,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        deadline: float | None = None,
        read_acl: bool = False,
    ) -> None:
        self._http = ResilientClient(client, retry=retry, breaker=breaker)
        self._client = client
        self._ns = namespace
        self._limit = asyncio.Semaphore(concurrency)
        self._root = urlsplit(str(client.base_url)).path.rstrip("/")
        self._body = propfind_body(namespace, acl=read_acl)
        self._deadline = deadline
        self.calls = 0  # HTTP requests asked for (retries not counted), for tests and benchmarks
        self.server_time: datetime | None = None  # the store's clock, from its last answer

    @property
    def breaker(self) -> CircuitBreaker:
        return self._http.breaker

    async def list_folder(self, folder: str = "") -> list[DocumentRecord]:
        """The documents and sub-folders directly inside ``folder``."""
        records = await self._propfind(folder, depth="1")
        folder = folder.strip("/")
        return [r for r in records if r.path != folder]

    async def crawl(self, folder: str = "") -> list[DocumentRecord]:
        """Every document under ``folder``, however deep (folders left out)."""
        try:
            records = await self._propfind(folder, depth="infinity")
        except DocumentRejected:  # the store forbids infinite depth: walk it
            records = await self._walk(folder)
        return sorted((r for r in records if not r.is_folder), key=lambda r: r.path)

    async def documents(self, paths: Sequence[str]) -> list[DocumentRecord | None]:
        """Metadata for each path, in order; ``None`` where there is no such document."""
        folders = sorted({dirname(p.strip("/")) for p in paths if safe_path(p)})

        async def listing(folder: str) -> list[DocumentRecord]:
            try:
                return await self._propfind(folder, depth="1")
            except DocumentNotFound:
                return []

        found: dict[str, DocumentRecord] = {}
        for records in await asyncio.gather(*(listing(f) for f in folders)):
            found.update((r.path, r) for r in records if not r.is_folder)
        return [found.get(p.strip("/")) if safe_path(p) else None for p in paths]

    async def open(
        self, path: str, *, range: str | None = None, if_none_match: str | None = None
    ) -> Download:
        """Start streaming a document's content; the caller must ``aclose()`` the download."""
        if not safe_path(path):
            raise DocumentNotFound("no such document")
        headers = {"Accept-Encoding": "identity"}  # byte ranges must mean the stored bytes
        if range:
            headers["Range"] = range
        if if_none_match:
            headers["If-None-Match"] = if_none_match
        request = self._client.build_request("GET", _href(path), headers=headers)
        breaker = self._http.breaker
        try:
            breaker.before_call()
        except CircuitOpen as exc:
            raise DocumentCircuitOpen("the document store is failing; not calling it") from exc
        self.calls += 1
        try:
            response = await self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            breaker.record_failure()
            raise _transport_error(exc) from exc
        if response.status_code >= 500:
            breaker.record_failure()
        else:
            breaker.record_success()
        if response.status_code not in _DOWNLOAD_STATUSES:
            await response.aclose()
            _raise_for(response.status_code, what="document")
        passed = {k: response.headers[k] for k in _PASSED_HEADERS if k in response.headers}
        if "etag" in passed:
            passed["etag"] = f'"{normalise_etag(passed["etag"])}"'

        async def chunks() -> AsyncIterator[bytes]:
            try:
                async for chunk in response.aiter_bytes(64 * 1024):
                    yield chunk
            except httpx.HTTPError as exc:
                raise _transport_error(exc) from exc

        return Download(response.status_code, passed, chunks(), response.aclose)

    async def read(self, path: str, *, limit: int) -> bytes | None:
        """The first ``limit`` bytes of a document's content (``None`` if it is gone)."""
        try:
            download = await self.open(path, range=f"bytes=0-{max(0, limit - 1)}")
        except DocumentNotFound:
            return None
        try:
            if download.status == 416:  # an empty file has no byte 0
                return b""
            data = bytearray()
            async for chunk in download.chunks:
                data += chunk
                if len(data) >= limit:
                    break
            return bytes(data[:limit])
        finally:
            await download.aclose()

    async def digest(self, path: str) -> str | None:
        """SHA-256 of a document's content, streamed (``None`` if it is gone)."""
        try:
            download = await self.open(path)
        except DocumentNotFound:
            return None
        sha = hashlib.sha256()
        try:
            async for chunk in download.chunks:
                sha.update(chunk)
        finally:
            await download.aclose()
        return sha.hexdigest()

    async def ping(self) -> None:
        """One PROPFIND depth 0 of the root, straight to the store: no retries, not
        counted in :attr:`calls`, sent even while the breaker is open."""
        try:
            response = await self._client.request(
                "PROPFIND",
                "./",
                content=_PING_BODY,
                headers={"Depth": "0", "Content-Type": "application/xml; charset=utf-8"},
            )
        except httpx.HTTPError as exc:
            raise _transport_error(exc) from exc
        if response.status_code != 207:
            _raise_for(response.status_code, what="folder")

    async def _walk(self, folder: str) -> list[DocumentRecord]:
        records: list[DocumentRecord] = []
        pending = [folder.strip("/")]
        seen: set[str] = set()
        while pending:
            batch, pending = pending, []
            for listing in await asyncio.gather(*(self.list_folder(f) for f in batch)):
                for record in listing:
                    records.append(record)
                    if record.is_folder and record.path not in seen:
                        seen.add(record.path)
                        pending.append(record.path)
        return records

    async def _propfind(self, folder: str, *, depth: str) -> list[DocumentRecord]:
        folder = folder.strip("/")
        if folder and not safe_path(folder):
            raise DocumentNotFound("no such folder")
        url = _href(folder) + "/" if folder else "./"
        async with self._limit:
            self.calls += 1
            response = await self._request(
                "PROPFIND",
                url,
                content=self._body,
                headers={"Depth": depth, "Content-Type": "application/xml; charset=utf-8"},
            )
        if response.status_code != 207:
            _raise_for(response.status_code, what="folder")
        self.server_time = http_datetime(response.headers.get("date")) or self.server_time
        return parse_multistatus(response.content, root=self._root, namespace=self._ns)

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        deadline = time.monotonic() + self._deadline if self._deadline else None
        try:
            return await self._http.request(method, url, deadline=deadline, **kwargs)
        except CircuitOpen as exc:
            raise DocumentCircuitOpen("the document store is failing; not calling it") from exc
        except DeadlineExceeded as exc:
            raise DocumentTimeout("the document store did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise _transport_error(exc) from exc


def _raise_for(status: int, *, what: str) -> None:
    if status == 404 or status == 410:
        raise DocumentNotFound(f"no such {what}")
    if status >= 500 or status == 429:
        raise DocumentUnavailable(f"the document store failed (HTTP {status})")
    raise DocumentRejected(f"the document store refused (HTTP {status})")


def _transport_error(exc: Exception) -> DocumentError:
    if isinstance(exc, httpx.TimeoutException):
        return DocumentTimeout("the document store did not answer in time")
    return DocumentUnavailable(f"the document store is unreachable ({type(exc).__name__})")


def _href(path: str) -> str:
    return quote(path.strip("/"), safe="/")


def safe_path(path: str) -> bool:
    """A relative store path that cannot climb out of the root."""
    parts = path.strip("/").split("/")
    return (
        bool(path.strip("/"))
        and len(path) <= 1024
        and "\x00" not in path
        and ".." not in parts
        and "." not in parts
        and "" not in parts
    )
