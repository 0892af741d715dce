"""The records the document connector produces: documents, downloads and changes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from posixpath import basename, dirname
from typing import Literal

from pydantic import BaseModel, ConfigDict

#: In ``DocumentRecord.readers``: any signed-in viewer may read (``DAV:all``/``authenticated``).
ANYONE = "*"


class DocumentRecord(BaseModel):
    """One document (or folder) of the store, with its live and dead properties."""

    model_config = ConfigDict(frozen=True)

    path: str  # relative to the store's root, no leading slash, "/"-separated
    is_folder: bool = False
    name: str
    title: str | None = None
    content_type: str | None = None
    size: int | None = None
    etag: str | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None
    author: str | None = None  # the author's user principal name, as the store keeps it
    last_editor: str | None = None
    tags: tuple[str, ...] = ()
    # Groups the store's own ACL lets read it (RFC 3744); None where the store keeps none.
    readers: tuple[str, ...] | None = None

    @property
    def folder(self) -> str:
        return dirname(self.path)

    @property
    def file_name(self) -> str:
        return basename(self.path)


class DocumentChange(BaseModel):
    """A document that appeared, changed or disappeared since a checkpoint.

    ``actor`` is the last editor's (or for a new document the author's) user
    principal name where the store keeps one: enough for "Alice updated Local
    Plan 2026" once the gateway resolves the name in the directory.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["created", "updated", "deleted"]
    path: str
    title: str
    actor: str | None = None
    at: datetime | None = None  # when the store says it happened (None for a deletion)
    record: DocumentRecord | None = None  # the new state; None for a deletion

    @property
    def verb(self) -> str:
        return {"created": "added", "updated": "updated", "deleted": "removed"}[self.kind]


@dataclass(slots=True)
class Download:
    """An open, streamed read of a document's content.

    ``status`` is 200, 206 (a range), 304 (not modified) or 416 (range not
    satisfiable). Iterate ``chunks`` once, then call ``aclose()`` (always).
    """

    status: int
    headers: dict[str, str]
    chunks: AsyncIterator[bytes]
    _close: Callable[[], Awaitable[None]] | None = field(default=None, repr=False)

    async def aclose(self) -> None:
        if self._close is not None:
            close, self._close = self._close, None
            await close()
