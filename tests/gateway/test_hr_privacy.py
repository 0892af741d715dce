"""HR privacy end to end: the gateway over the real scim2-server trims each HR field per
viewer on every request, audits restricted reads, and tells "no HR record" apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from servers import Council

from schema.ids import global_id
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import Gateway, base_settings, serve

QUERY = """
query Employment($id: ID!) {
  person(id: $id) {
    hrStatus
    employment { jobTitle workingPattern active grade fte contractType employeeNumber }
  }
}
"""
RESTRICTED = ("grade", "fte", "contractType", "employeeNumber")


def by_account(council: Council) -> dict[str, dict[str, Any]]:
    return {p["sAMAccountName"]: p for p in council.people if p["hasAd"]}


def hr_members(council: Council) -> set[str]:
    group = council.groups["HR Confidential"]
    dns = {m.decode().casefold() for m in group.attrs.get("member", [])}
    return {name for name, entry in council.users.items() if entry.dn.casefold() in dns}


def chain(people: dict[str, dict[str, Any]], name: str) -> list[str]:
    above: list[str] = []
    current = people[name].get("managerSAM")
    while current and current not in above and current in people:
        above.append(current)
        current = people[current].get("managerSAM")
    return above


def cast(council: Council) -> dict[str, str]:
    """A subject with a two-level chain, and a stranger and an HR member outside it."""
    people, hr = by_account(council), hr_members(council)
    for name, person in sorted(people.items()):
        above = chain(people, name)
        joined = person["hasHr"] and person["employeeID"] and name not in hr
        if joined and len(above) >= 2 and not set(above[:2]) & hr:
            break
    else:
        raise AssertionError("no subject with a manager chain in the sample council")
    outside = {name, *above}
    holder = next(h for h in sorted(hr) if h not in outside and h in people)
    stranger = next(
        n
        for n, p in sorted(people.items())
        if n not in outside | hr
        and p["hasHr"]
        and p["enabled"]
        and p["employeeID"]
        and p["department"] != person["department"]
    )
    return {
        "subject": name,
        "manager": above[0],
        "grand_manager": above[1],
        "hr": holder,
        "stranger": stranger,
    }


async def employment(gateway: Gateway, viewer: str, subject: dict[str, Any]) -> dict[str, Any]:
    body = await gateway.query(QUERY, {"id": global_id("Person", subject["guid"])}, user=viewer)
    assert "errors" not in body, body
    person: dict[str, Any] = body["data"]["person"]
    return person


async def test_restricted_hr_fields_follow_the_viewer_on_every_request(
    demo_gateway: Gateway, council: Council
) -> None:
    roles = cast(council)
    people = by_account(council)
    subject = people[roles["subject"]]
    trail = demo_gateway.upstreams.social.audit
    seen: dict[str, dict[str, Any]] = {}
    # The stranger asks both first and last: what others saw never leaks through the cache.
    for role in ("stranger", "subject", "manager", "grand_manager", "hr", "stranger"):
        newest = await trail.rows(newest_first=True, limit=1)
        person = await employment(demo_gateway, roles[role], subject)
        assert person["hrStatus"] == "FOUND"
        job = person["employment"]
        assert job["jobTitle"] and job["workingPattern"] and job["active"] is True
        audited = {
            r.record
            for r in await trail.rows(
                subject=subject["guid"],
                viewer=people[roles[role]]["guid"],
                after=newest[0].id if newest else None,
            )
        }
        if role == "stranger":
            assert all(job[f] is None for f in RESTRICTED), job
        else:
            assert all(job[f] is not None for f in RESTRICTED), (role, job)
            assert job["employeeNumber"] == subject["employeeID"]
        # Reads of one's own fields are not audited; nor is what was not shown.
        assert audited == (set() if role in ("stranger", "subject") else set(RESTRICTED)), role
        seen[role] = job
    assert seen["subject"] == seen["manager"] == seen["hr"]


async def test_an_account_without_an_hr_record_is_told_apart(
    demo_gateway: Gateway,
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path: Path,
) -> None:
    contractor = next(
        p for p in council.people if p["hasAd"] and not p["hasHr"] and p["role"] != "service"
    )
    person = await employment(demo_gateway, "alex.morgan", contractor)
    assert person == {"hrStatus": "NO_JOIN_KEY", "employment": None}  # no employeeID in AD

    # Joined by UPN instead, the same contractor has a key that HR does not know.
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.hr.join = "user_name"
    async with serve(settings) as by_upn:
        person = await employment(by_upn, "alex.morgan", contractor)
        assert person == {"hrStatus": "NO_HR_RECORD", "employment": None}
        staff = next(p for p in council.people if p["hasAd"] and p["hasHr"] and p["employeeID"])
        found = await employment(by_upn, staff["sAMAccountName"], staff)
        assert found["hrStatus"] == "FOUND"
        assert found["employment"]["employeeNumber"] == staff["employeeID"]


async def test_a_dead_hr_system_nulls_only_hr_fields_then_opens_the_circuit(
    council: Council, scim_server: ScimServer, webdav_server: WebDavServer, tmp_path: Path
) -> None:
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.hr.url = "http://127.0.0.1:9/scim/v2"  # nothing listens there
    settings.hr.retries = 0
    settings.hr.breaker_failures = 1
    settings.hr.sync_interval = 0  # only requests call the HR system here
    settings.cache.missing_ttl = 0
    staff = next(p for p in council.people if p["hasAd"] and p["hasHr"] and p["employeeID"])
    query = "query($id: ID!) { person(id: $id) { displayName employment { jobTitle } } }"
    variables = {"id": global_id("Person", staff["guid"])}
    async with serve(settings) as gateway:
        reasons = []
        for _ in range(2):
            body = await gateway.query(query, variables, user="alex.morgan")
            assert body["data"]["person"] == {
                "displayName": staff["displayName"],
                "employment": None,
            }
            [error] = body["errors"]
            assert error["extensions"]["source"] == "hr"
            assert "127.0.0.1" not in error["message"]
            reasons.append(error["extensions"]["reason"])
    assert reasons == ["unavailable", "circuit_open"]
