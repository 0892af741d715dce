"""HR changes become activity: the gateway's HR feed reader against a real scim2-server of
each test's own (changed over SCIM), joined to the embedded directory, into the social
store on both backends; and the reader the gateway runs in its lifespan, end to end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from servers import Council, start_test_scim

from connectors.directory import DirectoryConnector, open_embedded
from connectors.hr import HRCheckpoint, HRConnector
from connectors.social import SocialStore
from gateway.hr_activity import hr_activity_round, hr_activity_since
from schema.ids import global_id
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import base_settings, serve

BASE_DN = "DC=ad,DC=northshire,DC=test"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
COUNCIL = "urn:townhall:scim:schemas:extension:council:2.0:Employee"


@pytest.fixture(scope="module")
async def directory(council: Council) -> AsyncIterator[DirectoryConnector]:
    connector = open_embedded(council.ldif, BASE_DN)
    yield connector
    await connector.close()


@pytest.fixture
async def scim(council: Council, tmp_path: Path) -> AsyncIterator[ScimServer]:
    server = await start_test_scim(council, tmp_path / "scim")  # its changes stay here
    yield server
    server.stop()


@pytest.fixture
async def client(scim: ScimServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=scim.url + "/", headers=scim.headers) as client:
        yield client


def staff(council: Council) -> list[dict[str, Any]]:
    """People with a current directory account that HR joins by employee number."""
    return [
        p for p in council.people if p["hasAd"] and p["hasHr"] and p["employeeID"] and p["enabled"]
    ]


async def change(
    client: httpx.AsyncClient, scim: ScimServer, person: dict[str, Any], path: str, value: str
) -> None:
    response = await client.patch(
        f"Users/{scim.ids[person['userPrincipalName']]}",
        json={
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": path, "value": value}],
        },
    )
    assert response.status_code in (200, 204), response.text


async def test_hr_changes_become_one_event_each_and_restricted_ones_none(
    council: Council,
    scim: ScimServer,
    client: httpx.AsyncClient,
    directory: DirectoryConnector,
    store: SocialStore,
    social_url: str,
) -> None:
    hr = HRConnector(client)
    titled, moved, relocated, regraded = staff(council)[:4]
    orphan = next(p for p in council.people if p["hasHr"] and not p["hasAd"])

    async def round_(social: SocialStore) -> list[int] | None:
        return await hr_activity_round(hr, directory, social, join="employee_number")

    searches = directory.calls
    assert await round_(store) == []  # the baseline: every record remembered, none announced
    assert directory.calls == searches  # ...and no record joined to the directory for it
    stale = await store.checkpoint("hr")
    assert stale is not None and HRCheckpoint.decode(stale) is not None

    await change(client, scim, titled, "title", "Principal Planning Officer")
    await change(client, scim, moved, f"{ENTERPRISE}:department", "Housing Options")
    await change(client, scim, relocated, f"{COUNCIL}:workLocation", "Kingsford Depot")
    await change(client, scim, regraded, f"{COUNCIL}:grade", "Chief 1")
    await change(client, scim, orphan, "title", "Head of Nowhere")
    reported = await hr.changes_since(HRCheckpoint.decode(stale))
    assert len(reported.records) == 5  # the feed reports all five; three are news

    events = await round_(store)
    assert events is not None
    found = [e for e in await store.events_by_id(events) if e is not None]
    assert sorted(
        (e.actor, e.verb, e.object_id, e.target_kind, e.target_id) for e in found
    ) == sorted(
        [
            (titled["guid"], "moved", titled["guid"], "title", "Principal Planning Officer"),
            (moved["guid"], "moved", moved["guid"], "department", "Housing Options"),
            (relocated["guid"], "moved", relocated["guid"], "location", "Kingsford Depot"),
        ]
    )
    feed = await store.person_feed(regraded["guid"], before=None, limit=10)
    assert feed == []  # a grade is restricted: never news

    # A worker that read the same batch from the stale checkpoint finds it applied.
    applied = await store.checkpoint("hr")
    assert await hr_activity_since(stale, hr, directory, store, join="employee_number") is None
    assert await store.checkpoint("hr") == applied
    assert await round_(store) == []  # nothing new since

    # A restart (a new store on the same database) carries on from the stored checkpoint.
    await store.close()
    restarted = SocialStore.open(social_url)
    try:
        await restarted.migrate()
        assert await restarted.checkpoint("hr") == applied
        assert await round_(restarted) == []  # nothing is announced again
        await change(client, scim, titled, "title", "Head of Planning")
        events = await round_(restarted)
        assert events is not None and len(events) == 1
        [again] = await restarted.events_by_id(events)
        assert again is not None
        assert (again.actor, again.target_kind, again.target_id) == (
            titled["guid"],
            "title",
            "Head of Planning",
        )
        mine = await restarted.person_feed(titled["guid"], before=None, limit=10)
        assert [e.target_id for e in mine] == ["Head of Planning", "Principal Planning Officer"]
    finally:
        await restarted.close()


PERSON_ACTIVITY = (
    "query($id: ID!) { person(id: $id) { displayName activity(first: 5) "
    "{ nodes { verb summary } } } }"
)


async def test_the_gateway_announces_a_new_job_title_from_hr(
    council: Council, scim: ScimServer, client: httpx.AsyncClient,
    webdav_server: WebDavServer, tmp_path: Path,
) -> None:  # fmt: skip
    settings = base_settings(council, scim, webdav_server, tmp_path)
    settings.hr.sync_interval = 0.3
    person = staff(council)[10]
    variables = {"id": global_id("Person", person["guid"])}
    async with serve(settings) as gateway:
        social = gateway.upstreams.social
        for _ in range(300):  # the first round, the baseline, reads every HR record
            if await social.checkpoint("hr") is not None:
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the HR activity feed took no baseline")
        await change(client, scim, person, "title", "Interim Head of Service")
        nodes: list[dict[str, Any]] = []
        for _ in range(100):
            body = await gateway.query(PERSON_ACTIVITY, variables, user=person["sAMAccountName"])
            nodes = body["data"]["person"]["activity"]["nodes"]
            if nodes:
                break
            await asyncio.sleep(0.1)
    assert nodes == [
        {
            "verb": "moved",
            "summary": f"{person['displayName']} moved to the role of Interim Head of Service",
        }
    ]
