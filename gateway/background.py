"""The background jobs: change feeds, the document index, activity, retention and digests.

``background_jobs`` starts every job the settings ask for on a process's open connectors
and stops them all on exit (each task cancelled and waited for, so no transaction of a
job outlives it):

- document sync: the search index, document records dropped from the cache, and
  "Alice updated Local Plan 2026" activity (``documents.sync_interval``);
- HR changes dropped from the cache, and HR moves as activity (``hr.sync_interval``);
- the directory's change feed: cached people dropped (``directory.sync_interval``) and
  joiners, movers and leavers as activity (``social.directory_activity_interval``, LDAP
  only);
- the daily retention run (``retention.check_interval``);
- email digest rounds (``digests.enabled``).

With ``worker.mode`` ``embedded`` the web process runs them (``gateway.app``); with
``separate`` only the active ``townhall worker`` does (``gateway.worker``). Directory
warm-up is not a job: it fills the web process's own cache.

Every polling job is a ``Poller``: one round every ``interval`` seconds in a task of its
own, a failed round logged (expected upstream errors at WARNING without a traceback) and
tried again next time, and a feed's completed round stamped for its lag metric.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from connectors.directory import DirectoryConnector, DirectoryError
from connectors.documents import DocumentChange, DocumentError, DocumentIndex
from connectors.hr import HRChanges, HRChangeWatcher, HRError
from connectors.social import PersonState, SocialStore

from .data_protection import SubjectAccess
from .digests.scheduler import digest_rounds
from .digests.unsubscribe import UnsubscribeSigner
from .directory_sync import DirectorySync
from .documents import DocumentSync
from .hr_activity import hr_activity_round
from .loaders import Upstreams, hr_cache_keys
from .metrics import observe_feed_round, observe_worker_active
from .retention import FIRST_CHECK, run_if_due
from .settings import Settings

log = logging.getLogger("townhall.background")


class Poller:
    """Runs ``round`` every ``interval`` seconds (a callable: asked before each wait) in
    a task, the first after ``first`` seconds; ``feed`` names the change feed whose
    completed rounds are stamped (``townhall_feed_last_success_timestamp_seconds``).
    Errors of the ``expected`` classes are logged at WARNING by class only."""

    def __init__(
        self,
        name: str,
        round: Callable[[], Awaitable[object]],
        *,
        interval: float | Callable[[], float],
        first: float = 0.0,
        feed: str | None = None,
        expected: tuple[type[Exception], ...] = (),
    ) -> None:
        self.name = name
        self.rounds = 0  # completed, for tests
        self._round = round
        self._interval = interval
        self._first = first
        self._feed = feed
        self._expected = expected
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"townhall-{self.name}")

    async def stop(self) -> None:
        """Cancel the task and wait for it: a round in flight is abandoned (its
        transaction rolls back) before this returns."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _wait(self) -> float:
        return self._interval() if callable(self._interval) else self._interval

    async def _run(self) -> None:
        if self._first > 0:
            await asyncio.sleep(self._first)
        while True:
            try:
                await self._round()
            except self._expected as exc:
                log.warning("%s failed (%s); trying again later", self.name, type(exc).__name__)
            except Exception:
                log.exception("%s failed unexpectedly; trying again later", self.name)
            else:
                self.rounds += 1
                if self._feed is not None:
                    observe_feed_round(self._feed)
            await asyncio.sleep(self._wait())


@dataclass(slots=True)
class Jobs:
    """The running jobs of one process (``background_jobs``)."""

    pollers: list[Poller] = field(default_factory=list)
    document_sync: DocumentSync | None = None
    directory_sync: DirectorySync | None = None
    hr_watcher: HRChangeWatcher | None = None

    def poller(self, name: str) -> Poller | None:
        return next((p for p in self.pollers if p.name == name), None)


@contextlib.asynccontextmanager
async def background_jobs(
    settings: Settings, upstreams: Upstreams, unsubscribe: UnsubscribeSigner
) -> AsyncIterator[Jobs]:
    """Run every background job the settings ask for while the context is open."""
    jobs = Jobs()
    async with contextlib.AsyncExitStack() as stack:
        observe_worker_active(True)
        stack.callback(observe_worker_active, False)
        if upstreams.documents is not None:
            s = settings.documents
            sync = DocumentSync(
                upstreams.documents,
                DocumentIndex.open(s.search_database_url),
                upstreams.cache,
                text_limit=s.text_limit,
            )
            sync.subscribe(document_activity(upstreams))
            await sync.open()
            stack.push_async_callback(sync.close)  # after its poller has stopped
            jobs.document_sync = sync
            # Until the first index is built, retried sooner than the interval.
            first_index = min(5.0, s.sync_interval)
            jobs.pollers.append(
                Poller(
                    "document sync",
                    sync.poll,
                    interval=lambda: s.sync_interval if sync.ready.is_set() else first_index,
                    feed="document-sync",
                    expected=(DocumentError,),
                )
            )
        hr, interval = upstreams.hr, settings.hr.sync_interval
        if hr is not None and interval > 0:
            jobs.hr_watcher = watcher = HRChangeWatcher(
                hr.background(),  # its requests are not counted as the clients'
                forget_hr_changes(upstreams, settings.hr.join),
                interval=interval,
            )
            jobs.pollers.append(
                Poller("HR change feed", watcher.poll, interval=interval, expected=(HRError,))
            )
            source, join = hr.background(), settings.hr.join

            async def hr_activity() -> None:
                await hr_activity_round(source, upstreams.directory, upstreams.social, join=join)

            # The first read waits one interval: start-up is when HR is asked the most,
            # and the checkpoint is in the store, so nothing is lost by waiting.
            jobs.pollers.append(
                Poller(
                    "HR activity feed",
                    hr_activity,
                    interval=interval,
                    first=interval,
                    feed="hr-activity",
                    expected=(HRError, DirectoryError),
                )
            )
        interval = settings.social.directory_activity_interval
        if settings.directory.mode == "ldap" and interval > 0:

            async def directory_activity() -> None:
                await directory_activity_round(upstreams.directory, upstreams.social)

            jobs.pollers.append(
                Poller(
                    "directory activity feed",
                    directory_activity,
                    interval=interval,
                    feed="directory-activity",
                    expected=(DirectoryError,),
                )
            )
        if settings.directory.sync_interval > 0:
            jobs.directory_sync = directory_sync = DirectorySync(
                upstreams.directory, upstreams.cache
            )
            jobs.pollers.append(
                Poller(
                    "directory change feed",
                    directory_sync.poll,
                    interval=settings.directory.sync_interval,
                    feed="directory-sync",
                    expected=(DirectoryError,),
                )
            )
        interval = settings.retention.check_interval
        if interval > 0:
            access = SubjectAccess(settings, upstreams)

            async def retention() -> None:
                await run_if_due(access)  # a failed run gave its claim back: tried again

            jobs.pollers.append(
                Poller(
                    "retention run", retention, interval=interval, first=min(interval, FIRST_CHECK)
                )
            )
        for poller in jobs.pollers:
            poller.start()
            stack.push_async_callback(poller.stop)
        await stack.enter_async_context(digest_rounds(settings, upstreams, unsubscribe))
        yield jobs


def forget_hr_changes(up: Upstreams, join: str) -> Callable[[HRChanges], Awaitable[None]]:
    """Drop the HR records that changed from the cache."""

    async def forget(changes: HRChanges) -> None:
        records = [*changes.records, *changes.removed]
        await up.cache.delete("hr", sorted(hr_cache_keys(records, join)))

    return forget


async def directory_activity_round(
    directory: DirectoryConnector, social: SocialStore
) -> list[int] | None:
    """One read of the directory's change feed into activity (joined, moved, left),
    from the checkpoint kept in the social store, so no joiner is missed across
    restarts; the events written (``None``: another worker applied the batch)."""
    since = await social.checkpoint("directory")
    changes = await directory.changes_since(since)
    now = datetime.now(UTC)
    states = [
        PersonState(p.guid, p.department, p.title, p.manager_dn, not p.is_leaver(now))
        for p in changes.people
    ] + [PersonState(g, None, None, None, False) for g in changes.removed]
    return await social.observe_people(
        states, source="directory", since=since, checkpoint=changes.checkpoint
    )


def document_activity(up: Upstreams) -> Callable[[Sequence[DocumentChange]], Awaitable[None]]:
    """A document-sync subscriber turning store changes into activity ("Alice updated
    Local Plan 2026") and notifications for the document's followers who asked."""

    async def record(changes: Sequence[DocumentChange]) -> None:
        live = [c for c in changes if c.kind != "deleted" and c.actor]
        upns = sorted({(c.actor or "").casefold() for c in live})
        people = await up.directory.people_by("upn", upns) if upns else []
        guids = {u: p.guid for u, p in zip(upns, people, strict=True) if p is not None}
        rows = [
            (c.path, guids[(c.actor or "").casefold()], c.kind, c.at)
            for c in live
            if (c.actor or "").casefold() in guids
        ]
        if rows:
            await up.social.record_document_changes(rows)

    return record
