"""The document store in the running gateway: which source, and keeping up with it.

``open_documents`` builds the source the settings name (WebDAV or a mounted
folder) with its auth, timeouts, retries and circuit breaker. ``DocumentSync``
follows the store's change feed in the background: it builds Townhall's own
search index at start-up, then every ``sync_interval`` seconds re-indexes what
changed, drops the changed records from the record cache, and hands the
changes to whoever subscribed (activity: "Alice updated Local Plan 2026").
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
    DocumentError,
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
from .metrics import observe_feed_round
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


class DocumentSync:
    """Keeps the search index and the record cache in step with the store."""

    def __init__(
        self,
        source: DocumentSource,
        index: DocumentIndex,
        cache: RecordCache,
        *,
        interval: float,
        text_limit: int,
    ) -> None:
        self.source = source
        self.index = index
        self._cache = cache
        self._feed = ChangeFeed(source)
        self._interval = interval
        self._text_limit = text_limit
        self._checkpoint: Checkpoint | None = None
        self._subscribers: list[Subscriber] = []
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()  # set once the first full index is built

    def subscribe(self, subscriber: Subscriber) -> None:
        """Call ``subscriber`` with each batch of changes (after the index is updated)."""
        self._subscribers.append(subscriber)

    async def start(self) -> None:
        await self.index.create()
        self._task = asyncio.create_task(self._run(), name="townhall-document-sync")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.index.close()

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

    async def _run(self) -> None:
        while True:
            try:
                await self.poll()
            except DocumentError as exc:
                log.warning("document sync failed (%s); trying again later", type(exc).__name__)
            except Exception:
                log.exception("document sync failed unexpectedly")
            else:
                observe_feed_round("document-sync")
            await asyncio.sleep(self._interval if self.ready.is_set() else min(5.0, self._interval))
