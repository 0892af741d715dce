"""Townhall's own store: follows and comments, in SQLite (embedded) or PostgreSQL.

The only store Townhall writes to. Every write is one transaction; schema
changes go through the Alembic migrations beside this module, applied by
``SocialStore.migrate()`` at start-up.

    SocialError
    └── SocialUnavailable   the database cannot be reached or failed
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import and_, delete, event, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .tables import TARGET_KINDS, comments, follows

_MIGRATIONS = Path(__file__).with_name("migrations")


class SocialError(Exception):
    source = "social"


class SocialUnavailable(SocialError):
    """The social database cannot be reached or failed."""


@dataclass(frozen=True, slots=True)
class Follow:
    id: int
    follower: str
    target_kind: str
    target: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Comment:
    id: str
    author: str
    target_kind: str
    target: str
    parent_id: str | None
    body: str
    created_at: datetime


class SocialStore:
    """Reads and writes of the social graph."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.calls = 0  # statements sent, for tests and benchmarks

    @classmethod
    def open(cls, url: str) -> SocialStore:
        if url.startswith("sqlite"):
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, pool_pre_ping=not url.startswith("sqlite"))
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return cls(engine)

    async def close(self) -> None:
        await self._engine.dispose()

    async def migrate(self) -> None:
        """Bring the schema up to the newest migration."""

        def upgrade(connection: Connection) -> None:
            config = Config()
            config.set_main_option("script_location", str(_MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

        async with self._engine.begin() as connection:
            await connection.run_sync(upgrade)

    # -- follows ------------------------------------------------------------------------

    async def follow(self, follower: str, kind: str, target: str) -> bool:
        """Make ``follower`` follow the target; ``False`` if it already did."""
        _check_kind(kind)
        try:
            async with self._begin() as connection:
                await connection.execute(
                    insert(follows).values(
                        follower=follower,
                        target_kind=kind,
                        target=target,
                        notify=True,
                        created_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:
            return False
        return True

    async def unfollow(self, follower: str, kind: str, target: str) -> bool:
        """Stop following; ``False`` if there was nothing to stop."""
        _check_kind(kind)
        async with self._begin() as connection:
            result = await connection.execute(
                delete(follows).where(
                    follows.c.follower == follower,
                    follows.c.target_kind == kind,
                    follows.c.target == target,
                )
            )
        return bool(result.rowcount)

    async def follower_counts(self, kind: str, targets: Sequence[str]) -> list[int]:
        """How many follow each target, in order."""
        query = (
            select(follows.c.target, func.count())
            .where(follows.c.target_kind == kind, follows.c.target.in_(set(targets)))
            .group_by(follows.c.target)
        )
        counts = {row[0]: row[1] for row in await self._rows(query)}
        return [int(counts.get(t, 0)) for t in targets]

    async def following_counts(self, kind: str, followers: Sequence[str]) -> list[int]:
        """How many targets of ``kind`` each follower follows, in order."""
        query = (
            select(follows.c.follower, func.count())
            .where(follows.c.target_kind == kind, follows.c.follower.in_(set(followers)))
            .group_by(follows.c.follower)
        )
        counts = {row[0]: row[1] for row in await self._rows(query)}
        return [int(counts.get(f, 0)) for f in followers]

    async def followers(
        self, kind: str, target: str, *, first: int, after: int | None = None
    ) -> list[Follow]:
        """Who follows the target, newest first, keyset-paged by follow id."""
        condition = and_(follows.c.target_kind == kind, follows.c.target == target)
        if after is not None:
            condition = and_(condition, follows.c.id < after)
        query = select(follows).where(condition).order_by(follows.c.id.desc()).limit(first)
        return [Follow(*_follow_row(r)) for r in await self._rows(query)]

    async def following(
        self, follower: str, kind: str, *, first: int, after: int | None = None
    ) -> list[Follow]:
        """What ``follower`` follows of ``kind``, newest first, keyset-paged by follow id."""
        condition = and_(follows.c.follower == follower, follows.c.target_kind == kind)
        if after is not None:
            condition = and_(condition, follows.c.id < after)
        query = select(follows).where(condition).order_by(follows.c.id.desc()).limit(first)
        return [Follow(*_follow_row(r)) for r in await self._rows(query)]

    async def followed_by(self, viewer: str, kind: str, targets: Sequence[str]) -> set[str]:
        """Which of ``targets`` the viewer follows."""
        query = select(follows.c.target).where(
            follows.c.follower == viewer,
            follows.c.target_kind == kind,
            follows.c.target.in_(set(targets)),
        )
        return {row[0] for row in await self._rows(query)}

    # -- comments -----------------------------------------------------------------------

    async def comment_counts(self, kind: str, targets: Sequence[str]) -> list[int]:
        query = (
            select(comments.c.target, func.count())
            .where(
                comments.c.target_kind == kind,
                comments.c.target.in_(set(targets)),
                comments.c.deleted_at.is_(None),
            )
            .group_by(comments.c.target)
        )
        counts = {row[0]: row[1] for row in await self._rows(query)}
        return [int(counts.get(t, 0)) for t in targets]

    async def comments_on(self, kind: str, target: str, *, limit: int) -> list[Comment]:
        """A target's comments, oldest first (a thread reads top to bottom)."""
        query = (
            select(comments)
            .where(comments.c.target_kind == kind, comments.c.target == target)
            .where(comments.c.deleted_at.is_(None))
            .order_by(comments.c.created_at, comments.c.id)
            .limit(limit)
        )
        return [
            Comment(
                r.id, r.author, r.target_kind, r.target, r.parent_id, r.body, _utc(r.created_at)
            )
            for r in await self._rows(query)
        ]

    # -- seeding ------------------------------------------------------------------------

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
                {
                    "follower": f["follower"],
                    "target_kind": "person",
                    "target": f["followee"],
                    "notify": True,
                    "created_at": _parse(f["created"]),
                }
                for f in data.get("follows", [])
            ] + [
                {
                    "follower": f["follower"],
                    "target_kind": "document",
                    "target": f["path"],
                    "notify": True,
                    "created_at": _parse(f["created"]),
                }
                for f in data.get("documentFollows", [])
            ]
            if rows:
                await connection.execute(insert(follows), rows)
            comment_rows = [
                {
                    "id": c["id"],
                    "author": c["author"],
                    "target_kind": "document",
                    "target": c["path"],
                    "parent_id": c.get("parent"),
                    "body": c["body"],
                    "created_at": _parse(c["created"]),
                }
                for c in data.get("comments", [])
            ]
            if comment_rows:
                await connection.execute(insert(comments), comment_rows)
        return True

    # -- plumbing -----------------------------------------------------------------------

    def _begin(self) -> Any:
        self.calls += 1
        return _Guard(self._engine)

    async def _rows(self, query: Any) -> list[Any]:
        self.calls += 1
        try:
            async with self._engine.connect() as connection:
                return list((await connection.execute(query)).all())
        except SQLAlchemyError as exc:
            raise SocialUnavailable(f"the social store failed ({type(exc).__name__})") from exc


class _Guard:
    """``engine.begin()`` that maps driver failures (but not integrity errors) to ours."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._context = engine.begin()

    async def __aenter__(self) -> Any:
        try:
            return await self._context.__aenter__()
        except SQLAlchemyError as exc:
            raise SocialUnavailable(f"the social store failed ({type(exc).__name__})") from exc

    async def __aexit__(self, *exc_info: Any) -> Any:
        error = exc_info[1]
        try:
            await self._context.__aexit__(*exc_info)
        except IntegrityError:
            raise
        except SQLAlchemyError as exc:
            raise SocialUnavailable(f"the social store failed ({type(exc).__name__})") from exc
        if isinstance(error, SQLAlchemyError) and not isinstance(error, IntegrityError):
            raise SocialUnavailable(f"the social store failed ({type(error).__name__})") from error
        return False


def _check_kind(kind: str) -> None:
    if kind not in TARGET_KINDS:
        raise ValueError(f"unknown target kind {kind!r}")


def _follow_row(row: Any) -> tuple[int, str, str, str, datetime]:
    return (row.id, row.follower, row.target_kind, row.target, _utc(row.created_at))


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _parse(value: str) -> datetime:
    return _utc(datetime.fromisoformat(value.replace("Z", "+00:00")))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
