"""Townhall's document search index, on SQLite FTS5 and on a real PostgreSQL.

Indexed from a crawl of the real wsgidav (the sample council's documents and
their dead properties), with the text of plain-text formats read from it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from servers import WEBDAV_PASSWORD, WEBDAV_USER, Council, WebDavServer
from servers.postgres import PostgresServer

from connectors.documents import (
    DocumentConnector,
    DocumentIndex,
    DocumentRecord,
    extract_text,
    is_plain_text,
)


@pytest.fixture(scope="module")
async def crawled(webdav_server: WebDavServer) -> tuple[list[DocumentRecord], dict[str, str]]:
    async with httpx.AsyncClient(
        base_url=webdav_server.url.rstrip("/") + "/", auth=(WEBDAV_USER, WEBDAV_PASSWORD)
    ) as client:
        connector = DocumentConnector(client)
        records = await connector.crawl()
        texts: dict[str, str] = {}
        for record in records:
            if is_plain_text(record):
                data = await connector.read(record.path, limit=1_000_000)
                texts[record.path] = extract_text(record, data or b"")
    return records, texts


@pytest.fixture(params=["sqlite", "postgresql"])
async def index(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DocumentIndex]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'search.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        url = (await server.create_database()).replace("postgresql://", "postgresql+asyncpg://")
    found = DocumentIndex.open(url)
    await found.create()
    yield found
    await found.close()


async def test_search_by_title_tag_author_path_and_text(
    index: DocumentIndex, crawled: tuple[list[DocumentRecord], dict[str, str]], council: Council
) -> None:
    records, texts = crawled
    await index.upsert(records, texts)
    assert len(await index.indexed()) == len(records)
    plan = "Planning/Plans/Local Plan 2026.md"

    best = await index.search("local plan 2026")
    assert best[0].path == plan  # the title match ranks first
    assert all("local" in (r.title or r.path).casefold() or r.path in texts for r in best)

    meta = next(d for d in council.documents["documents"] if d["path"] == plan)
    tag = meta["tags"][-1]
    assert plan in {r.path for r in await index.search(tag)}
    author = meta["author"].split("@")[0].replace(".", " ")
    by_author = await index.search(author)
    assert plan in {r.path for r in by_author}
    assert all(
        author.split()[1] in " ".join(filter(None, [r.author, r.last_editor, r.path])).casefold()
        or author.split()[1] in texts.get(r.path, "").casefold()
        for r in by_author
    )
    # A word that only the text holds.
    body_word = next(
        w
        for w in texts[plan].split()
        if len(w) > 8 and w.isalpha() and w.casefold() not in plan.casefold()
    )
    assert plan in {r.path for r in await index.search(body_word)}
    # Prefixes, case and accents fold; every word must match.
    assert plan in {r.path for r in await index.search("LOCAL PLA")}
    assert await index.search("local zzzznotaword") == []
    assert await index.search("  \"'*:&|!() ") == []  # query syntax is never passed through
    found = await index.search(plan)  # a path works as a query
    assert found and found[0].path == plan
    # The record comes back whole, as indexed.
    assert found[0] == next(r for r in records if r.path == plan)


async def test_reindex_and_remove(
    index: DocumentIndex, crawled: tuple[list[DocumentRecord], dict[str, str]]
) -> None:
    records, texts = crawled
    await index.upsert(records, texts)
    plan = next(r for r in records if r.path == "Planning/Plans/Local Plan 2026.md")
    renamed = plan.model_copy(update={"title": "Spatial Strategy Zephyrine", "etag": "new"})
    await index.upsert([renamed], {plan.path: "now about quokkas"})
    assert [r.path for r in await index.search("zephyrine")] == [plan.path]
    assert [r.path for r in await index.search("quokkas")] == [plan.path]
    assert (await index.indexed())[plan.path] == "new"
    await index.remove([plan.path])
    assert await index.search("zephyrine") == []
    assert plan.path not in await index.indexed()


async def test_concurrent_searches_share_the_index(
    index: DocumentIndex, crawled: tuple[list[DocumentRecord], dict[str, str]]
) -> None:
    records, texts = crawled
    await index.upsert(records, texts)
    results = await asyncio.gather(*(index.search("planning") for _ in range(20)))
    assert results[0] and all(r == results[0] for r in results)
