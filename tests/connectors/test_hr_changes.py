"""Change feed, ETag revalidation and the circuit breaker, against a scim2-server of
this module's own (it is changed over SCIM, killed and restarted)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from servers import SCIM_TOKEN, Council, ScimServer, start_test_scim

from connectors.hr import (
    BearerToken,
    HRChanges,
    HRChangeWatcher,
    HRCircuitOpen,
    HRConnector,
    HRNotFound,
    HRRecord,
    HRUnavailable,
)
from connectors.resilience import CircuitBreaker, RetryPolicy

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
COUNCIL = "urn:townhall:scim:schemas:extension:council:2.0:Employee"


@pytest.fixture(scope="module")
async def own_scim(
    council: Council, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ScimServer]:
    server = await start_test_scim(council, tmp_path_factory.mktemp("own-scim"))
    yield server
    server.stop()


@pytest.fixture
async def client(own_scim: ScimServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=own_scim.url + "/", auth=BearerToken(SCIM_TOKEN), timeout=10
    ) as client:
        yield client


async def one(hr: HRConnector, user_name: str) -> HRRecord:
    [record] = await hr.records_by("user_name", [user_name])
    assert record is not None
    return record


async def test_an_unchanged_record_revalidates_with_a_304(
    client: httpx.AsyncClient, council: Council
) -> None:
    hr = HRConnector(client)
    record = await one(hr, council.hr_users[10]["userName"])
    assert record.etag
    before = hr.calls
    assert await hr.revalidate(record) is None
    assert hr.calls == before + 1


async def test_a_change_made_over_scim_shows_in_the_feed_and_in_revalidation(
    client: httpx.AsyncClient, council: Council
) -> None:
    hr = HRConnector(client)
    start = await hr.changes_since(None)
    quiet = await hr.changes_since(start.checkpoint)
    assert quiet.records == []
    patched, replaced = council.hr_users[20], council.hr_users[21]
    old = await one(hr, patched["userName"])
    response = await client.patch(
        f"Users/{old.scim_id}",
        json={
            "schemas": [PATCH_OP],
            "Operations": [
                {"op": "replace", "path": f"{COUNCIL}:workingPattern", "value": "Compressed hours"}
            ],
        },
    )
    assert response.status_code in (200, 204), response.text
    target = await one(hr, replaced["userName"])
    response = await client.put(
        f"Users/{target.scim_id}", json={**replaced, "title": "Interim Head of Service"}
    )
    assert response.status_code == 200, response.text

    changes = await hr.changes_since(quiet.checkpoint)
    by_user = {r.user_name: r for r in changes.records}
    assert set(by_user) == {patched["userName"], replaced["userName"]}
    assert by_user[patched["userName"]].working_pattern == "Compressed hours"
    assert by_user[replaced["userName"]].job_title == "Interim Head of Service"
    assert (await hr.changes_since(changes.checkpoint)).records == []

    fresh = await hr.revalidate(old)
    assert fresh is not None and fresh.working_pattern == "Compressed hours"
    assert fresh.etag != old.etag
    assert await hr.revalidate(fresh) is None


async def test_the_watcher_hands_on_a_change_made_over_scim(
    client: httpx.AsyncClient, council: Council
) -> None:
    hr = HRConnector(client)
    seen: list[HRChanges] = []

    async def collect(changes: HRChanges) -> None:
        seen.append(changes)

    feed = hr.background()
    assert feed.breaker is hr.breaker  # a failing HR system is left alone by both
    watcher = HRChangeWatcher(feed, collect, interval=60)
    user = council.hr_users[50]["userName"]
    record = await one(hr, user)
    assert await watcher.poll() is None and watcher.checkpoint is not None
    assert feed.calls == 1  # the first checkpoint reads no record
    response = await client.patch(
        f"Users/{record.scim_id}",
        json={
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": f"{COUNCIL}:grade", "value": "CO9"}],
        },
    )
    assert response.status_code in (200, 204), response.text
    changes = await watcher.poll()
    assert changes is not None and seen == [changes] and not changes.resync
    # (records seeded within the overlap before the first checkpoint may come too)
    assert [r.grade for r in changes.records if r.user_name == user] == ["CO9"]
    assert await watcher.poll() is not None and seen == [changes]  # nothing new: not handed on
    assert hr.calls == 1  # the feed's requests are counted apart from the lookups


async def test_a_deleted_record_is_not_found_on_revalidation(
    client: httpx.AsyncClient, council: Council
) -> None:
    hr = HRConnector(client)
    record = await one(hr, council.hr_users[30]["userName"])
    assert (await client.delete(f"Users/{record.scim_id}")).status_code == 204
    with pytest.raises(HRNotFound) as caught:
        await hr.revalidate(record)
    assert caught.value.reason == "not_found"
    assert await hr.records_by("user_name", [council.hr_users[30]["userName"]]) == [None]


async def test_a_killed_hr_system_opens_the_circuit_which_closes_after_restart(
    client: httpx.AsyncClient, own_scim: ScimServer, council: Council
) -> None:
    user = council.hr_users[40]["userName"]
    breaker = CircuitBreaker(failure_threshold=2, reset_after=0.5)
    hr = HRConnector(client, retry=RetryPolicy(attempts=2, base_delay=0.01), breaker=breaker)
    before = await one(hr, user)
    own_scim.kill()
    try:
        for _ in range(2):
            with pytest.raises(HRUnavailable) as caught:
                await hr.records_by("user_name", [user])
            assert not isinstance(caught.value, HRCircuitOpen)
        assert breaker.state == "open"
        sent = hr.calls
        with pytest.raises(HRCircuitOpen) as opened:
            await hr.records_by("user_name", [user])
        assert opened.value.reason == "circuit_open"
        assert hr.calls == sent  # the dead system was left alone
    finally:
        await own_scim.restart()
    await asyncio.sleep(0.6)  # past reset_after: the next call is the probe
    after = await one(hr, user)
    assert breaker.state == "closed"
    assert after.employee_number == before.employee_number
    assert after.scim_id != before.scim_id  # the restarted server re-seeded with new ids
    with pytest.raises(HRNotFound):
        await hr.revalidate(before)
