"""The HR connector against a real scim2-server seeded with the sample council (read-only)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from servers import SCIM_TOKEN, Council, ScimServer

from connectors.hr import (
    BearerToken,
    HRCheckpoint,
    HRConnector,
    HRRejected,
    HRUnavailable,
    ScimPaths,
)
from connectors.resilience import RetryPolicy


@pytest.fixture
async def client(scim_server: ScimServer) -> AsyncIterator[httpx.AsyncClient]:
    bodies: list[bytes] = []

    async def keep_body(response: httpx.Response) -> None:
        bodies.append(await response.aread())

    async with httpx.AsyncClient(
        base_url=scim_server.url.rstrip("/") + "/",
        auth=BearerToken(SCIM_TOKEN),
        timeout=10,
        event_hooks={"response": [keep_body]},
    ) as client:
        client.bodies = bodies  # type: ignore[attr-defined]
        yield client


@pytest.fixture
def hr(client: httpx.AsyncClient) -> HRConnector:
    return HRConnector(client, batch_size=50)


def hr_people(council: Council) -> list[dict]:
    return [p for p in council.people if p["hasHr"] and p["employeeID"]]


async def test_a_batch_is_one_request_per_fifty_keys_in_key_order(
    hr: HRConnector, council: Council
) -> None:
    people = hr_people(council)[:100]
    keys = [p["employeeID"] for p in people] + ["E000000"]
    keys.reverse()
    found = await hr.records_by("employee_number", keys)
    assert hr.calls == 3  # 101 keys, batches of 50
    assert found[0] is None
    assert [r.employee_number for r in found[1:] if r] == [
        p["employeeID"] for p in reversed(people)
    ]


async def test_duplicate_and_mixed_case_keys_share_one_lookup(
    hr: HRConnector, council: Council
) -> None:
    upn = hr_people(council)[0]["userPrincipalName"]
    found = await hr.records_by("user_name", [upn, upn.upper(), "", upn])
    assert hr.calls == 1
    assert found[0] is not None and found[0] == found[1] == found[3] and found[2] is None


async def test_records_carry_the_council_extension_and_nothing_never_exposed(
    hr: HRConnector, client: httpx.AsyncClient, council: Council
) -> None:
    priya = next(p for p in council.people if p["sAMAccountName"] == "priya.shah")
    [record] = await hr.records_by("user_name", [priya["userPrincipalName"]])
    assert record is not None
    assert record.employee_number == priya["employeeID"]
    assert record.grade and record.working_pattern and record.work_location
    assert record.contract_type and record.cost_centre and record.division
    assert record.fte is not None and 0 < record.fte <= 1
    assert record.start_date is not None and record.start_date.year > 1970
    assert record.manager_employee_number
    assert record.etag and record.last_modified
    seeded = next(u for u in council.hr_users if u["userName"] == priya["userPrincipalName"])
    assert any("dateOfBirth" in part for part in map(str, seeded.values()))  # HR holds it...
    body = b"".join(client.bodies)  # type: ignore[attr-defined]
    assert b"grade" in body and b"dateOfBirth" not in body  # ...but it is never fetched


async def test_join_by_external_id(hr: HRConnector, council: Council) -> None:
    users = council.hr_users[:3]
    found = await hr.records_by("external_id", [u["externalId"] for u in users])
    assert [r.user_name for r in found if r] == [u["userName"] for u in users]


async def test_listing_pages_past_a_thousand(hr: HRConnector, council: Council) -> None:
    hr = HRConnector(hr._http, page_size=500)
    before = hr.calls
    records = await hr.all_records()
    seeded = len(council.hr_users)
    assert seeded > 1000
    assert len(records) == seeded
    assert len({r.scim_id for r in records}) == seeded
    assert hr.calls - before == -(-seeded // 500)


async def test_hr_records_with_no_directory_account_are_listed(
    hr: HRConnector, council: Council
) -> None:
    ad_keys = [p["employeeID"] for p in council.people if p["hasAd"] and p["employeeID"]]
    unmatched = await hr.unmatched("employee_number", ad_keys)
    expected = {p["employeeID"] for p in council.people if p["hasHr"] and not p["hasAd"]}
    assert expected and {r.employee_number for r in unmatched} == expected
    ad_only = [p["employeeID"] for p in council.people if p["hasAd"] and not p["hasHr"]]
    if ad_only:  # directory accounts with no HR record come back as None, not errors
        assert await hr.records_by("employee_number", ad_only) == [None] * len(ad_only)


async def test_filter_values_are_escaped(hr: HRConnector) -> None:
    hostile = ['E1" or userName pr or "', 'x\\" pr', '"', "\\", "a\nb", "\x00", "é\u2028"]
    assert await hr.records_by("employee_number", hostile) == [None] * len(hostile)


async def test_a_bad_filter_is_rejected_with_its_scim_type(client: httpx.AsyncClient) -> None:
    # A site that names an attribute its HR system does not have: a 400 invalidFilter.
    misconfigured = ScimPaths(paths={"employee_number": "urn:acme:hr:2.0:Employee:payrollNo"})
    hr = HRConnector(client, paths=misconfigured)
    with pytest.raises(HRRejected) as caught:
        await hr.records_by("employee_number", ["E100001"])
    assert caught.value.status == 400 and caught.value.scim_type == "invalidFilter"
    assert caught.value.reason == "rejected"
    assert hr.calls == 1  # a refusal is not retried
    assert hr.breaker.state == "closed"  # and does not count against the HR system


def test_attribute_paths_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown HR field"):
        ScimPaths(paths={"shoe_size": "shoeSize"})
    with pytest.raises(ValueError, match="not valid"):
        ScimPaths(paths={"grade": 'grade eq "x"'})
    paths = ScimPaths(extension="urn:acme:hr:2.0:Employee", paths={"grade": "title"}).resolved()
    assert paths["grade"] == "title"
    assert paths["fte"] == "urn:acme:hr:2.0:Employee:fte"


async def test_a_configured_attribute_path_is_what_is_read(
    client: httpx.AsyncClient, council: Council
) -> None:
    hr = HRConnector(client, paths=ScimPaths(paths={"grade": "title"}))
    user = council.hr_users[0]
    [record] = await hr.records_by("user_name", [user["userName"]])
    assert record is not None and record.grade == user["title"]


async def test_a_first_change_feed_is_everything_then_nothing(
    hr: HRConnector, council: Council
) -> None:
    first = await hr.changes_since(None)
    assert first.resync and len(first.records) == len(council.hr_users)
    again = await hr.changes_since(HRCheckpoint.decode(first.checkpoint.encode()))
    assert not again.resync and again.records == []
    assert (await hr.changes_since(HRCheckpoint.decode("not a checkpoint"))).resync


async def test_a_bad_token_is_rejected(scim_server: ScimServer) -> None:
    async with httpx.AsyncClient(
        base_url=scim_server.url.rstrip("/") + "/", auth=BearerToken("wrong")
    ) as client:
        with pytest.raises(HRRejected) as caught:
            await HRConnector(client).records_by("employee_number", ["E100001"])
    assert caught.value.status == 401
    assert "wrong" not in str(caught.value)


async def test_an_unreachable_hr_system_is_unavailable() -> None:
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9/scim/v2/", timeout=2) as client:
        hr = HRConnector(client, retry=RetryPolicy(attempts=2, base_delay=0.01))
        with pytest.raises(HRUnavailable) as caught:
            await hr.records_by("employee_number", ["E100001"])
    assert hr.calls == 2  # retried once
    assert "127.0.0.1" not in str(caught.value) and caught.value.reason == "unavailable"
