"""The start-up warm-up: groups and memberships answered from the cache, as the directory would.

A gateway that warms the directory at start-up (``cache.warm_directory=startup``) caches
every group and its nested members with the people; its answers about groups must be the
answers the directory gives once the cache is empty, and must need no directory search.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from servers import Council

from gateway.settings import CacheSettings
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
