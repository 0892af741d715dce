"""The start-up warm-up: groups and memberships answered from the cache, as the directory would.

A gateway that warms the directory at start-up (``cache.warm_directory=startup``) caches
every group and its nested members with the people; its answers about groups must be the
answers a gateway without the warm-up gets from the directory, and must need no directory
search. The demo builds its document index before it starts: the worker's first turn is
then a check.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from servers import WEBDAV_PASSWORD, WEBDAV_USER, Council

from connectors.documents import DocumentConnector, DocumentIndex
from gateway.cache import RecordCache
from gateway.documents import DocumentSync, open_documents
from gateway.settings import CacheSettings, DocumentSettings
from townhall_demo.launcher import build_document_index
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import Gateway, base_settings, serve

GROUPS = """{
  group(name: "All Staff") {
    guid
    name
    members(first: 100) { totalCount nodes { accountName } pageInfo { endCursor hasNextPage } }
    leavers: members(first: 100, includeLeavers: true) { totalCount nodes { accountName } }
  }
  planning: group(name: "staff - planning") { members(first: 100) { totalCount nodes { accountName } } }
  person(account: "priya.shah") { groups { guid name } }
  me { groups { name } }
}"""


async def test_warmed_groups_answer_as_the_directory_does_without_searching(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path: Path,
    demo_gateway: Gateway,
) -> None:
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.cache.warm_directory = "startup"
    async with serve(settings) as gateway:
        before = gateway.calls()["directory"]
        warm = await gateway.query(GROUPS, user="helen.carter")
        assert gateway.calls()["directory"] == before  # every answer came from the warm-up
    # A gateway that did not warm up asks the directory, and hears the same.
    cold = await demo_gateway.query(GROUPS, user="helen.carter")
    assert "errors" not in warm and warm == cold
    data: dict[str, Any] = warm["data"]
    assert data["group"]["members"]["totalCount"] > 1900  # nested: every department's staff
    assert data["planning"]["members"]["totalCount"] > 5
    assert "All Staff" in {g["name"] for g in data["person"]["groups"]}


@pytest.mark.parametrize(
    ("given", "mode"),
    [(True, "background"), (False, "off"), ("true", "background"), ("startup", "startup")],
)
def test_warm_hr_takes_a_mode_or_the_old_flag(given: Any, mode: str) -> None:
    assert CacheSettings(warm_hr=given).warm_hr == mode


async def test_the_demos_document_index_built_before_start_leaves_the_worker_a_check(
    webdav_server: WebDavServer, tmp_path: Path
) -> None:
    settings = DocumentSettings(
        url=webdav_server.url,
        username=WEBDAV_USER,
        password=SecretStr(WEBDAV_PASSWORD),
        search_database_url=f"sqlite+aiosqlite:///{tmp_path / 'search.db'}",
    )
    await build_document_index(settings)

    async def first_turn(built: bool) -> int:
        """The requests of a worker's first turn over the same index."""
        async with contextlib.AsyncExitStack() as stack:
            source = open_documents(settings, stack)
            assert isinstance(source, DocumentConnector)
            index = DocumentIndex.open(settings.search_database_url)
            sync = DocumentSync(source, index, RecordCache.memory(), text_limit=10_000)
            stack.push_async_callback(sync.close)
            await sync.open()
            assert await index.built() == built  # searchable before the worker's turn
            await sync.poll()
            assert sync.ready.is_set() and await sync.index.search("planning")
            return source.calls

    checked = await first_turn(built=True)
    (tmp_path / "search.db").unlink()
    assert checked < await first_turn(built=False)  # from nothing, every text is read too
