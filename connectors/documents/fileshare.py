"""The same document records from a local folder: a mounted file share.

For councils without a WebDAV store, and for the embedded demo. Live
properties come from the file system (size, modification time with nanosecond
resolution, an ETag of inode, mtime and size). Author, last editor, tags and
title come from a sidecar JSON file (``{"documents": [{"path", "author",
"lastEditor", "tags", "title", "created"}]}``, the shape of the council's
``documents.json``), re-read whenever it changes.

A sidecar rather than extended attributes: xattrs are dropped by many copy and
backup tools, are optional on SMB/CIFS mounts (``user_xattr``), cannot be
reviewed or versioned, and are invisible to the people who keep the share;
one JSON file works on every file system and can be written by any script.

Blocking file system calls run in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import mimetypes
import os
import re
import stat
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any, TypeVar

from .connector import safe_path
from .dav import iso_datetime
from .errors import DocumentNotFound, DocumentRejected, DocumentUnavailable
from .records import DocumentRecord, Download

T = TypeVar("T")
_CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True, slots=True)
class _Sidecar:
    mtime_ns: int
    entries: dict[str, dict[str, Any]]


class FolderConnector:
    """Listings, crawls, batch metadata and streamed content from a local folder."""

    def __init__(self, root: Path, *, metadata_file: Path | None = None) -> None:
        self._root = root.resolve()
        self._metadata_file = metadata_file
        self._sidecar: _Sidecar | None = None
        self.calls = 0  # file system walks and opens, for tests and benchmarks
        self.server_time: datetime | None = None

    async def list_folder(self, folder: str = "") -> list[DocumentRecord]:
        """The documents and sub-folders directly inside ``folder``."""
        return await self._run(self._list, folder.strip("/"))

    async def crawl(self, folder: str = "") -> list[DocumentRecord]:
        """Every document under ``folder``, however deep (folders left out)."""
        return await self._run(self._crawl, folder.strip("/"))

    async def documents(self, paths: Sequence[str]) -> list[DocumentRecord | None]:
        """Metadata for each path, in order; ``None`` where there is no such document."""
        return await self._run(self._documents, list(paths))

    async def open(
        self, path: str, *, range: str | None = None, if_none_match: str | None = None
    ) -> Download:
        """Start streaming a document's content (one byte range at most)."""
        target = self._resolve(path)
        self.calls += 1
        try:
            info = await asyncio.to_thread(target.stat)
        except FileNotFoundError as exc:
            raise DocumentNotFound("no such document") from exc
        except OSError as exc:
            raise DocumentUnavailable("the file share cannot be read") from exc
        if not stat.S_ISREG(info.st_mode):
            raise DocumentNotFound("no such document")
        etag = f'"{_etag(info)}"'
        headers = {
            "accept-ranges": "bytes",
            "etag": etag,
            "last-modified": format_datetime(_mtime(info), usegmt=True),
            "content-type": mimetypes.guess_type(target.name)[0] or "application/octet-stream",
        }
        if if_none_match and etag in {t.strip() for t in if_none_match.split(",")}:
            return Download(304, headers, _empty())
        size = info.st_size
        start, end = 0, size - 1
        status = 200
        if range:
            parsed = _parse_range(range, size)
            if parsed is None:
                headers["content-range"] = f"bytes */{size}"
                return Download(416, headers, _empty())
            if parsed != (0, size - 1) or size == 0:
                status = 206
            start, end = parsed
            if status == 206:
                headers["content-range"] = f"bytes {start}-{end}/{size}"
        headers["content-length"] = str(max(0, end - start + 1))
        return Download(status, headers, self._stream(target, start, end))

    async def read(self, path: str, *, limit: int) -> bytes | None:
        """The first ``limit`` bytes of a document's content (``None`` if it is gone)."""
        target = self._resolve(path)

        def read() -> bytes | None:
            try:
                with target.open("rb") as handle:
                    return handle.read(limit)
            except (FileNotFoundError, IsADirectoryError):
                return None

        return await self._run(read)

    async def digest(self, path: str) -> str | None:
        """SHA-256 of a document's content (``None`` if it is gone)."""
        target = self._resolve(path)

        def digest() -> str | None:
            sha = hashlib.sha256()
            try:
                with target.open("rb") as handle:
                    while chunk := handle.read(_CHUNK):
                        sha.update(chunk)
            except (FileNotFoundError, IsADirectoryError):
                return None
            return sha.hexdigest()

        return await self._run(digest)

    async def ping(self) -> None:
        """The share's root folder can be read."""
        try:
            found = await asyncio.to_thread(self._root.is_dir)
        except OSError as exc:
            raise DocumentUnavailable(f"the file share cannot be read ({exc.errno})") from exc
        if not found:
            raise DocumentUnavailable("the file share's root folder is missing")

    async def _stream(self, target: Path, start: int, end: int) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(target.open, "rb")
        try:
            await asyncio.to_thread(handle.seek, start)
            left = end - start + 1
            while left > 0:
                chunk = await asyncio.to_thread(handle.read, min(_CHUNK, left))
                if not chunk:
                    break
                left -= len(chunk)
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        self.calls += 1
        try:
            result = await asyncio.to_thread(fn, *args)
        except PermissionError as exc:
            raise DocumentRejected("the file share refused access") from exc
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise DocumentNotFound("no such folder") from exc
        except OSError as exc:
            raise DocumentUnavailable(f"the file share cannot be read ({exc.errno})") from exc
        self.server_time = datetime.now(UTC)
        return result

    def _resolve(self, path: str) -> Path:
        """The file for a store path, refusing anything outside the root (symlinks too)."""
        if not safe_path(path):
            raise DocumentNotFound("no such document")
        target = (self._root / path.strip("/")).resolve()
        if not target.is_relative_to(self._root):
            raise DocumentNotFound("no such document")
        return target

    def _folder(self, folder: str) -> Path:
        if not folder:
            return self._root
        target = self._resolve(folder)
        if not target.is_dir():
            raise FileNotFoundError(folder)
        return target

    def _list(self, folder: str) -> list[DocumentRecord]:
        base = self._folder(folder)
        meta = self._metadata()
        records = []
        with os.scandir(base) as entries:
            for entry in entries:
                record = self._entry(entry, base, meta)
                if record is not None:
                    records.append(record)
        return sorted(records, key=lambda r: r.path)

    def _crawl(self, folder: str) -> list[DocumentRecord]:
        meta = self._metadata()
        records: list[DocumentRecord] = []
        pending = [self._folder(folder)]
        while pending:
            base = pending.pop()
            with os.scandir(base) as entries:
                for entry in entries:
                    record = self._entry(entry, base, meta)
                    if record is None:
                        continue
                    if record.is_folder:
                        pending.append(Path(entry.path))
                    else:
                        records.append(record)
        return sorted(records, key=lambda r: r.path)

    def _documents(self, paths: list[str]) -> list[DocumentRecord | None]:
        meta = self._metadata()
        found: list[DocumentRecord | None] = []
        for path in paths:
            try:
                target = self._resolve(path)
                info = target.stat()
            except (DocumentNotFound, FileNotFoundError, NotADirectoryError):
                found.append(None)
                continue
            if not stat.S_ISREG(info.st_mode):
                found.append(None)
                continue
            rel = target.relative_to(self._root).as_posix()
            found.append(_record(rel, info, meta.get(rel, {})))
        return found

    def _entry(
        self, entry: os.DirEntry[str], base: Path, meta: dict[str, dict[str, Any]]
    ) -> DocumentRecord | None:
        if entry.name.startswith("."):
            return None  # hidden files and the share's own bookkeeping
        try:
            info = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            return None  # removed while we looked
        if stat.S_ISLNK(info.st_mode):
            return None  # a link could point outside the share
        rel = (base / entry.name).relative_to(self._root).as_posix()
        if stat.S_ISDIR(info.st_mode):
            return DocumentRecord(path=rel, is_folder=True, name=entry.name)
        if not stat.S_ISREG(info.st_mode):
            return None
        return _record(rel, info, meta.get(rel, {}))

    def _metadata(self) -> dict[str, dict[str, Any]]:
        if self._metadata_file is None:
            return {}
        try:
            mtime = self._metadata_file.stat().st_mtime_ns
        except FileNotFoundError:
            self._sidecar = None
            return {}
        if self._sidecar is None or self._sidecar.mtime_ns != mtime:
            try:
                data = json.loads(self._metadata_file.read_text(encoding="utf-8"))
                documents = data["documents"] if isinstance(data, dict) else data
                entries = {str(d["path"]).strip("/"): d for d in documents}
            except (ValueError, KeyError, TypeError) as exc:
                raise DocumentUnavailable("the document metadata file is not valid") from exc
            self._sidecar = _Sidecar(mtime, entries)
        return self._sidecar.entries


def _record(path: str, info: os.stat_result, meta: dict[str, Any]) -> DocumentRecord:
    tags = meta.get("tags") or ()
    if isinstance(tags, str):
        tags = tags.split(",")
    name = path.rsplit("/", 1)[-1]
    return DocumentRecord(
        path=path,
        name=name,
        title=_text(meta.get("title")),
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        size=info.st_size,
        etag=_etag(info),
        created_at=iso_datetime(_text(meta.get("created"))),
        modified_at=_mtime(info),
        author=_text(meta.get("author")),
        last_editor=_text(meta.get("lastEditor")),
        tags=tuple(str(t).strip() for t in tags if str(t).strip()),
    )


def _etag(info: os.stat_result) -> str:
    # Nanosecond mtime: a same-size rewrite within one second still changes the ETag.
    return f"{info.st_ino:x}-{info.st_mtime_ns:x}-{info.st_size:x}"


def _mtime(info: os.stat_result) -> datetime:
    return datetime.fromtimestamp(info.st_mtime_ns / 1e9, UTC)


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _parse_range(value: str, size: int) -> tuple[int, int] | None:
    """One ``bytes=`` range as (first, last) inclusive; ``None`` when not satisfiable."""
    match = _RANGE.match(value.strip())
    if match is None:
        return (0, size - 1) if size else None  # unsupported (e.g. multi-range): whole file
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        count = int(last)
        if count == 0 or size == 0:
            return None
        return max(0, size - count), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return None
    return start, end


async def _empty() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover - makes this an async generator
