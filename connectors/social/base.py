"""The store's plumbing: engine, transactions, error mapping, and the writes every
feature shares (activity events, notifications, retry keys).

    SocialError
    ├── SocialUnavailable    the database cannot be reached or failed
    └── SocialRefused        a write the store refused (nothing was written)
        ├── ItemNotFound     the item does not exist, or no longer takes this write
        ├── NotAuthor        only the author (or a moderator) may do this
        ├── KeyReused        a retry key already answered a different operation
        ├── RateLimited      the writer's quota is spent for now (``retry_after`` seconds)
        └── TooManyMentions  a comment would notify more people than it may (``limit``)
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, and_, insert, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .changes import ChangeListeners, StoreChanges, begin_changes, changes_of, end_changes
from .tables import (
    activity,
    activity_tag_id,
    comments,
    follows,
    idempotency_keys,
    item_tags,
    notifications,
)


class SocialError(Exception):
    source = "social"


class SocialUnavailable(SocialError):
    """The social database cannot be reached or failed."""


class SocialRefused(SocialError):
    """The store refused a write; nothing was written."""


class ItemNotFound(SocialRefused):
    """No such item (or it is deleted, hidden, or not of the kind asked for)."""


class NotAuthor(SocialRefused):
    """Only the item's author, or a moderator, may change it."""


class KeyReused(SocialRefused):
    """A retry key that already answered a different operation."""


class RateLimited(SocialRefused):
    """The writer has used up a quota; it frees up in ``retry_after`` seconds."""

    def __init__(self, message: str, *, limit: int, retry_after: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.retry_after = retry_after


class TooManyMentions(SocialRefused):
    """A comment would notify more than ``limit`` people over its life."""

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


@dataclass(frozen=True, slots=True)
class Event:
    """What to record in the activity log alongside a write."""

    actor: str
    verb: str
    object_kind: str
    object_id: str
    target_kind: str | None = None
    target_id: str | None = None
    document: str | None = None  # the document the event is about: only its readers see it
    tags: Sequence[str] = ()


IN_LIST = 1000  # keys per IN (...) list: below every backend's limit on bound parameters


def in_chunks(keys: Iterable[str]) -> list[list[str]]:
    """``keys`` (deduplicated, in order) in lists short enough for one ``IN (...)``."""
    listed = list(dict.fromkeys(keys))
    return [listed[i : i + IN_LIST] for i in range(0, len(listed), IN_LIST)]


async def analyze_after_bulk(connection: AsyncConnection, table: Table, rows: int) -> None:
    """After a bulk write (a feed's baseline or resync), refresh PostgreSQL's statistics
    of ``table`` at once: planned on the empty table's, the next batch's ``IN`` lookups
    scan every row per key (33,000 people: 40 s instead of 1 s)."""
    if rows >= IN_LIST and connection.dialect.name == "postgresql":
        await connection.execute(text(f"ANALYZE {table.name}"))


def now() -> datetime:
    return datetime.now(UTC)


def utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def unavailable(exc: BaseException) -> SocialUnavailable:
    return SocialUnavailable(f"the social store failed ({type(exc).__name__})")


class StoreBase:
    """Engine access shared by every part of the store."""

    def __init__(
        self,
        engine: AsyncEngine,
        writer: AsyncEngine | None = None,
        *,
        sync_reader: Engine | None = None,
        read_threads: int = 4,
    ) -> None:
        self._engine = engine  # reads
        self._writer = writer or engine  # write transactions
        # SQLite reads go through a synchronous engine in a few threads of their own:
        # an indexed read costs ~0.35 ms that way against ~1.8 ms through aiosqlite,
        # whose every statement is several hand-offs between the loop and its thread.
        self._sync_reader = sync_reader
        self._read_pool = (
            ThreadPoolExecutor(max_workers=read_threads, thread_name_prefix="social-read")
            if sync_reader is not None
            else None
        )
        self.calls = 0  # statements or transactions sent, for tests and benchmarks
        # Told (follower, kind, target) after a follow or unfollow commits: caches of
        # follower and following counts drop what the change made wrong.
        self.follow_listeners: list[Callable[[str, str, str], Awaitable[None]]] = []
        # Told what each committed write changed (comments, notifications, events,
        # documents): the gateway publishes it to live subscribers (``changes``).
        self.change_listeners = ChangeListeners()

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def _begin(self) -> Any:
        self.calls += 1
        return _Guard(self._writer, self.change_listeners)

    async def _rows(self, query: Any, params: dict[str, Any] | None = None) -> list[Any]:
        """The rows of a read. ``params``: the values of a statement built once with
        ``bindparam`` (a read every request makes need not be rebuilt each time)."""
        self.calls += 1
        try:
            if self._read_pool is not None:
                loop = asyncio.get_running_loop()
                # The caller's context goes with the read (its trace span, for one).
                read = functools.partial(
                    contextvars.copy_context().run, self._read_sync, query, params
                )
                return await loop.run_in_executor(self._read_pool, read)
            async with self._engine.connect() as connection:
                return list((await connection.execute(query, params)).all())
        except SQLAlchemyError as exc:
            raise unavailable(exc) from exc

    def _read_sync(self, query: Any, params: dict[str, Any] | None = None) -> list[Any]:
        assert self._sync_reader is not None
        with self._sync_reader.connect() as connection:
            return list(connection.execute(query, params).all())

    def _close_readers(self) -> None:
        if self._read_pool is not None:
            self._read_pool.shutdown(wait=True)
        if self._sync_reader is not None:
            self._sync_reader.dispose()

    # -- shared writes, always inside the caller's transaction ---------------------------

    async def _insert_ignore(
        self, connection: AsyncConnection, table: Table, rows: dict[str, Any] | list[Any]
    ) -> int:
        """INSERT ... ON CONFLICT DO NOTHING; how many rows went in.

        A plain INSERT that fails on a unique key would abort a PostgreSQL
        transaction, so conflicts are settled by the database, in place.
        """
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(table).on_conflict_do_nothing()
        result = await connection.execute(statement, rows)
        return int(result.rowcount or 0)

    async def _replayed(
        self, connection: AsyncConnection, actor: str, key: str | None, operation: str
    ) -> str | None:
        """The ref a retry key already answered with, or ``None`` for a first attempt."""
        if key is None:
            return None
        row = (
            await connection.execute(
                select(idempotency_keys.c.operation, idempotency_keys.c.ref).where(
                    idempotency_keys.c.actor == actor, idempotency_keys.c.key == key
                )
            )
        ).first()
        if row is None:
            return None
        if row.operation != operation:
            raise KeyReused(f"the retry key was used for {row.operation}")
        return str(row.ref)

    async def _remember(
        self, connection: AsyncConnection, actor: str, key: str | None, operation: str, ref: str
    ) -> None:
        """Store a retry key with the write (a concurrent retry fails on the primary key)."""
        if key is not None:
            await connection.execute(
                insert(idempotency_keys).values(
                    actor=actor, key=key, operation=operation, ref=ref, created_at=now()
                )
            )

    async def _retry_ref(self, actor: str, key: str, operation: str) -> str | None:
        """After a unique-key race: the ref the winning attempt stored, if it was a retry."""
        async with self._begin() as connection:
            return await self._replayed(connection, actor, key, operation)

    async def _record(
        self, connection: AsyncConnection, event: Event, at: datetime | None = None
    ) -> int:
        """Write an activity event (and its tags); its id.

        Every event stores the document it is about, whatever its verb: given by the
        caller, else found from its object or target (``event_document``), so an event
        written without one (an undoing, a deletion) is never shown to everyone."""
        document = event.document or await event_document(
            connection, (event.object_kind, event.object_id), (event.target_kind, event.target_id)
        )
        result = await connection.execute(
            insert(activity)
            .values(
                actor=event.actor,
                verb=event.verb,
                object_kind=event.object_kind,
                object_id=event.object_id,
                target_kind=event.target_kind,
                target_id=event.target_id,
                audience="document" if document else "staff",
                document=document,
                created_at=at or now(),
            )
            .returning(activity.c.id)
        )
        event_id = int(result.scalar_one())
        changes_of(connection).events.append(event_id)
        if event.tags:
            await connection.execute(
                insert(item_tags),
                [
                    {"item_kind": "activity", "item_id": activity_tag_id(event_id), "tag": t}
                    for t in dict.fromkeys(event.tags)
                ],
            )
        return event_id

    async def _notify(
        self,
        connection: AsyncConnection,
        recipients: Iterable[str],
        kind: str,
        *,
        event_id: int | None,
        actor: str | None,
        document: str | None,
        report_id: str | None = None,
    ) -> set[str]:
        """One notification per recipient (never the actor themself); who was notified."""
        chosen = {r for r in recipients if r and r != actor}
        if chosen:
            at = now()
            written = await connection.execute(
                insert(notifications).returning(notifications.c.id, notifications.c.recipient),
                [
                    {
                        "recipient": r,
                        "kind": kind,
                        "activity_id": event_id,
                        "report_id": report_id,
                        "actor": actor,
                        "document": document,
                        "created_at": at,
                    }
                    for r in sorted(chosen)
                ],
            )
            changes_of(connection).notifications.extend((int(i), r) for i, r in written)
        return chosen

    async def _notify_each(
        self,
        connection: AsyncConnection,
        kinds: Sequence[tuple[str, Iterable[str]]],
        *,
        event_id: int,
        actor: str,
        document: str | None,
    ) -> None:
        """One notification per recipient, of the first kind that names them; one INSERT."""
        chosen: dict[str, str] = {}
        for kind, recipients in kinds:
            for recipient in recipients:
                if recipient and recipient != actor:
                    chosen.setdefault(recipient, kind)
        if chosen:
            at = now()
            written = await connection.execute(
                insert(notifications).returning(notifications.c.id, notifications.c.recipient),
                [
                    {"recipient": r, "kind": k, "activity_id": event_id, "report_id": None,
                     "actor": actor, "document": document, "created_at": at}
                    for r, k in sorted(chosen.items())
                ],
            )  # fmt: skip
            changes_of(connection).notifications.extend((int(i), r) for i, r in written)

    async def _followers_to_notify(
        self, connection: AsyncConnection, targets: Iterable[tuple[str, str]]
    ) -> set[str]:
        """Followers who asked to be notified about any of ``(kind, target)``."""
        pairs = list(targets)
        if not pairs:
            return set()
        rows = await connection.execute(
            select(follows.c.follower).where(
                or_(*(and_(follows.c.target_kind == k, follows.c.target == t) for k, t in pairs)),
                follows.c.notify.is_(True),
            )
        )
        return {r[0] for r in rows}


async def event_document(
    connection: AsyncConnection, *items: tuple[str | None, str | None]
) -> str | None:
    """The document the first of ``items`` (kind, key) that is about one is about: a
    document itself, or the document a comment or activity item lives under."""
    for kind, key in items:
        if not key:
            continue
        if kind == "document":
            return key
        if kind == "comment":
            query = select(comments.c.document).where(comments.c.id == key)
        elif kind == "activity" and key.isdigit():
            query = select(activity.c.document).where(activity.c.id == int(key))
        else:
            continue
        found = await connection.scalar(query)
        if found:
            return str(found)
    return None


class _Guard:
    """``engine.begin()`` mapping driver failures to ``SocialUnavailable``, and telling
    ``listeners`` what the transaction changed once it has committed.

    Integrity errors pass through for the caller to settle (a lost race on a
    unique key is an answer, not an outage); refusals pass through untouched.
    """

    def __init__(self, engine: AsyncEngine, listeners: ChangeListeners | None = None) -> None:
        self._context = engine.begin()
        self._listeners = listeners
        self._connection: AsyncConnection | None = None
        self._changes = StoreChanges()

    async def __aenter__(self) -> AsyncConnection:
        try:
            connection: AsyncConnection = await self._context.__aenter__()
        except SQLAlchemyError as exc:
            raise unavailable(exc) from exc
        self._connection = connection
        self._changes = begin_changes(connection)
        return connection

    async def __aexit__(self, *exc_info: Any) -> bool:
        error = exc_info[1]
        if self._connection is not None:
            with contextlib.suppress(Exception):  # a broken connection: nothing to tell
                end_changes(self._connection)
        try:
            await self._context.__aexit__(*exc_info)
        except IntegrityError:
            raise
        except SQLAlchemyError as exc:
            raise unavailable(exc) from exc
        if isinstance(error, SQLAlchemyError) and not isinstance(error, IntegrityError):
            raise unavailable(error) from error
        if error is None and self._listeners and self._changes:
            await self._listeners.tell(self._changes)  # committed: a failure never undoes it
        return False
