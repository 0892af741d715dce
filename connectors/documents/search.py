"""Townhall's own search index of the document store.

Stores such as wsgidav answer DASL ``SEARCH`` with 405, so Townhall indexes
names, paths, titles, authors, editors, tags and the text of plain-text
formats itself, and keeps the index current from the change feed.

Two backends behind one class, chosen by the database URL:

* SQLite FTS5 (``sqlite+aiosqlite://...``; an empty URL is an in-memory
  database rebuilt at start-up) — the default;
* PostgreSQL full-text search (``postgresql+asyncpg://...``): a ``tsvector``
  column with a GIN index, weighted title > tags/people > path > body.

One process writes an index, any number read it (with ``worker.mode`` ``separate``, the
worker writes and every web instance reads the PostgreSQL index). The writer marks the
index built once its first full pass is in (``mark_built``); readers search only after
that (``built``), so they never answer from a half-filled index. Creating the tables is
serialised on PostgreSQL by a transaction-scoped advisory lock, so writers starting at
once (several instances in ``embedded`` mode) do not trip over each other's
``CREATE ... IF NOT EXISTS``.

Both use the same tokenising (``simple``/``unicode61``: no stemming, case and
accents folded) and the same query language: every word must match, as a
prefix. Each row keeps the record it was indexed from, so a search answers
with records and costs the store nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from .errors import DocumentIndexError
from .records import DocumentRecord

MAX_TERMS = 12
_WORD = re.compile(r"\w+", re.UNICODE)

_SQLITE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS document_records "
    "(path TEXT PRIMARY KEY, etag TEXT, record TEXT NOT NULL)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS document_fts USING fts5("
    "path UNINDEXED, title, tags, people, place, body, "
    "tokenize = 'unicode61 remove_diacritics 2')",
)
_STATE = (
    "CREATE TABLE IF NOT EXISTS document_index_state "
    "(name TEXT PRIMARY KEY, built_at TEXT NOT NULL)"
)
# pg_advisory_xact_lock's key for creating the tables (any fixed 64-bit number).
_CREATE_LOCK = 0x746F776E_68616C6C
_POSTGRES_SCHEMA = (
    f"SELECT pg_advisory_xact_lock({_CREATE_LOCK})",
    "CREATE TABLE IF NOT EXISTS document_search ("
    "path TEXT PRIMARY KEY, etag TEXT, record TEXT NOT NULL, "
    "title TEXT NOT NULL, tags TEXT NOT NULL, people TEXT NOT NULL, place TEXT NOT NULL, "
    "body TEXT NOT NULL, "
    "terms tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', title), 'A') || "
    "setweight(to_tsvector('simple', tags || ' ' || people), 'B') || "
    "setweight(to_tsvector('simple', place), 'C') || "
    "setweight(to_tsvector('simple', body), 'D')) STORED)",
    "CREATE INDEX IF NOT EXISTS document_search_terms ON document_search USING gin (terms)",
)


def words(value: str) -> str:
    """Lower-case words without accents: the same tokens for SQLite and PostgreSQL."""
    folded = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(_WORD.findall(plain.replace("_", " ")))


def query_terms(query: str) -> list[str]:
    return words(query).split()[:MAX_TERMS]


class DocumentIndex:
    """A full-text index of document records (SQLite FTS5 or PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.dialect = engine.dialect.name
        if self.dialect not in {"sqlite", "postgresql"}:
            raise ValueError(f"no document search for the {self.dialect} dialect")

    @classmethod
    def open(cls, url: str = "") -> DocumentIndex:
        """An index at ``url`` (empty: a private in-memory SQLite database)."""
        if not url:
            # One connection for the life of the engine: an in-memory database
            # exists only as long as its connection.
            engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
        else:
            engine = create_async_engine(url, pool_pre_ping=True)
        return cls(engine)

    async def close(self) -> None:
        await self._engine.dispose()

    async def create(self) -> None:
        statements = _SQLITE_SCHEMA if self.dialect == "sqlite" else _POSTGRES_SCHEMA
        await self._run([*statements, _STATE])

    async def mark_built(self) -> None:
        """Record that a full pass is in: readers may search from now on."""
        await self._run(
            [
                "INSERT INTO document_index_state (name, built_at) VALUES ('index', :at) "
                "ON CONFLICT (name) DO UPDATE SET built_at = excluded.built_at"
            ],
            {"at": datetime.now(UTC).isoformat()},
        )

    async def built(self) -> bool:
        """Whether a writer has built the index (``False`` before its tables exist)."""
        exists = (
            "SELECT count(*) FROM sqlite_master WHERE name = 'document_index_state'"
            if self.dialect == "sqlite"
            else "SELECT count(*) FROM pg_class WHERE oid = to_regclass('document_index_state')"
        )
        try:
            async with self._engine.connect() as conn:
                if not (await conn.execute(text(exists))).scalar():
                    return False
                found = await conn.execute(
                    text("SELECT count(*) FROM document_index_state WHERE name = 'index'")
                )
                return bool(found.scalar())
        except SQLAlchemyError as exc:
            raise DocumentIndexError("the document index cannot be read") from exc

    async def indexed(self) -> dict[str, str | None]:
        """Every indexed path with the ETag it was indexed at."""
        table = "document_records" if self.dialect == "sqlite" else "document_search"
        try:
            async with self._engine.connect() as conn:
                rows = await conn.execute(text(f"SELECT path, etag FROM {table}"))
                return {row.path: row.etag for row in rows}
        except SQLAlchemyError as exc:
            raise DocumentIndexError("the document index cannot be read") from exc

    async def upsert(
        self, records: Sequence[DocumentRecord], texts: dict[str, str] | None = None
    ) -> None:
        """Index (or re-index) ``records``; ``texts`` holds extracted text by path."""
        if not records:
            return
        texts = texts or {}
        rows = [_row(r, texts.get(r.path, "")) for r in records]
        paths = [{"path": r.path} for r in records]
        try:
            async with self._engine.begin() as conn:
                if self.dialect == "sqlite":
                    await conn.execute(text("DELETE FROM document_fts WHERE path = :path"), paths)
                    await conn.execute(
                        text(
                            "INSERT INTO document_records (path, etag, record) "
                            "VALUES (:path, :etag, :record) ON CONFLICT (path) DO UPDATE "
                            "SET etag = excluded.etag, record = excluded.record"
                        ),
                        rows,
                    )
                    await conn.execute(
                        text(
                            "INSERT INTO document_fts (path, title, tags, people, place, body) "
                            "VALUES (:path, :title, :tags, :people, :place, :body)"
                        ),
                        rows,
                    )
                else:
                    await conn.execute(
                        text(
                            "INSERT INTO document_search "
                            "(path, etag, record, title, tags, people, place, body) "
                            "VALUES (:path, :etag, :record, :title, :tags, :people, :place, :body) "
                            "ON CONFLICT (path) DO UPDATE SET etag = excluded.etag, "
                            "record = excluded.record, title = excluded.title, "
                            "tags = excluded.tags, people = excluded.people, "
                            "place = excluded.place, body = excluded.body"
                        ),
                        rows,
                    )
        except SQLAlchemyError as exc:
            raise DocumentIndexError("the document index cannot be written") from exc

    async def remove(self, paths: Sequence[str]) -> None:
        if not paths:
            return
        params = [{"path": p} for p in paths]
        if self.dialect == "sqlite":
            statements = [
                "DELETE FROM document_fts WHERE path = :path",
                "DELETE FROM document_records WHERE path = :path",
            ]
        else:
            statements = ["DELETE FROM document_search WHERE path = :path"]
        await self._run(statements, params)

    async def search(self, query: str, *, limit: int = 1000) -> list[DocumentRecord]:
        """Records matching every word of ``query`` (as prefixes), best first."""
        terms = query_terms(query)
        if not terms:
            return []
        if self.dialect == "sqlite":
            match = " ".join(f'"{t}"*' for t in terms)
            sql = (
                "SELECT r.record FROM document_fts f JOIN document_records r ON r.path = f.path "
                "WHERE document_fts MATCH :match "
                "ORDER BY bm25(document_fts, 0, 10.0, 5.0, 5.0, 2.0, 1.0), r.path LIMIT :limit"
            )
        else:
            match = " & ".join(f"{t}:*" for t in terms)
            sql = (
                "SELECT record FROM document_search, to_tsquery('simple', :match) q "
                "WHERE terms @@ q ORDER BY ts_rank_cd(terms, q) DESC, path LIMIT :limit"
            )
        try:
            async with self._engine.connect() as conn:
                rows = await conn.execute(text(sql), {"match": match, "limit": limit})
                found = [DocumentRecord.model_validate_json(row.record) for row in rows]
        except SQLAlchemyError as exc:
            raise DocumentIndexError("the document index cannot be searched") from exc
        # A path or a title that is exactly the query comes first, whatever the counts say.
        exact, path = " ".join(terms), query.strip().strip("/").casefold()
        found.sort(
            key=lambda r: (r.path.casefold() != path, words(r.title or r.file_name) != exact)
        )
        return found

    async def _run(self, statements: Sequence[str], params: Any = None) -> None:
        try:
            async with self._engine.begin() as conn:
                for statement in statements:
                    await conn.execute(text(statement), params)
        except SQLAlchemyError as exc:
            raise DocumentIndexError("the document index cannot be written") from exc


def _row(record: DocumentRecord, body: str) -> dict[str, str | None]:
    people = " ".join(filter(None, [record.author, record.last_editor]))
    return {
        "path": record.path,
        "etag": record.etag,
        "record": record.model_dump_json(),
        "title": words(" ".join(filter(None, [record.title, record.name, record.file_name]))),
        "tags": words(" ".join(record.tags)),
        "people": words(people),
        "place": words(record.path),
        "body": words(body),
    }
