"""The HR connector against a real scim2-server seeded with the sample council."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from servers import SCIM_TOKEN, Council

from connectors.hr import HRConnector, HRRejected, HRUnavailable
from gateway.upstreams import ScimServer


@pytest.fixture
async def hr(scim_server: ScimServer) -> AsyncIterator[HRConnector]:
    async with httpx.AsyncClient(
        base_url=scim_server.url.rstrip("/") + "/",
        headers={"Authorization": f"Bearer {SCIM_TOKEN}"},
        timeout=10,
    ) as client:
        yield HRConnector(client, batch_size=50)


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


async def test_records_carry_the_council_extension(hr: HRConnector, council: Council) -> None:
    priya = next(p for p in council.people if p["sAMAccountName"] == "priya.shah")
    [record] = await hr.records_by("user_name", [priya["userPrincipalName"]])
    assert record is not None
    assert record.employee_number == priya["employeeID"]
    assert record.grade and record.working_pattern and record.work_location
    assert record.fte is not None and 0 < record.fte <= 1
    assert record.start_date is not None and record.start_date.year > 1970
    assert record.manager_employee_number
    assert "date_of_birth" not in record.model_dump()  # never fetched


async def test_listing_pages_past_a_thousand(hr: HRConnector, council: Council) -> None:
    records = await hr.all_records(page_size=500)
    seeded = len(council.hr_users)
    assert seeded > 1000
    assert len(records) == seeded
    assert len({r.scim_id for r in records}) == seeded
    assert hr.calls >= 3


async def test_filter_values_are_escaped(hr: HRConnector) -> None:
    hostile = ['E1" or userName pr or "', 'x\\" pr', '"', "\\"]
    assert await hr.records_by("employee_number", hostile) == [None] * len(hostile)


async def test_a_bad_token_is_rejected(scim_server: ScimServer) -> None:
    async with httpx.AsyncClient(
        base_url=scim_server.url.rstrip("/") + "/", headers={"Authorization": "Bearer wrong"}
    ) as client:
        with pytest.raises(HRRejected) as caught:
            await HRConnector(client).records_by("employee_number", ["E100001"])
    assert caught.value.status == 401
    assert "wrong" not in str(caught.value)


async def test_an_unreachable_hr_system_is_unavailable() -> None:
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9/scim/v2/", timeout=2) as client:
        with pytest.raises(HRUnavailable) as caught:
            await HRConnector(client).records_by("employee_number", ["E100001"])
    assert "127.0.0.1" not in str(caught.value)
