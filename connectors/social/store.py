"""Townhall's own store: the social layer in SQLite (embedded) or PostgreSQL.

The only store Townhall writes to. Every write is one transaction that also
records its activity event and notifications; schema changes go through the
Alembic migrations beside this module, applied by ``SocialStore.migrate()``.
The error tree is drawn in ``base``.

On SQLite, write transactions start with ``BEGIN IMMEDIATE`` on a one-connection
writer engine: concurrent writers queue for it instead of failing when a read
lock cannot be upgraded, and reads (on their own engine) never wait for writes.
"""

from __future__ import annotations

import asyncio
import functools
import json
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, func, insert, make_url, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .activity import ActivityMixin
from .audit import AuditLog
from .base import unavailable, utc
from .comment_links import CommentLinksMixin
from .comments import CommentsMixin
from .follows import FollowsMixin
from .hr_feed import HRFeedMixin
from .moderation import ModerationMixin
from .people import PeopleFeedMixin
from .profiles import ProfilesMixin
from .reactions import ReactionsMixin
from .tables import activity, comments, follows

_MIGRATIONS = Path(__file__).with_name("migrations")


class SocialStore(
    FollowsMixin,
    CommentsMixin,
    CommentLinksMixin,
    ReactionsMixin,
    ActivityMixin,
    ProfilesMixin,
    ModerationMixin,
    PeopleFeedMixin,
    HRFeedMixin,
):
    """Reads and writes of the social layer."""

    @classmethod
    def open(cls, url: str, *, pool_size: int = 10) -> SocialStore:
        if not url.startswith("sqlite"):
            return cls(create_async_engine(url, pool_pre_ping=True, pool_size=pool_size))
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        reader = create_async_engine(url)
        writer = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60)
        sync_reader = create_engine(make_url(url).set(drivername="sqlite"), pool_size=4)
        for engine in (reader.sync_engine, sync_reader):
            event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(writer.sync_engine, "connect", _sqlite_writer)
        event.listen(writer.sync_engine, "begin", _begin_immediate)
        return cls(reader, writer, sync_reader=sync_reader, read_threads=4)

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    def sync_engines(self) -> list[Engine]:
        """Every engine statements run on (for tracing): readers and the writer."""
        engines = [self._engine.sync_engine]
        if self._writer is not self._engine:
            engines.append(self._writer.sync_engine)
        if self._sync_reader is not None:
            engines.append(self._sync_reader)
        return engines

    @functools.cached_property
    def audit(self) -> AuditLog:
        """The append-only, hash-chained audit trail of restricted reads (``audit``)."""
        return AuditLog(self)

    async def close(self) -> None:
        await asyncio.to_thread(self._close_readers)
        await self._engine.dispose()
        if self._writer is not self._engine:
            await self._writer.dispose()

    async def ping(self) -> None:
        """``SELECT 1`` on a read connection: the database answers. Not counted in
        :attr:`calls`."""
        try:
            async with self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise unavailable(exc) from exc

    async def migrate(self) -> None:
        """Bring the schema up to the newest migration."""

        def upgrade(connection: Connection) -> None:
            config = Config()
            config.set_main_option("script_location", str(_MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

        async with self._writer.begin() as connection:
            await connection.run_sync(upgrade)

    async def seed(self, file: Path) -> bool:
        """Load a seed file into an empty store; ``False`` if the store had data."""
        data: dict[str, Any] = json.loads(await asyncio.to_thread(file.read_text, encoding="utf-8"))
        async with self._begin() as connection:
            existing = (
                await connection.execute(select(func.count()).select_from(follows))
            ).scalar()
            if existing:
                return False
            rows = [
                {"follower": f["follower"], "target_kind": "person", "target": f["followee"],
                 "notify": True, "created_at": _parse(f["created"])}
                for f in data.get("follows", [])
            ] + [
                {"follower": f["follower"], "target_kind": "document", "target": f["path"],
                 "notify": True, "created_at": _parse(f["created"])}
                for f in data.get("documentFollows", [])
            ]  # fmt: skip
            if rows:
                await connection.execute(insert(follows), rows)
            comment_rows = [
                {"id": c["id"], "author": c["author"], "target_kind": "document",
                 "target": c["path"], "document": c["path"], "parent_id": c.get("parent"),
                 "body": c["body"], "created_at": _parse(c["created"])}
                for c in data.get("comments", [])
            ]  # fmt: skip
            if comment_rows:
                await connection.execute(insert(comments), comment_rows)
                # Their activity, oldest first: feeds read events in id order.
                await connection.execute(
                    insert(activity),
                    [
                        {"actor": c["author"], "verb": "replied" if c["parent_id"] else "commented",
                         "object_kind": "comment", "object_id": c["id"],
                         "target_kind": "document", "target_id": c["target"],
                         "audience": "document", "document": c["document"],
                         "created_at": c["created_at"]}
                        for c in sorted(comment_rows, key=lambda c: (c["created_at"], c["id"]))
                    ],
                )  # fmt: skip
        return True


def _parse(value: str) -> Any:
    from datetime import datetime

    return utc(datetime.fromisoformat(value.replace("Z", "+00:00")))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_writer(dbapi_connection: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_connection, record)
    # The driver would BEGIN (deferred) by itself; ``_begin_immediate`` does it instead.
    dbapi_connection.isolation_level = None


def _begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
