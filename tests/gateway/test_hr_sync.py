"""The gateway follows the HR change feed: a change made over SCIM replaces the cached
record long before it would expire (against a scim2-server of this test's own)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from servers import Council, start_test_scim

from schema.ids import global_id
from townhall_demo.upstreams import WebDavServer

from .conftest import base_settings, serve

COUNCIL = "urn:townhall:scim:schemas:extension:council:2.0:Employee"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
QUERY = "query($id: ID!) { person(id: $id) { employment { grade workingPattern } } }"


async def test_a_change_in_hr_replaces_the_cached_record(
    council: Council, webdav_server: WebDavServer, tmp_path: Path
) -> None:
    scim = await start_test_scim(council, tmp_path / "scim")
    try:
        settings = base_settings(council, scim, webdav_server, tmp_path)
        settings.hr.sync_interval = 0.3
        settings.cache.hr_ttl = 3600
        person = next(p for p in council.people if p["hasAd"] and p["hasHr"] and p["employeeID"])
        variables = {"id": global_id("Person", person["guid"])}
        viewer = person["sAMAccountName"]
        async with serve(settings) as gateway:
            before = (await gateway.query(QUERY, variables, user=viewer))["data"]["person"]
            calls = gateway.calls()["hr"]
            cached = (await gateway.query(QUERY, variables, user=viewer))["data"]["person"]
            assert cached == before  # served from the cache...
            async with httpx.AsyncClient(base_url=scim.url + "/", headers=scim.headers) as client:
                found = await client.get(
                    "Users", params={"filter": f'userName eq "{person["userPrincipalName"]}"'}
                )
                [user] = found.json()["Resources"]
                response = await client.patch(
                    f"Users/{user['id']}",
                    json={
                        "schemas": [PATCH_OP],
                        "Operations": [
                            {"op": "replace", "path": f"{COUNCIL}:grade", "value": "Chief 1"}
                        ],
                    },
                )
                assert response.status_code in (200, 204), response.text
            after = cached
            for _ in range(100):
                await asyncio.sleep(0.1)
                after = (await gateway.query(QUERY, variables, user=viewer))["data"]["person"]
                if after != cached:
                    break
        assert before["employment"]["grade"] != "Chief 1"
        assert after["employment"] == {**before["employment"], "grade": "Chief 1"}
        assert calls > 0
    finally:
        scim.stop()
