"""What every document source offers: the WebDAV connector and the file-share connector."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from .records import DocumentRecord, Download


class DocumentSource(Protocol):
    """Listings, crawls, batch metadata and streamed content, whatever the store."""

    calls: int
    server_time: datetime | None

    async def list_folder(self, folder: str = "") -> list[DocumentRecord]: ...

    async def crawl(self, folder: str = "") -> list[DocumentRecord]: ...

    async def documents(self, paths: Sequence[str]) -> list[DocumentRecord | None]: ...

    async def open(
        self, path: str, *, range: str | None = None, if_none_match: str | None = None
    ) -> Download: ...

    async def read(self, path: str, *, limit: int) -> bytes | None: ...

    async def digest(self, path: str) -> str | None: ...

    async def ping(self) -> None:
        """Prove the store answers now (one cheap request, no retries); raises if not.
        The caller bounds the wait (``asyncio.timeout``)."""
        ...
