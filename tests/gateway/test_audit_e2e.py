"""The audit trail end to end: a gateway served over HTTP against the real scim2-server and
wsgidav writes one append per request of restricted reads (HR fields read by the chain or
by HR, HR records without an account, moderation), none for one's own fields; `auditLog`
answers the data-protection group only and records its own reading; `townhall audit
verify` passes on the gateway's database file and fails, naming the row, once a row is
changed, deleted or added behind its back; and a request whose reads cannot be recorded
is answered without its data."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from servers import Council

from connectors.social.audit import AuditRow
from schema.ids import global_id, parse_global_id
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import Gateway, base_settings, serve
from .test_hr_privacy import by_account, cast, chain

DP_GROUP = "Data Protection Champions"  # the tests' data-protection group
MODERATOR = "sam.whitfield"  # in Townhall Moderators
TOWNHALL = Path(sys.executable).with_name("townhall")

EMPLOYMENT = "query($id: ID!) { person(id: $id) { employment { grade fte jobTitle } } }"
AUDIT_LOG = """
query($subject: String, $viewer: String, $first: Int!, $after: String) {
  auditLog(subject: $subject, viewer: $viewer, first: $first, after: $after) {
    edges { cursor node { at viewerId viewer { accountName } subjectId subject { accountName }
                         record role operation requestId } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def members(council: Council, group: str) -> list[str]:
    dns = {m.decode().casefold() for m in council.groups[group].attrs.get("member", [])}
    return sorted(n for n, entry in council.users.items() if entry.dn.casefold() in dns)


@pytest.fixture(scope="module")
async def gateway(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    settings = base_settings(council, scim_server, webdav_server, tmp_path_factory.mktemp("a"))
    settings.access.data_protection_groups = [DP_GROUP]
    async with serve(settings) as served:
        yield served


def database(gateway: Gateway) -> Path:
    return Path(gateway.settings.social.database_url.split("///", 1)[1])


async def run(
    gateway: Gateway, query: str, variables: dict[str, Any] | None = None, *, user: str
) -> tuple[dict[str, Any], str]:
    """The answer and the gateway's request id."""
    async with gateway.client(user) as client:
        response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body, response.headers["X-Request-Id"]


async def written(gateway: Gateway, request_id: str) -> list[AuditRow]:
    rows = await gateway.upstreams.social.audit.rows(newest_first=True, limit=1000)
    return sorted((r for r in rows if r.request_id == request_id), key=lambda r: r.id)


def guid(council: Council, account: str) -> str:
    return str(by_account(council)[account]["guid"])


async def test_hr_reading_a_list_writes_one_append_with_role_hr(
    gateway: Gateway, council: Council
) -> None:
    hr = cast(council)["hr"]
    query = "{ people(first: 30) { nodes { id employment { grade fte jobTitle } } } }"
    body, request_id = await run(gateway, query, user=hr)
    assert "errors" not in body, body
    graded = {
        parse_global_id(p["id"], "Person")[1]
        for p in body["data"]["people"]["nodes"]
        if p["employment"] and p["employment"]["grade"]
    }
    graded.discard(guid(council, hr))  # one's own fields are not audited
    assert len(graded) > 10
    rows = await written(gateway, request_id)
    assert {(r.subject, r.record) for r in rows} == {
        (g, f) for g in graded for f in ("grade", "fte")
    }  # jobTitle is for all staff: not audited
    # The role that allowed each read: the line-management chain where the HR member is in
    # it, else HR.
    people = by_account(council)
    account = {str(p["guid"]): name for name, p in people.items()}
    expected_roles = {
        g: "manager_chain" if hr in chain(people, account[g]) else "hr" for g in graded
    }
    assert {r.subject: r.role for r in rows} == expected_roles
    assert "hr" in expected_roles.values()
    assert {(r.viewer, r.operation) for r in rows} == {(guid(council, hr), "read")}
    # One append: one transaction's time, consecutive places in the chain.
    assert len({r.at for r in rows}) == 1
    assert [r.id for r in rows] == list(range(rows[0].id, rows[0].id + len(rows)))


async def test_the_chain_role_is_recorded_and_repeated_reads_are_one_row(
    gateway: Gateway, council: Council
) -> None:
    roles = cast(council)
    subject = guid(council, roles["subject"])
    twice = (
        "query($id: ID!) { a: person(id: $id) { employment { grade } }"
        " b: person(id: $id) { employment { grade contractType } } }"
    )
    body, request_id = await run(
        gateway, twice, {"id": global_id("Person", subject)}, user=roles["grand_manager"]
    )
    assert body["data"]["a"]["employment"]["grade"], body
    rows = await written(gateway, request_id)
    assert sorted((r.subject, r.record, r.role) for r in rows) == [
        (subject, "contractType", "manager_chain"),
        (subject, "grade", "manager_chain"),
    ]


async def test_reading_ones_own_or_nothing_restricted_writes_nothing(
    gateway: Gateway, council: Council
) -> None:
    roles = cast(council)
    subject = global_id("Person", guid(council, roles["subject"]))
    before = await gateway.upstreams.social.audit.rows(newest_first=True, limit=1)
    own, own_id = await run(gateway, EMPLOYMENT, {"id": subject}, user=roles["subject"])
    assert own["data"]["person"]["employment"]["grade"]  # seen, not audited
    stranger, stranger_id = await run(gateway, EMPLOYMENT, {"id": subject}, user=roles["stranger"])
    assert stranger["data"]["person"]["employment"]["grade"] is None
    assert await written(gateway, own_id) == []
    assert await written(gateway, stranger_id) == []
    assert await gateway.upstreams.social.audit.rows(newest_first=True, limit=1) == before


async def test_hr_records_without_an_account_are_audited_per_record(
    gateway: Gateway, council: Council
) -> None:
    hr = cast(council)["hr"]
    query = "{ hrRecordsWithoutAccount(first: 5) { nodes { employeeNumber userName } } }"
    body, request_id = await run(gateway, query, user=hr)
    assert "errors" not in body, body
    shown = [
        r["employeeNumber"] or r["userName"]
        for r in body["data"]["hrRecordsWithoutAccount"]["nodes"]
    ]
    assert shown
    rows = await written(gateway, request_id)
    assert [(r.subject, r.record, r.role) for r in rows] == [
        (s, "hrRecordsWithoutAccount", "hr") for s in shown
    ]


async def test_moderating_others_content_is_audited(gateway: Gateway, council: Council) -> None:
    roles = cast(council)
    author, reporter = roles["stranger"], roles["manager"]
    add = (
        "mutation($input: AddCommentInput!) { addComment(input: $input) {"
        " ... on CommentSuccess { comment { id } } } }"
    )
    target = global_id("Person", guid(council, roles["subject"]))
    added, _ = await run(gateway, add, {"input": {"targetId": target, "body": "rude"}}, user=author)
    comment = added["data"]["addComment"]["comment"]["id"]
    report = (
        "mutation($input: ReportInput!) { reportItem(input: $input) {"
        " ... on ReportSuccess { report { id } } } }"
    )
    filed, _ = await run(
        gateway, report, {"input": {"itemId": comment, "reason": "x"}}, user=reporter
    )
    report_id = parse_global_id(filed["data"]["reportItem"]["report"]["id"], "Report")[1]
    queue, queue_id = await run(
        gateway, "{ moderationQueue { id reporter { accountName } } }", user=MODERATOR
    )
    assert "errors" not in queue, queue
    rows = {(r.subject, r.record, r.role, r.operation) for r in await written(gateway, queue_id)}
    record = f"report:{report_id}"
    assert (guid(council, author), record, "moderator", "read") in rows  # whose content
    assert (guid(council, reporter), record, "moderator", "read") in rows  # who reported
    decide = (
        "mutation($input: DecideReportInput!) { decideReport(input: $input) {"
        " __typename ... on DecideSuccess { settled } } }"
    )
    report_gid = filed["data"]["reportItem"]["report"]["id"]
    done, done_id = await run(
        gateway, decide, {"input": {"reportId": report_gid, "outcome": "HIDE"}}, user=MODERATOR
    )
    assert done["data"]["decideReport"] == {"__typename": "DecideSuccess", "settled": 1}
    assert [
        (r.subject, r.record, r.role, r.operation) for r in await written(gateway, done_id)
    ] == [(guid(council, author), record, "moderator", "hide")]


async def test_the_audit_log_is_for_the_data_protection_group_and_audits_itself(
    gateway: Gateway, council: Council
) -> None:
    roles = cast(council)
    officer = next(m for m in members(council, DP_GROUP) if m not in roles.values())
    subject = guid(council, roles["subject"])
    variables = {"subject": global_id("Person", subject), "first": 50}
    for user in (roles["stranger"], roles["hr"]):
        refused, refused_id = await run(gateway, AUDIT_LOG, variables, user=user)
        assert refused["data"] is None
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert await written(gateway, refused_id) == []
    body, request_id = await run(gateway, AUDIT_LOG, variables, user=officer)
    assert "errors" not in body, body
    nodes = [e["node"] for e in body["data"]["auditLog"]["edges"]]
    assert {n["subjectId"] for n in nodes} == {subject}
    assert {n["subject"]["accountName"] for n in nodes} == {roles["subject"]}
    assert ("grade", "manager_chain", roles["grand_manager"]) in {
        (n["record"], n["role"], n["viewer"]["accountName"]) for n in nodes
    }
    assert nodes == sorted(nodes, key=lambda n: n["at"], reverse=True)  # newest first
    assert [
        (r.viewer, r.subject, r.record, r.role) for r in await written(gateway, request_id)
    ] == [(guid(council, officer), subject, "auditLog", "data_protection")]
    # Keyset pages, and the raw ids recorded work as filters too.
    first, _ = await run(
        gateway, AUDIT_LOG, {"viewer": guid(council, roles["hr"]), "first": 2}, user=officer
    )
    page = first["data"]["auditLog"]
    assert page["pageInfo"]["hasNextPage"] is True
    after = {
        "viewer": guid(council, roles["hr"]),
        "first": 2,
        "after": page["pageInfo"]["endCursor"],
    }
    second, _ = await run(gateway, AUDIT_LOG, after, user=officer)
    seen = [e["cursor"] for e in page["edges"]]
    assert not set(seen) & {e["cursor"] for e in second["data"]["auditLog"]["edges"]}


async def townhall(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        str(TOWNHALL), "audit", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await process.communicate()
    return int(process.returncode or 0), out.decode()


def copy_of(gateway: Gateway, copy: Path, *tampering: str) -> str:
    """A consistent copy of the gateway's database, changed behind Townhall's back."""
    with sqlite3.connect(database(gateway)) as source, sqlite3.connect(copy) as target:
        source.backup(target)
        for statement in tampering:
            target.execute(statement)
    return f"sqlite+aiosqlite:///{copy}"


async def test_townhall_audit_verify_passes_then_names_the_broken_row(
    gateway: Gateway, tmp_path: Path
) -> None:
    url = gateway.settings.social.database_url
    code, out = await townhall("verify", "--database-url", url)
    assert code == 0, out
    assert "audit trail verified" in out
    total = int(out.split("verified: ", 1)[1].split()[0])
    assert total > 20
    head = out.split("head ", 1)[1].split()[0]
    assert (await townhall("verify", "--database-url", url, "--anchor", head))[0] == 0

    changed = copy_of(
        gateway, tmp_path / "changed.db", "DROP TRIGGER audit_log_no_update",
        # A role the row did not have, whatever it had.
        "UPDATE audit_log SET role = role || '-forged' WHERE id = 3",
    )  # fmt: skip
    code, out = await townhall("verify", "--database-url", changed)
    assert code == 1 and "BROKEN at row 3" in out and "changed" in out, out

    deleted = copy_of(
        gateway, tmp_path / "deleted.db", "DROP TRIGGER audit_log_no_delete",
        f"DELETE FROM audit_log WHERE id = {total}",
    )  # fmt: skip
    code, out = await townhall("verify", "--database-url", deleted)
    assert code == 1 and f"BROKEN at row {total}" in out and "missing" in out, out

    code, out = await townhall("verify", "--database-url", f"sqlite+aiosqlite:///{tmp_path}/no.db")
    assert code == 2 and "no database file" in out
    assert not (tmp_path / "no.db").exists()

    code, out = await townhall("list", "--database-url", url, "--limit", "3", "--json")
    assert code == 0 and len(out.splitlines()) == 3 and '"role"' in out


async def test_reads_that_cannot_be_recorded_are_not_answered(
    gateway: Gateway, council: Council
) -> None:
    """Last in this module: it leaves the chain broken."""
    roles = cast(council)
    head = await gateway.upstreams.social.audit.verify()
    with sqlite3.connect(database(gateway)) as db:  # a row added behind Townhall's back
        db.execute(
            "INSERT INTO audit_log VALUES (?, '2026-01-01 00:00:00', 'x', 'y', 'grade', 'hr',"
            " 'read', 'r', ?, ?)",
            (head.rows + 1, "0" * 64, "0" * 64),
        )
    subject = global_id("Person", guid(council, roles["subject"]))
    body, _ = await run(gateway, EMPLOYMENT, {"id": subject}, user=roles["manager"])
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "The answer holds data whose reading must be recorded, and the record "
                "could not be written; try again.",
                "extensions": {"code": "AUDIT_UNAVAILABLE"},
            }
        ],
    }
    # Nothing restricted: answered as ever.
    plain, _ = await run(gateway, "{ me { displayName } }", user=roles["manager"])
    assert plain["data"]["me"]["displayName"]
    code, out = await townhall("verify", "--database-url", gateway.settings.social.database_url)
    assert code == 1 and f"BROKEN at row {head.rows + 1}" in out, out
