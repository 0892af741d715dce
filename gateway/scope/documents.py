"""Documents through the gate: records, folder listings, search and download links,
only for documents the viewer may read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from connectors.documents import DocumentRecord

from .gate import Gate


class DocumentGate:
    """``schema.scope.DocumentReader`` for one viewer."""

    def __init__(self, gate: Gate) -> None:
        self._gate = gate

    async def get(self, path: str) -> DocumentRecord | None:
        [found] = await self._gate.judge([await self._gate.documents.document.load(path)])
        return found

    async def many(self, paths: Sequence[str]) -> list[DocumentRecord | None]:
        return await self._gate.judge(await self._gate.documents.document.load_many(paths))

    async def readable(self, paths: Iterable[str | None]) -> set[str]:
        return await self._gate.readable(paths)

    async def in_folder(self, folder: str) -> list[DocumentRecord]:
        prefix = folder.strip("/")
        index = await self._gate.documents.index.load("")
        inside = [
            d for d in index if not prefix or d.path == prefix or d.path.startswith(prefix + "/")
        ]
        return [d for d in await self._gate.judge(inside) if d is not None]

    async def search(self, text: str) -> list[DocumentRecord]:
        found = await self._gate.documents.search.load(text)
        return [d for d in await self._gate.judge(found) if d is not None]

    def download_url(self, path: str) -> str | None:
        # Only for a document this gate returned in this request (a Document is only ever
        # made of one): no second look-up per document of a page.
        make = self._gate.policy.document_url
        if make is None or not self._gate.judged(path):
            return None
        return make(self._gate.viewer.guid, path)
