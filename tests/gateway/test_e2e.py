"""Townhall end to end: HTTP through uvicorn, against real scim2-server and wsgidav."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import re
from pathlib import Path
from typing import Any

import ldap3
import pytest
from servers import Council, parse_ldif
from servers.samba import SambaDC

from connectors.directory import DirectoryGroup, normalise_dn
from gateway import static
from gateway.settings import Settings

from .conftest import Gateway, base_settings, serve

README = Path(__file__).resolve().parents[2] / "README.md"

PEOPLE_WITH_MANAGERS = """
query Hundred($first: Int!) {
  people(first: $first) {
    totalCount
    nodes {
      displayName
      manager { displayName }
      employment { grade jobTitle }
    }
  }
}
"""


def readme_queries() -> list[str]:
    return re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def person(council: Council, account: str) -> dict[str, Any]:
    return next(p for p in council.people if p["sAMAccountName"] == account)


def group_members(council: Council, group: str) -> list[str]:
    """Account names of a group's direct user members, read from the LDIF."""
    entries = {e.dn.lower(): e for e in parse_ldif(council.ldif)}

    def values(entry: Any, name: str) -> list[str]:
        return [v.decode() for v in entry.attrs.get(name.lower(), [])]

    group_entry = next(
        e
        for e in entries.values()
        if e.first("cn") == group and "group" in values(e, "objectClass")
    )
    members = [entries.get(dn.lower()) for dn in values(group_entry, "member")]
    return [
        m.first("sAMAccountName")
        for m in members
        if m is not None and "user" in values(m, "objectClass")
    ]


async def test_a_started_gateway_tunes_the_garbage_collector(demo_gateway: Gateway) -> None:
    threshold = demo_gateway.settings.server.gc_threshold
    assert threshold and gc.get_threshold() == (threshold, 20, 20)
    assert gc.get_freeze_count() > 10_000  # the start-up objects, out of the collector's way


async def test_graphiql_is_served(demo_gateway: Gateway) -> None:
    async with demo_gateway.client() as client:
        response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def _check_me(data: dict[str, Any]) -> None:
    me = data["me"]
    assert me["displayName"] == "Alex Morgan" and me["manager"] and me["directReports"]
    assert me["employment"]["grade"]  # his own grade: visible to himself
    assert all(r["employment"]["grade"] for r in me["directReports"])  # and to his line


def _check_planners(data: dict[str, Any]) -> None:
    people = data["people"]
    assert people["totalCount"] > 0 and people["edges"]
    for edge in people["edges"]:
        node = edge["node"]
        text = " ".join(
            filter(None, [node["displayName"], node["title"], node["department"], node["office"]])
        )
        assert "planning" in text.lower() and "officer" in text.lower()


def _check_documents(data: dict[str, Any]) -> None:
    documents = data["documents"]
    assert documents["totalCount"] > 0
    assert all(d["path"].startswith("Planning/") and d["author"] for d in documents["nodes"])


def _check_follow(data: dict[str, Any]) -> None:
    result = data["followPerson"]
    assert result["__typename"] == "FollowSuccess"
    assert result["person"]["displayName"] == "Priya Shah" and result["person"]["viewerIsFollowing"]


def _check_team(data: dict[str, Any]) -> None:
    group = data["group"]
    assert group["name"] == "Staff - Planning" and group["guid"]
    members = group["members"]
    assert members["totalCount"] > 5 and len(members["nodes"]) == 5
    assert all(m["displayName"] for m in members["nodes"])


def _check_audit(data: dict[str, Any]) -> None:
    log = data["auditLog"]
    assert isinstance(log["edges"], list) and "hasNextPage" in log["pageInfo"]
    assert all(e["node"]["record"] and e["node"]["requestId"] for e in log["edges"])


def _check_export(data: dict[str, Any]) -> None:
    answer = data["exportPersonData"]
    assert answer["__typename"] == "ExportPersonDataSuccess", answer
    assert "/exports/" in answer["downloadUrl"] and answer["person"]["displayName"]
    assert any(s["name"] == "comments" and s["rows"] for s in answer["sections"])


def _check_part_time(data: dict[str, Any]) -> None:
    people = data["people"]
    nodes = [e["node"] for e in people["edges"]]
    assert people["totalCount"] == len(nodes) > 0
    assert all(n["employment"]["workingPattern"].casefold() == "part time" for n in nodes)


def _check_headcount(data: dict[str, Any]) -> None:
    table = data["headcount"]
    assert table["total"] and table["cells"]
    assert all((c["count"] is None) == c["suppressed"] for c in table["cells"])
    assert all(c["count"] is None or c["count"] >= 5 for c in table["cells"])


README_CHECKS = {
    "PartTimeInHousing": _check_part_time,
    "HousingByPattern": _check_headcount,
    "WhoReadPriya": _check_audit,
    "ExportPriya": _check_export,
    "PlanningTeam": _check_team,
    "Me": _check_me,
    "FindPlanners": _check_planners,
    "PlanningDocuments": _check_documents,
    "Follow": _check_follow,
}


# Examples the README says to run as someone else (the header it names).
README_USERS = {"WhoReadPriya": "abena.oyelaran", "ExportPriya": "abena.oyelaran"}


@pytest.mark.parametrize("name", sorted(README_CHECKS))
async def test_readme_examples_work_as_pasted(demo_gateway: Gateway, name: str) -> None:
    [query] = [q for q in readme_queries() if re.match(rf"(query|mutation) {name}\b", q)]
    body = await demo_gateway.query(query, user=README_USERS.get(name))
    assert "errors" not in body, body.get("errors")
    README_CHECKS[name](body["data"])


def test_graphiql_opens_with_the_readme_examples() -> None:
    """The tabs GraphiQL opens with are the README's examples, as pasted, each run as the
    person the README names (the demo persona otherwise)."""
    examples = json.loads(static.EXAMPLES_FILE.read_text(encoding="utf-8"))["examples"]
    assert [e["query"] for e in examples] == readme_queries()
    assert {e["name"]: e.get("user") for e in examples if e.get("user")} == README_USERS
    tabs = static.example_tabs(True, "alex.morgan")
    assert [json.loads(t["headers"])["X-Townhall-User"] for t in tabs] == [
        README_USERS.get(e["name"], "alex.morgan") for e in examples
    ]
    assert all("headers" not in t for t in static.example_tabs(False, ""))


def test_every_readme_example_is_checked() -> None:
    names = [re.match(r"(?:query|mutation) (\w+)", q).group(1) for q in readme_queries()]  # type: ignore[union-attr]
    assert sorted(names) == sorted(README_CHECKS)


async def test_me_is_the_demo_persona(demo_gateway: Gateway) -> None:
    body = await demo_gateway.query("{ me { accountName displayName title department } }")
    assert body["data"]["me"]["accountName"] == "alex.morgan"
    assert body["data"]["me"]["department"] == "IT and Digital"


async def test_sign_in_as_someone_else_and_refuse_strangers(demo_gateway: Gateway) -> None:
    body = await demo_gateway.query("{ me { accountName } }", user="priya.shah")
    assert body["data"]["me"]["accountName"] == "priya.shah"
    async with demo_gateway.client("nobody.here") as client:
        response = await client.post("/graphql", json={"query": "{ me { accountName } }"})
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_leavers_cannot_sign_in_and_are_hidden_from_search(
    demo_gateway: Gateway, council: Council
) -> None:
    leaver = next(p for p in council.people if not p["enabled"] and p["hasAd"] and p["hasHr"])
    async with demo_gateway.client(leaver["sAMAccountName"]) as client:
        response = await client.post("/graphql", json={"query": "{ me { accountName } }"})
    assert response.status_code == 403
    query = "query($s: String!, $l: Boolean!) { people(search: $s, includeLeavers: $l) { nodes { accountName isActive } } }"
    hidden = await demo_gateway.query(query, {"s": leaver["displayName"], "l": False})
    shown = await demo_gateway.query(query, {"s": leaver["displayName"], "l": True})
    assert leaver["sAMAccountName"] not in str(hidden["data"])
    assert {"accountName": leaver["sAMAccountName"], "isActive": False} in shown["data"]["people"][
        "nodes"
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ('{ person(id: "not-an-id") { displayName } }', "id"),
        ("{ people(first: 1000) { totalCount } }", "first"),
        ('{ people(after: "garbage") { totalCount } }', "after"),
        ('{ document(id: "UGVyc29uOng") { title } }', "id"),
    ],
)
async def test_bad_input_gets_a_clear_error(demo_gateway: Gateway, query: str, field: str) -> None:
    body = await demo_gateway.query(query)
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}


async def test_follow_and_unfollow_a_person(demo_gateway: Gateway, council: Council) -> None:
    target = person(council, "priya.shah")
    lookup = await demo_gateway.query(
        '{ people(search: "Priya Shah") { nodes { id accountName followerCount viewerIsFollowing } } }',
        user="helen.carter",
    )
    node = next(
        n for n in lookup["data"]["people"]["nodes"] if n["accountName"] == target["sAMAccountName"]
    )
    before = node["followerCount"]
    mutation = """
      mutation($id: ID!) { followPerson(personId: $id) {
        __typename ... on FollowSuccess { changed person { followerCount viewerIsFollowing } } } }
    """
    undo = mutation.replace("followPerson", "unfollowPerson")
    if node["viewerIsFollowing"]:
        await demo_gateway.query(undo, {"id": node["id"]}, user="helen.carter")
        before -= 1
    first = await demo_gateway.query(mutation, {"id": node["id"]}, user="helen.carter")
    assert first["data"]["followPerson"] == {
        "__typename": "FollowSuccess",
        "changed": True,
        "person": {"followerCount": before + 1, "viewerIsFollowing": True},
    }
    again = await demo_gateway.query(mutation, {"id": node["id"]}, user="helen.carter")
    assert again["data"]["followPerson"]["changed"] is False
    followers = await demo_gateway.query(
        "{ me { following(first: 100) { nodes { accountName } } } }", user="helen.carter"
    )
    assert target["sAMAccountName"] in str(followers["data"])
    gone = await demo_gateway.query(undo, {"id": node["id"]}, user="helen.carter")
    assert gone["data"]["unfollowPerson"]["person"] == {
        "followerCount": before,
        "viewerIsFollowing": False,
    }


async def test_following_yourself_or_nobody_is_a_typed_error(demo_gateway: Gateway) -> None:
    me = await demo_gateway.query("{ me { id } }")
    mutation = "mutation($id: ID!) { followPerson(personId: $id) { __typename } }"
    own = await demo_gateway.query(mutation, {"id": me["data"]["me"]["id"]})
    assert own["data"]["followPerson"]["__typename"] == "NotAllowedError"
    ghost = await demo_gateway.query(
        mutation, {"id": "UGVyc29uOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA"}
    )
    assert ghost["data"]["followPerson"]["__typename"] == "NotFoundError"


async def test_restricted_hr_fields_follow_the_management_chain(
    demo_gateway: Gateway, council: Council
) -> None:
    query = """query($s: String!) { people(search: $s, first: 5) { nodes {
        accountName employment { grade fte jobTitle workingPattern } } } }"""
    subject = person(council, "priya.shah")
    chain = []
    current = subject
    while current.get("managerSAM"):
        current = person(council, current["managerSAM"])
        chain.append(current["sAMAccountName"])
    outsider = next(
        p["sAMAccountName"]
        for p in council.people
        if p["enabled"] and p["hasHr"] and p["department"] == "Finance" and p["role"] == "officer"
    )

    async def view(viewer: str) -> dict[str, Any]:
        body = await demo_gateway.query(query, {"s": subject["displayName"]}, user=viewer)
        return next(n for n in body["data"]["people"]["nodes"] if n["accountName"] == "priya.shah")[
            "employment"
        ]

    own = await view("priya.shah")
    assert own["grade"] and own["fte"] is not None
    for manager in chain:  # the whole chain, up to the chief executive
        assert (await view(manager))["grade"] == own["grade"]
    stranger = await view(outsider)
    assert stranger["grade"] is None and stranger["fte"] is None
    assert (
        stranger["jobTitle"] == own["jobTitle"]
        and stranger["workingPattern"] == own["workingPattern"]
    )


async def test_confidential_documents_are_trimmed(demo_gateway: Gateway, council: Council) -> None:
    folder = "HR and Organisational Development/Confidential"
    query = "query($f: String!) { documents(folder: $f) { totalCount nodes { id path } } }"
    insiders = group_members(council, "HR Confidential")
    assert insiders
    inside = await demo_gateway.query(query, {"f": folder}, user=insiders[0])
    outside = await demo_gateway.query(query, {"f": folder}, user="alex.morgan")
    assert inside["data"]["documents"]["totalCount"] > 0
    assert outside["data"]["documents"]["totalCount"] == 0
    doc_id = inside["data"]["documents"]["nodes"][0]["id"]
    lookup = "query($id: ID!) { document(id: $id) { path } node(id: $id) { id } }"
    assert (await demo_gateway.query(lookup, {"id": doc_id}, user=insiders[0]))["data"]["document"]
    hidden = await demo_gateway.query(lookup, {"id": doc_id}, user="alex.morgan")
    assert hidden == {"data": {"document": None, "node": None}}


async def test_a_person_has_their_documents_and_a_photo(demo_gateway: Gateway) -> None:
    body = await demo_gateway.query(
        '{ people(search: "Priya Shah") { nodes { accountName photoUrl documents(first: 50) { totalCount nodes { title author { accountName } } } } } }'
    )
    node = next(n for n in body["data"]["people"]["nodes"] if n["accountName"] == "priya.shah")
    titles = [d["title"] for d in node["documents"]["nodes"]]
    assert any("Local Plan 2026" in t for t in titles)
    assert {d["author"]["accountName"] for d in node["documents"]["nodes"]} == {"priya.shah"}
    async with demo_gateway.client() as client:
        photo = await client.get(node["photoUrl"])
        assert photo.status_code == 200 and photo.content.startswith(b"\x89PNG")
        again = await client.get(node["photoUrl"], headers={"If-None-Match": photo.headers["etag"]})
        assert again.status_code == 304
        forged = await client.get(node["photoUrl"].replace("sig=", "sig=0"))
        assert forged.status_code == 403


async def _count_calls(
    gateway: Gateway, query: str, variables: dict[str, Any], user: str
) -> tuple[dict[str, int], dict[str, Any]]:
    await gateway.clear_cache()
    before = gateway.calls()
    body = await gateway.query(query, variables, user=user)
    after = gateway.calls()
    return {k: after[k] - before[k] for k in after}, body


@pytest.fixture(params=["demo_gateway", pytest.param("ad_gateway", marks=pytest.mark.samba)])
def either_gateway(request: pytest.FixtureRequest) -> Gateway:
    """The gateway on the embedded directory, then on the real Samba AD DC."""
    gateway: Gateway = request.getfixturevalue(request.param)
    return gateway


async def test_a_hundred_people_with_managers_and_grades_cost_a_few_calls(
    either_gateway: Gateway,
) -> None:
    gateway = either_gateway
    cold, body = await _count_calls(gateway, PEOPLE_WITH_MANAGERS, {"first": 100}, "helen.carter")
    assert "errors" not in body, body.get("errors")
    nodes = body["data"]["people"]["nodes"]
    assert len(nodes) == 100
    assert sum(1 for n in nodes if n["manager"]) >= 95
    # The chief executive sees every grade: the whole chain walk ran for each person.
    assert sum(1 for n in nodes if n["employment"] and n["employment"]["grade"]) >= 90
    # One search for the list, one per level of managers (the chain walk to the top is
    # about six levels), one for the viewer's groups; HR: 100 keys in batches of 50.
    assert cold["directory"] <= 12, cold
    assert cold["hr"] <= 2, cold
    before = gateway.calls()
    warm = await gateway.query(PEOPLE_WITH_MANAGERS, {"first": 100}, user="helen.carter")
    assert warm == body
    assert gateway.calls() == before  # everything from the cache


async def test_a_dead_hr_system_blanks_only_hr_fields(
    council: Council, scim_server: Any, webdav_server: Any, tmp_path: Path
) -> None:
    settings: Settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.hr.url = "http://127.0.0.1:9/scim/v2"  # the discard port: nothing listens
    async with serve(settings) as gateway:
        body = await gateway.query(
            "{ me { displayName manager { displayName } employment { jobTitle } } }"
        )
    assert body["data"]["me"]["displayName"] and body["data"]["me"]["manager"]
    assert body["data"]["me"]["employment"] is None
    [error] = body["errors"]
    assert error["path"] == ["me", "employment"]
    assert error["extensions"] == {
        "code": "SOURCE_UNAVAILABLE",
        "source": "hr",
        "reason": "unavailable",
    }
    assert "127.0.0.1" not in str(body) and "scim" not in error["message"].lower()


async def test_a_warmed_directory_answers_lists_without_searching(
    council: Council, scim_server: Any, webdav_server: Any, tmp_path: Path
) -> None:
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.cache.warm_directory = "startup"
    async with serve(settings) as gateway:
        before = gateway.calls()
        body = await gateway.query(PEOPLE_WITH_MANAGERS, {"first": 100}, user="helen.carter")
        after = gateway.calls()
    assert "errors" not in body and len(body["data"]["people"]["nodes"]) == 100
    # Only the viewer's groups (for the HR-role check: one search per nesting level,
    # three in the sample council) were not part of the warm-up.
    assert after["directory"] - before["directory"] <= 3


async def test_query_limits_hold(demo_gateway: Gateway) -> None:
    deep = "{ me { " + "manager { " * 14 + "displayName" + " }" * 14 + " } }"
    body = await demo_gateway.query(deep)
    assert "data" not in body or body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "QUERY_TOO_DEEP", "depth": 16, "limit": 12}
    aliases = "{ " + " ".join(f"a{i}: me {{ displayName }}" for i in range(40)) + " }"
    body = await demo_gateway.query(aliases)
    assert body["errors"][0]["extensions"]["code"] == "TOO_MANY_ALIASES"
    assert "aliases" in body["errors"][0]["message"].lower()
    fine = await demo_gateway.query("{ me { manager { manager { displayName } } } }")
    assert "errors" not in fine


async def test_management_chain_and_colleagues(demo_gateway: Gateway, council: Council) -> None:
    body = await demo_gateway.query(
        '{ people(search: "Priya Shah") { nodes { accountName managementChain { accountName }'
        " colleagues { accountName } } } }"
    )
    node = next(n for n in body["data"]["people"]["nodes"] if n["accountName"] == "priya.shah")
    expected_chain = []
    current = person(council, "priya.shah")
    while current["managerSAM"]:
        current = person(council, current["managerSAM"])
        expected_chain.append(current["sAMAccountName"])
    assert [p["accountName"] for p in node["managementChain"]] == expected_chain
    assert expected_chain[-1] == "helen.carter"
    manager = person(council, "priya.shah")["managerSAM"]
    expected_team = {
        p["sAMAccountName"] for p in council.people
        if p["managerSAM"] == manager and p["enabled"] and p["hasAd"] and p["sAMAccountName"] != "priya.shah"
    }  # fmt: skip
    assert {p["accountName"] for p in node["colleagues"]} == expected_team and expected_team


async def test_hr_sees_hr_records_no_account_joins(demo_gateway: Gateway, council: Council) -> None:
    query = (
        "{ hrRecordsWithoutAccount(first: 50) { totalCount nodes { employeeNumber startDate } } }"
    )
    insider = group_members(council, "HR Confidential")[0]
    body = await demo_gateway.query(query, user=insider)
    expected = {p["employeeID"] for p in council.people if p["hasHr"] and not p["hasAd"]}
    found = {n["employeeNumber"] for n in body["data"]["hrRecordsWithoutAccount"]["nodes"]}
    assert found == expected and len(expected) == 5
    refused = await demo_gateway.query(query, user="alex.morgan")
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"] == {"code": "FORBIDDEN"}


def test_the_readme_client_recipe_is_the_tested_script() -> None:
    """The README's typed-client recipe is client/examples/department_csv.py's code, which
    tests/gateway/test_client.py runs against the demo gateway."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    (recipe,) = [b for b in blocks if "TownhallClient" in b]
    script = (README.parent / "client" / "examples" / "department_csv.py").read_text("utf-8")
    assert recipe.strip() in script


@pytest.mark.samba
async def test_group_members_leave_leavers_out_unless_asked(
    ad_gateway: Gateway, samba: SambaDC, council: Council
) -> None:
    """A disabled account often stays in its groups: it is a member, but a leaver."""
    group = council.groups["Staff - Adult Social Care"].dn
    leaver = next(
        p for p in council.people
        if p["hasAd"] and not p["enabled"] and p["department"] == "Adult Social Care"
    )  # fmt: skip
    leaver_dn = next(
        e.dn for e in council.entries if e.first("sAMAccountName") == leaver["sAMAccountName"]
    )
    query = """query($all: Boolean!, $after: String) { group(name: "Staff - Adult Social Care") {
      members(first: 100, after: $after, includeLeavers: $all) {
        totalCount pageInfo { hasNextPage endCursor } nodes { accountName isActive } } } }"""

    async def members(everyone: bool) -> tuple[int, list[dict[str, Any]]]:
        nodes: list[dict[str, Any]] = []
        after = None
        while True:
            body = await ad_gateway.query(query, {"all": everyone, "after": after})
            assert "errors" not in body, body
            page = body["data"]["group"]["members"]
            nodes += page["nodes"]
            if not page["pageInfo"]["hasNextPage"]:
                return page["totalCount"], nodes
            after = page["pageInfo"]["endCursor"]

    admin = samba.admin_connection()
    assert admin.modify(group, {"member": [(ldap3.MODIFY_ADD, [leaver_dn])]}), admin.result
    try:
        await ad_gateway.clear_cache()
        (current_count, current), (all_count, everyone) = await members(False), await members(True)
    finally:
        admin.modify(group, {"member": [(ldap3.MODIFY_DELETE, [leaver_dn])]})
        admin.unbind()
        await ad_gateway.clear_cache()
    assert {"accountName": leaver["sAMAccountName"], "isActive": False} in everyone
    assert all(n["isActive"] for n in current) and len(current) == current_count > 100
    assert all_count == current_count + 1 and len(everyone) == all_count


async def test_a_client_leaving_mid_request_is_no_server_error(
    demo_gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    host, port = demo_gateway.url.removeprefix("http://").split(":")
    for _ in range(3):
        _, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            b"POST /graphql HTTP/1.1\r\nHost: townhall\r\nContent-Type: application/json\r\n"
            b'X-Townhall-User: alex.morgan\r\nContent-Length: 1000\r\n\r\n{"query": "{ me'
        )
        await writer.drain()
        writer.close()  # gone before the body is complete
        await writer.wait_closed()
    await asyncio.sleep(0.5)
    body = await demo_gateway.query("{ me { displayName } }")
    assert body["data"]["me"]["displayName"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


async def test_the_viewers_groups_are_read_from_the_start_of_a_request(
    demo_gateway: Gateway, council: Council
) -> None:
    """Access checks need them: they are fetched beside the query, even one not asking."""
    viewer = next(e.dn for e in council.entries if e.first("sAMAccountName") == "alan.thompson")
    cache = demo_gateway.upstreams.cache
    await cache.delete("groups", [normalise_dn(viewer)])
    body = await demo_gateway.query("{ me { displayName } }", user="alan.thompson")
    assert body["data"]["me"]["displayName"]
    for _ in range(100):
        [entry] = await cache.get_many("groups", [normalise_dn(viewer)], list[DirectoryGroup])
        if entry is not None:
            break
        await asyncio.sleep(0.1)
    assert entry is not None and "All Staff" in {g.name for g in entry.record or []}


async def test_a_person_by_account_name_or_upn(demo_gateway: Gateway) -> None:
    query = "query($id: ID, $a: String) { person(id: $id, account: $a) { id accountName } }"
    by_account = await demo_gateway.query(query, {"a": "priya.shah"})
    by_upn = await demo_gateway.query(query, {"a": "PRIYA.SHAH@northshire.test"})
    person = by_account["data"]["person"]
    assert person["accountName"] == "priya.shah"
    assert by_upn["data"]["person"] == person
    by_id = await demo_gateway.query(query, {"id": person["id"]})
    assert by_id["data"]["person"] == person
    assert (await demo_gateway.query(query, {"a": "no.such.person"}))["data"]["person"] is None
    for variables in ({}, {"id": person["id"], "a": "priya.shah"}, {"a": " "}, {"a": "x" * 300}):
        refused = await demo_gateway.query(query, variables)
        assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", variables
