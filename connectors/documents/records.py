"""The document record Townhall reads from the store."""

from __future__ import annotations

from datetime import datetime
from posixpath import basename, dirname

from pydantic import BaseModel, ConfigDict


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

    @property
    def folder(self) -> str:
        return dirname(self.path)

    @property
    def file_name(self) -> str:
        return basename(self.path)
