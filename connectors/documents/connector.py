"""Reads documents and their properties from a WebDAV store (RFC 4918).

Listing is PROPFIND depth 1; a whole tree is one PROPFIND depth infinity where
the store allows it, folder by folder where it does not. Metadata for a batch
of documents costs one PROPFIND per distinct parent folder, sent concurrently,
never one request per document. Dead properties (author, last editor, tags,
title) are read from a configurable XML namespace. Responses are parsed with
defusedxml: the store is trusted to be a store, not to be a safe XML source.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from posixpath import dirname
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from xml.etree.ElementTree import Element

import httpx
from defusedxml import ElementTree

from .errors import (
    DocumentNotFound,
    DocumentRejected,
    DocumentTimeout,
    DocumentUnavailable,
)
from .records import DocumentRecord

DAV = "DAV:"
_LIVE = (
    "displayname",
    "getcontenttype",
    "getcontentlength",
    "getetag",
    "creationdate",
    "getlastmodified",
    "resourcetype",
)
_DEAD = ("author", "lastEditor", "tags", "title")


class DocumentConnector:
    """Listings, crawls and batch metadata over one shared ``httpx.AsyncClient``."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        namespace: str = "urn:townhall:dav:props",
        concurrency: int = 8,
    ) -> None:
        self._client = client
        self._ns = namespace
        self._limit = asyncio.Semaphore(concurrency)
        self._root = urlsplit(str(client.base_url)).path.rstrip("/")
        self._body = _propfind_body(namespace)
        self.calls = 0  # HTTP requests sent, for tests and benchmarks

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
        folders = sorted({dirname(p.strip("/")) for p in paths if _safe_path(p)})

        async def listing(folder: str) -> list[DocumentRecord]:
            try:
                return await self._propfind(folder, depth="1")
            except DocumentNotFound:
                return []

        found: dict[str, DocumentRecord] = {}
        for records in await asyncio.gather(*(listing(f) for f in folders)):
            found.update((r.path, r) for r in records if not r.is_folder)
        return [found.get(p.strip("/")) if _safe_path(p) else None for p in paths]

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
        url = quote(folder.strip("/") + ("/" if folder.strip("/") else ""), safe="/")
        async with self._limit:
            self.calls += 1
            try:
                response = await self._client.request(
                    "PROPFIND",
                    url or "./",
                    content=self._body,
                    headers={"Depth": depth, "Content-Type": "application/xml; charset=utf-8"},
                )
            except httpx.TimeoutException as exc:
                raise DocumentTimeout("the document store did not answer in time") from exc
            except httpx.HTTPError as exc:
                raise DocumentUnavailable(
                    f"the document store is unreachable ({type(exc).__name__})"
                ) from exc
        if response.status_code == 404:
            raise DocumentNotFound("no such folder")
        if response.status_code >= 500:
            raise DocumentUnavailable(f"the document store failed (HTTP {response.status_code})")
        if response.status_code != 207:
            raise DocumentRejected(f"the document store refused (HTTP {response.status_code})")
        try:
            tree = ElementTree.fromstring(response.content)
        except ElementTree.ParseError as exc:
            raise DocumentUnavailable("the document store answered with invalid XML") from exc
        return [r for r in (self._record(node) for node in tree.iter(f"{{{DAV}}}response")) if r]

    def _record(self, node: Element) -> DocumentRecord | None:
        href = node.findtext(f"{{{DAV}}}href") or ""
        path = unquote(urlsplit(href).path)
        if self._root and path.startswith(self._root):
            path = path[len(self._root) :]
        path = path.strip("/")
        props: dict[str, Element] = {}
        for propstat in node.findall(f"{{{DAV}}}propstat"):
            status = propstat.findtext(f"{{{DAV}}}status") or ""
            if " 200 " not in status + " ":
                continue
            for prop in propstat.findall(f"{{{DAV}}}prop/*"):
                props[prop.tag] = prop
        is_folder = _has(props, DAV, "resourcetype") and (
            props[f"{{{DAV}}}resourcetype"].find(f"{{{DAV}}}collection") is not None
        )

        def text(namespace: str, name: str) -> str | None:
            element = props.get(f"{{{namespace}}}{name}")
            value = (element.text or "").strip() if element is not None else ""
            return value or None

        size = text(DAV, "getcontentlength")
        name = path.rsplit("/", 1)[-1]
        return DocumentRecord(
            path=path,
            is_folder=is_folder,
            name=text(DAV, "displayname") or name,
            title=text(self._ns, "title"),
            content_type=None if is_folder else _content_type(text(DAV, "getcontenttype")),
            size=int(size) if size and size.isdigit() else None,
            etag=normalise_etag(text(DAV, "getetag")),
            created_at=_iso(text(DAV, "creationdate")),
            modified_at=_http_date(text(DAV, "getlastmodified")),
            author=text(self._ns, "author"),
            last_editor=text(self._ns, "lastEditor"),
            tags=_tags(props.get(f"{{{self._ns}}}tags")),
        )


def normalise_etag(value: str | None) -> str | None:
    """An ETag without quotes or weakness marker: PROPFIND and headers disagree on them."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"') or None


def _propfind_body(namespace: str) -> bytes:
    live = "".join(f"<D:{name}/>" for name in _LIVE)
    dead = "".join(f"<T:{name}/>" for name in _DEAD)
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<D:propfind xmlns:D="DAV:" xmlns:T="{namespace}"><D:prop>{live}{dead}</D:prop>'
        "</D:propfind>"
    ).encode()


def _tags(element: Element | None) -> tuple[str, ...]:
    """Tags kept as child elements (``<tag>a</tag><tag>b</tag>``) or as comma-separated text."""
    if element is None:
        return ()
    children = list(element)
    values = [c.text or "" for c in children] if children else (element.text or "").split(",")
    return tuple(v.strip() for v in values if v.strip())


def _has(props: dict[str, Any], namespace: str, name: str) -> bool:
    return f"{{{namespace}}}{name}" in props


def _safe_path(path: str) -> bool:
    parts = path.strip("/").split("/")
    return bool(path) and len(path) <= 1024 and "\x00" not in path and ".." not in parts


def _content_type(value: str | None) -> str | None:
    return value.split(";")[0].strip() if value else None


def _iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
