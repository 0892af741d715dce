"""The document store in the running gateway: which source, and keeping up with it.

``open_documents`` builds the source the settings name (WebDAV or a mounted
folder) with its auth, timeouts, retries and circuit breaker. ``DocumentSync``
follows the store's change feed (each ``poll`` is one round; ``gateway.background``
runs them): it builds Townhall's own search index at start-up, then re-indexes what
changed, drops the changed records from the record cache, and hands the changes to
whoever subscribed (activity: "Alice updated Local Plan 2026").

One process writes the index: the one running the background jobs. With
``worker.mode`` ``separate`` the web processes open a ``DocumentSearch``: they only read
the shared index (PostgreSQL), and search once its writer has marked it built.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

import httpx

from connectors.documents import (
    ChangeFeed,
    Checkpoint,
    DocumentChange,
    DocumentConnector,
    DocumentIndex,
    DocumentRecord,
    DocumentSource,
    DocumentUnavailable,
    FolderConnector,
    RetryPolicy,
    extract_text,
    is_plain_text,
)
from connectors.resilience import CircuitBreaker

from .cache import RecordCache
from .settings import DocumentSettings
from .tracing import instrument_http_client

log = logging.getLogger("townhall.documents")

Subscriber = Callable[[Sequence[DocumentChange]], Awaitable[None]]


def open_documents(
    s: DocumentSettings, stack: contextlib.AsyncExitStack, *, traced: bool = False
) -> DocumentSource | None:
    """The configured document source (``None`` when none is configured); ``traced``:
    a span per request to the store (``gateway.tracing``)."""
    if s.source == "folder":
        if s.folder is None:
            raise ValueError("documents.folder is needed when documents.source is 'folder'")
        return FolderConnector(s.folder, metadata_file=s.metadata_file)
    if not s.url:
        return None
    token = s.token.get_secret_value()
    client = httpx.AsyncClient(
        base_url=s.url.rstrip("/") + "/",
        auth=(s.username, s.password.get_secret_value()) if s.username and not token else None,
        headers={"Authorization": f"Bearer {token}"} if token else None,
        timeout=s.timeout,
        limits=httpx.Limits(max_connections=s.max_connections),
    )
    stack.push_async_callback(client.aclose)
    if traced:
        instrument_http_client(client, "documents")
    return DocumentConnector(
        client,
        namespace=s.property_namespace,
        retry=RetryPolicy(attempts=s.retries + 1),
        breaker=CircuitBreaker(failure_threshold=s.breaker_failures, reset_after=s.breaker_reset),
        read_acl=s.readers_from != "folders",
    )


class DocumentSearch:
    """Searches the shared index another process writes; ``ready`` once it was built."""

    def __init__(self, index: DocumentIndex) -> None:
        self.index = index
        self.ready = asyncio.Event()

    async def close(self) -> None:
        await self.index.close()

    async def search(self, query: str, *, wait: float = 10.0) -> list[DocumentRecord]:
        """Records matching ``query``; refused while the writer has not built the index."""
        if not self.ready.is_set():
            if not await self.index.built():
                raise DocumentUnavailable("the document index is still being built")
            self.ready.set()
        return await self.index.search(query)


class DocumentSync(DocumentSearch):
    """Keeps the search index and the record cache in step with the store."""

    def __init__(
        self,
        source: DocumentSource,
        index: DocumentIndex,
        cache: RecordCache,
        *,
        text_limit: int,
    ) -> None:
        super().__init__(index)  # ready: set once the first full index is built
        self.source = source
        self._cache = cache
        self._feed = ChangeFeed(source)
        self._text_limit = text_limit
        self._checkpoint: Checkpoint | None = None
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        """Call ``subscriber`` with each batch of changes (after the index is updated)."""
        self._subscribers.append(subscriber)

    async def open(self) -> None:
        await self.index.create()

    async def search(self, query: str, *, wait: float = 10.0) -> list[DocumentRecord]:
        """Records matching ``query``; waits (up to ``wait`` s) for the first index."""
        if not self.ready.is_set():
            try:
                await asyncio.wait_for(self.ready.wait(), wait)
            except TimeoutError as exc:
                raise DocumentUnavailable("the document index is still being built") from exc
        return await self.index.search(query)

    async def poll(self) -> list[DocumentChange]:
        """One turn: the first full index, or the changes since the last turn."""
        if self._checkpoint is None:
            checkpoint, records = await self._feed.checkpoint()
            indexed = await self.index.indexed()
            current = {r.path for r in records}
            await self.index.remove([p for p in indexed if p not in current])
            fresh = [r for r in records if indexed.get(r.path, "\0") != r.etag]
            await self._index(fresh)
            await self.index.mark_built()  # readers in other processes may search now
            await self._cache.delete("document", [r.path for r in fresh])
            await self._cache.delete("document-index", [""])
            self._checkpoint = checkpoint
            self.ready.set()
            log.info("document index ready: %d documents", len(records))
            return []
        changes, self._checkpoint, _ = await self._feed.changes_since(self._checkpoint)
        if not changes:
            return []
        await self._index([c.record for c in changes if c.record is not None])
        await self.index.remove([c.path for c in changes if c.kind == "deleted"])
        await self._cache.delete("document", [c.path for c in changes])
        await self._cache.delete("document-index", [""])
        for subscriber in self._subscribers:
            try:
                await subscriber(changes)
            except Exception:
                log.exception("a document change subscriber failed")
        return changes

    async def _index(self, records: Sequence[DocumentRecord]) -> None:
        limit = asyncio.Semaphore(8)

        async def text_of(record: DocumentRecord) -> tuple[str, str]:
            if not is_plain_text(record):
                return record.path, ""
            async with limit:
                data = await self.source.read(record.path, limit=self._text_limit)
            return record.path, extract_text(record, data or b"")

        for start in range(0, len(records), 200):
            chunk = records[start : start + 200]
            texts = dict(await asyncio.gather(*(text_of(r) for r in chunk)))
            await self.index.upsert(chunk, texts)
