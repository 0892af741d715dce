"""Filters on `people` and `headcount` end to end: the demo gateway (embedded directory,
real scim2-server) answers exactly what the sample council's data says, refuses HR-role
fields to everyone else, suppresses small cells and caches a filter under its normal form."""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from datetime import date
from typing import Any

import pytest
from servers import Council

from gateway.warmup import warm_hr
from schema.headcount import suppress
from schema.ids import global_id

from .conftest import Gateway

EMPLOYEE = "urn:townhall:scim:schemas:extension:council:2.0:Employee"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PEOPLE = """
query People($search: String, $filter: PeopleFilter, $after: String) {
  people(search: $search, filter: $filter, first: 100, after: $after) {
    totalCount
    edges { node { accountName } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
HEADCOUNT = """
query Headcount($by: [HeadcountDimension!]!, $filter: PeopleFilter) {
  headcount(by: $by, filter: $filter) {
    dimensions total totalSuppressed threshold
    cells { values count suppressed label }
  }
}
"""
HR_MEMBER = "pooja.parmar"  # in HR Confidential, the demo's HR role group
STAFF = "alex.morgan"


# -- what the sample council says -------------------------------------------------------


def staff(council: Council) -> dict[str, dict[str, Any]]:
    """Current staff as the gateway lists them: enabled directory people (no service
    accounts), each with their directory entry and HR record (None when HR has none)."""
    hr = {u[ENTERPRISE]["employeeNumber"]: u for u in council.hr_users if ENTERPRISE in u}
    found = {}
    for p in council.people:
        if not p["hasAd"] or not p["enabled"] or p["role"] == "service":
            continue
        entry = council.users[p["sAMAccountName"]]
        found[p["sAMAccountName"]] = {
            **p,
            "office": entry.first("physicalDeliveryOfficeName"),
            "dn": entry.dn,
            "hr": hr.get(p["employeeID"] or "", {}).get(EMPLOYEE),
        }
    return found


def hr_value(person: dict[str, Any], field: str) -> str | None:
    record = person["hr"]
    return record.get(field) if record else None


def members(council: Council, group: str) -> set[str]:
    """Everyone in a group, nested groups included, by account name."""
    by_dn = {e.dn.casefold(): name for name, e in council.users.items()}
    groups = {e.dn.casefold(): e for e in council.groups.values()}
    found: set[str] = set()
    todo, seen = [council.groups[group].dn.casefold()], set()
    while todo:
        dn = todo.pop()
        if dn in seen:
            continue
        seen.add(dn)
        for member in groups[dn].attrs.get("member", []):
            norm = member.decode().casefold()
            if norm in groups:
                todo.append(norm)
            elif norm in by_dn:
                found.add(by_dn[norm])
    return found


async def listed(
    gateway: Gateway, filter: dict[str, Any], *, search: str | None = None, user: str = STAFF
) -> set[str]:
    """Every account name `people` lists for the filter, page by page."""
    names: list[str] = []
    after = None
    while True:
        body = await gateway.query(
            PEOPLE, {"search": search, "filter": filter, "after": after}, user=user
        )
        assert "errors" not in body, body["errors"]
        page = body["data"]["people"]
        names += [e["node"]["accountName"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(names)
            assert len(set(names)) == len(names)
            return set(names)
        after = page["pageInfo"]["endCursor"]


# -- people(filter:) ----------------------------------------------------------------------


async def test_part_time_staff_in_housing_are_exactly_the_councils(
    demo_gateway: Gateway, council: Council
) -> None:
    people = staff(council)
    expected = {
        n
        for n, p in people.items()
        if p["department"] == "Housing" and hr_value(p, "workingPattern") == "Part time"
    }
    assert 5 < len(expected) < 100
    got = await listed(demo_gateway, {"department": "housing", "workingPattern": "PART TIME"})
    assert got == expected
    # The free-text search still works, and both must match.
    officers = {n for n in expected if "officer" in (people[n]["title"] or "").lower()}
    assert 0 < len(officers) < len(expected)
    both = await listed(
        demo_gateway, {"department": "Housing", "workingPattern": "Part time"}, search="Officer"
    )
    assert both == officers


async def test_directory_fields_title_words_office_manager_and_group(
    demo_gateway: Gateway, council: Council
) -> None:
    people = staff(council)
    words = ["social", "worker"]
    expected = {
        n
        for n, p in people.items()
        if all(w in (p["title"] or "").lower() for w in words)
        and p["department"] == "Adult Social Care"
    }
    assert expected
    filter = {"titleWords": words, "department": "Adult Social Care"}
    assert await listed(demo_gateway, filter) == expected

    office = Counter(p["office"] for p in people.values() if p["office"]).most_common()[-1][0]
    assert await listed(demo_gateway, {"office": office}) == {
        n for n, p in people.items() if p["office"] == office
    }

    boss = next(
        n for n, c in Counter(p["managerSAM"] for p in people.values()).items() if n and c > 5
    )
    manager_id = global_id("Person", people[boss]["guid"])
    assert await listed(demo_gateway, {"manager": manager_id}) == {
        n for n, p in people.items() if p["managerSAM"] == boss
    }

    champions = members(council, "Data Protection Champions") & people.keys()
    assert champions
    assert await listed(demo_gateway, {"group": "data protection champions"}) == champions
    body = await demo_gateway.query('{ group(name: "Data Protection Champions") { id } }')
    group_id = body["data"]["group"]["id"]
    assert await listed(demo_gateway, {"group": group_id}) == champions


async def test_hr_fields_work_style_location_and_start_dates(
    demo_gateway: Gateway, council: Council
) -> None:
    people = staff(council)
    after, before = date(2015, 1, 1), date(2016, 1, 1)

    def started(p: dict[str, Any]) -> bool:
        value = hr_value(p, "startDate")
        return value is not None and after < date.fromisoformat(value[:10]) < before

    expected = {n for n, p in people.items() if hr_value(p, "workStyle") == "Home based" or False}
    assert await listed(demo_gateway, {"workStyle": "home based"}) == expected
    expected = {
        n
        for n, p in people.items()
        if started(p) and hr_value(p, "workLocation") == "Civic Centre, Eastbridge"
    }
    assert expected
    filter = {
        "startedAfter": after.isoformat(),
        "startedBefore": before.isoformat(),
        "workLocation": "Civic Centre, Eastbridge",
    }
    assert await listed(demo_gateway, filter) == expected


async def test_a_grade_filter_is_for_the_hr_role_only(
    demo_gateway: Gateway, council: Council
) -> None:
    body = await demo_gateway.query(PEOPLE, {"filter": {"grade": "PO4"}}, user=STAFF)
    assert body["data"] is None or body["data"]["people"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["reason"] == "NOT_ALLOWED"
    assert error["extensions"]["field"] == "filter.grade"
    assert "grade" in error["message"]
    people = staff(council)
    expected = {n for n, p in people.items() if hr_value(p, "grade") == "PO4"}
    assert expected
    assert await listed(demo_gateway, {"grade": "po4"}, user=HR_MEMBER) == expected


async def test_unknown_manager_or_group_and_bad_values_are_refused(demo_gateway: Gateway) -> None:
    for filter, field in (
        ({"group": "No Such Group"}, "filter.group"),
        (
            {"manager": global_id("Person", "00000000-0000-0000-0000-000000000000")},
            "filter.manager",
        ),
        ({"department": "x" * 300}, "filter.department"),
        ({"titleWords": ["a"] * 9}, "filter.titleWords"),
    ):
        body = await demo_gateway.query(PEOPLE, {"filter": filter})
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", body
        assert error["extensions"]["field"] == field


async def test_hostile_filter_values_are_literals(demo_gateway: Gateway) -> None:
    for value in ("*", "Housing)(department=*", "Hous*", "\\2a"):
        assert await listed(demo_gateway, {"department": value}) == set()


async def test_a_filter_is_cached_under_its_normal_form(demo_gateway: Gateway) -> None:
    await demo_gateway.clear_cache()
    first = await listed(demo_gateway, {"department": "Planning", "titleWords": ["Planning"]})
    # The sign-in reads the viewer's groups beside the first request: let that settle.
    await demo_gateway.query("{ me { groups { name } } }", user=STAFF)
    calls = demo_gateway.calls()["directory"]
    again = await listed(demo_gateway, {"department": "PLANNING", "titleWords": ["planning"]})
    assert again == first and demo_gateway.calls()["directory"] == calls
    other = await listed(demo_gateway, {"department": "Finance", "titleWords": ["planning"]})
    assert other != first and demo_gateway.calls()["directory"] == calls + 1


# -- headcount --------------------------------------------------------------------------


def lines_with_one_suppressed(cells: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    width = len(cells[0]["values"])
    bad = []
    for axis in range(width):
        lines: dict[tuple[Any, ...], list[bool]] = defaultdict(list)
        for c in cells:
            v = c["values"]
            lines[tuple(v[:axis] + v[axis + 1 :])].append(c["suppressed"])
        bad += [k for k, s in lines.items() if sum(s) == 1]
    return bad


async def test_headcount_by_department_and_working_pattern(
    demo_gateway: Gateway, council: Council
) -> None:
    people = staff(council)
    truth = Counter((p["department"], hr_value(p, "workingPattern")) for p in people.values())
    body = await demo_gateway.query(HEADCOUNT, {"by": ["DEPARTMENT", "WORKING_PATTERN"]})
    assert "errors" not in body, body
    table = body["data"]["headcount"]
    assert table["total"] == len(people) and table["threshold"] == 5
    cells = table["cells"]
    assert {tuple(c["values"]) for c in cells} == set(truth)
    for cell in cells:
        n = truth[tuple(cell["values"])]
        if n < 5:
            assert cell["suppressed"] and cell["count"] is None
        if cell["suppressed"]:
            assert cell["count"] is None and cell["label"] == "fewer than 5"
        else:
            assert cell["count"] == n and cell["label"] == str(n) and n >= 5
    assert any(c["suppressed"] and truth[tuple(c["values"])] >= 5 for c in cells)  # complements
    assert lines_with_one_suppressed(cells) == []


async def test_headcount_filtered_small_total_is_suppressed(
    demo_gateway: Gateway, council: Council
) -> None:
    people = staff(council)
    filter = {"department": "Housing", "workStyle": "Home based"}
    n = sum(
        p["department"] == "Housing" and hr_value(p, "workStyle") == "Home based"
        for p in people.values()
    )
    body = await demo_gateway.query(HEADCOUNT, {"by": ["WORK_LOCATION"], "filter": filter})
    table = body["data"]["headcount"]
    if n < 5:
        assert table["total"] is None and table["totalSuppressed"]
        assert all(c["suppressed"] for c in table["cells"])
    else:
        assert table["total"] == n


async def test_headcount_by_grade_is_for_the_hr_role_only(
    demo_gateway: Gateway, council: Council
) -> None:
    body = await demo_gateway.query(HEADCOUNT, {"by": ["GRADE"]}, user=STAFF)
    (error,) = body["errors"]
    assert error["extensions"]["reason"] == "NOT_ALLOWED"
    assert error["extensions"]["field"] == "by.grade"
    body = await demo_gateway.query(
        HEADCOUNT, {"by": ["WORK_STYLE"], "filter": {"grade": "SO1"}}, user=STAFF
    )
    assert body["errors"][0]["extensions"]["field"] == "filter.grade"
    body = await demo_gateway.query(HEADCOUNT, {"by": ["GRADE"]}, user=HR_MEMBER)
    assert "errors" not in body, body
    truth = Counter(hr_value(p, "grade") for p in staff(council).values())
    shown = {c["values"][0]: c["count"] for c in body["data"]["headcount"]["cells"]}
    assert {k for k, v in shown.items() if v is not None} == {
        k for k, v in truth.items() if v >= 5
    } - {k for k, v in shown.items() if v is None}
    assert all(shown[k] == truth[k] for k in shown if shown[k] is not None)


async def test_headcount_refuses_bad_dimensions(demo_gateway: Gateway) -> None:
    for by in (
        [],
        ["WORK_STYLE", "WORK_STYLE"],
        ["DEPARTMENT", "WORK_STYLE", "GRADE", "WORK_LOCATION"],
    ):
        body = await demo_gateway.query(HEADCOUNT, {"by": by}, user=HR_MEMBER)
        assert body["errors"][0]["extensions"]["field"] == "by"


def test_suppression_protects_a_lone_small_cell_in_every_line() -> None:
    counts = {("a",): 10, ("b",): 3, ("c",): 7, ("d",): 20}
    assert suppress(counts) == {("b",), ("c",)}  # the total would give b away: c too
    assert suppress({("a",): 10, ("b",): 9}) == set()
    assert suppress({("a",): 2, ("b",): 1}) == {("a",), ("b",)}
    table = {
        ("x", "p"): 3, ("x", "q"): 8, ("x", "r"): 9,
        ("y", "p"): 6, ("y", "q"): 7, ("y", "r"): 12,
    }  # fmt: skip
    hidden = suppress(table)
    # Row x and column p each need a second withheld cell: (x, q) and (y, p), and then
    # row y and column q need theirs too: (y, q).
    assert hidden == {("x", "p"), ("x", "q"), ("y", "p"), ("y", "q")}


async def test_a_grade_filter_by_hr_is_audited_per_person_matched(
    demo_gateway: Gateway, council: Council
) -> None:
    people = staff(council)
    matched = {p["guid"] for p in people.values() if hr_value(p, "grade") == "PO4"}
    async with demo_gateway.client(HR_MEMBER) as client:
        response = await client.post(
            "/graphql", json={"query": PEOPLE, "variables": {"filter": {"grade": "PO4"}}}
        )
    assert "errors" not in response.json()
    request_id = response.headers["X-Request-Id"]
    rows = await demo_gateway.upstreams.social.audit.rows(newest_first=True, limit=1000)
    mine = [r for r in rows if r.request_id == request_id]
    assert {r.subject for r in mine} == matched - {people[HR_MEMBER]["guid"]}
    assert {(r.record, r.role, r.operation) for r in mine} == {("grade", "hr", "read")}


async def test_refusals_are_logged_at_info_without_a_traceback(
    demo_gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = await demo_gateway.query(HEADCOUNT, {"by": ["GRADE"]}, user=STAFF)
    assert body["errors"][0]["extensions"]["reason"] == "NOT_ALLOWED"
    body = await demo_gateway.query(PEOPLE, {"filter": {"group": "No Such Group"}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    records = caplog.records
    assert not [r for r in records if r.levelno >= logging.WARNING], caplog.text
    assert not [r for r in records if r.exc_info or r.stack_info], caplog.text
    requests = [r.getMessage() for r in records if r.name == "townhall.requests"]
    assert len([m for m in requests if "errors=1" in m]) >= 2, requests


async def test_a_warmed_hr_cache_answers_a_whole_population_filter_without_hr(
    demo_gateway: Gateway, council: Council
) -> None:
    settings = demo_gateway.settings
    cached = await warm_hr(demo_gateway.upstreams, settings.cache, settings.hr.join)
    users = json.loads((council.root / "hr" / "users.json").read_text(encoding="utf-8"))
    assert cached == len(users) > 1000
    before = demo_gateway.calls()["hr"]
    found = await listed(demo_gateway, {"workStyle": "Home based"})
    assert found and demo_gateway.calls()["hr"] == before  # every record came from the cache
