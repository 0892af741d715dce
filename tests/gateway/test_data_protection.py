"""Subject access, erasure and retention end to end: a gateway served over HTTP against the
real scim2-server and wsgidav, a seeded person (Priya Shah: comments others replied to,
follows both ways) given reactions, reports, notifications, a profile and mentions.
`townhall sar export` holds every row of hers (counted per table, straight from the
database) and what the directory, HR and the document store show; `exportPersonData`
answers the data-protection group only, with a link that works once; `townhall erase
--dry-run` changes nothing; `townhall erase` leaves nothing personal of hers in a new
export while the threads she was in still read well through the gateway, and a second
erase changes nothing; the retention run purges old deleted comments and erases leavers
gone long enough; one instance claims each day's run."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from servers import Council

from connectors.social import PersonState
from connectors.social.erasure import ERASED_BODY
from gateway.data_protection import SubjectAccess
from gateway.retention import run_if_due, run_retention
from schema.ids import global_id
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import Gateway, base_settings, serve
from .test_audit_e2e import DP_GROUP, EMPLOYMENT, database, members, run

TOWNHALL = Path(sys.executable).with_name("townhall")
PERSON = "priya.shah"  # in the seed: three comments, two of them replied to; follows both ways
REPLIER, THREAD = "ryan.brennan", "c0122"  # wrote the comment Priya replied to (c0124)
THREAD_DOC = "Planning/Plans/Local Plan 2026.md"
HER_SEEDED_TEXTS = ("It applies to agency staff too", "@bethany.bates yes, agreed",
                    "Thanks, that's really helpful.")  # fmt: skip
ABOUT = "Local plan lead; ask me about housing land supply"
EDITED = "Thanks, that's really helpful. I'll update the plan."

# Rows of hers, counted straight from the tables (:p is her GUID).
DIRECT = {
    "profile_fields": "SELECT COUNT(*) FROM profile_fields WHERE person = :p",
    "comments": "SELECT COUNT(*) FROM comments WHERE author = :p",
    "comment_revisions": "SELECT COUNT(*) FROM comment_revisions WHERE comment_id IN "
    "(SELECT id FROM comments WHERE author = :p)",
    "mentions": "SELECT COUNT(*) FROM mentions WHERE person = :p",
    "reactions": "SELECT COUNT(*) FROM reactions WHERE person = :p",
    "follows": "SELECT COUNT(*) FROM follows WHERE follower = :p",
    "followers": "SELECT COUNT(*) FROM follows WHERE target_kind = 'person' AND target = :p",
    "notifications": "SELECT COUNT(*) FROM notifications WHERE recipient = :p",
    "activity": "SELECT COUNT(*) FROM activity WHERE actor = :p",
    "reports_filed": "SELECT COUNT(*) FROM reports WHERE reporter = :p",
    "reports_about": "SELECT COUNT(*) FROM reports WHERE item_kind = 'comment' AND item_id IN "
    "(SELECT id FROM comments WHERE author = :p)",
    "audit_about": "SELECT COUNT(*) FROM audit_log WHERE subject IN (:p, :e, :u)",
}
THREAD_QUERY = """
query($id: ID!) {
  comment(id: $id) {
    bodyText author { accountName }
    replies { id bodyText author { accountName } replies { bodyText author { accountName } } }
  }
}
"""
EXPORT = """
mutation($input: ExportPersonDataInput!) {
  exportPersonData(input: $input) {
    __typename
    ... on ExportPersonDataSuccess { downloadUrl expiresAt personId person { accountName }
                                     sections { name rows } }
    ... on NotAllowedError { message }
    ... on NotFoundError { message }
    ... on InvalidInputError { message field }
  }
}
"""


def person(council: Council, account: str) -> dict[str, Any]:
    return next(p for p in council.people if p["sAMAccountName"] == account)


def documents_by(council: Council, upn: str) -> set[str]:
    """The sample council's documents naming ``upn`` as author or last editor."""
    return {
        d["path"]
        for d in council.documents["documents"]
        if upn.casefold() in (d["author"].casefold(), d["lastEditor"].casefold())
    }


@pytest.fixture(scope="module")
async def gateway(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    workdir = tmp_path_factory.mktemp("dp")
    settings = base_settings(council, scim_server, webdav_server, workdir)
    settings.access.data_protection_groups = [DP_GROUP]
    settings.retention.export_dir = workdir / "exports"
    settings.retention.check_interval = 0.2
    settings.server.url_signing_key = SecretStr("test-signing-key")
    async with serve(settings) as served:
        yield served


@pytest.fixture(scope="module")
async def seeded(gateway: Gateway, council: Council) -> dict[str, str]:
    """Priya's rows beyond the seed: each kind of thing a person leaves in Townhall."""
    her = person(council, PERSON)
    doc = global_id("Document", THREAD_DOC)
    steps: list[tuple[str, str, dict[str, Any]]] = [
        (PERSON, "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { __typename } }",
         {"i": {"about": ABOUT}}),
        (PERSON, "mutation($i: ReactInput!) { react(input: $i) { __typename } }",
         {"i": {"itemId": global_id("Comment", THREAD), "reaction": "LIKE"}}),
        (PERSON, "mutation($i: EditCommentInput!) { editComment(input: $i) { __typename } }",
         {"i": {"commentId": global_id("Comment", "c0256"),
                "body": EDITED}}),
        (PERSON, "mutation($i: FollowInput!) { follow(input: $i) { __typename } }",
         {"i": {"targetId": doc}}),
        (PERSON, "mutation($i: ReportInput!) { reportItem(input: $i) { __typename } }",
         {"i": {"itemId": global_id("Comment", "c0126"), "reason": "Out of date"}}),
        (REPLIER, "mutation($i: AddCommentInput!) { addComment(input: $i) { __typename } }",
         {"i": {"targetId": doc, "replyToId": global_id("Comment", "c0124"),
                "body": "Thanks @priya.shah, that settles it."}}),
        (REPLIER, "mutation($i: ReactInput!) { react(input: $i) { __typename } }",
         {"i": {"itemId": global_id("Comment", "c0124"), "reaction": "THANKS"}}),
        (REPLIER, "mutation($p: ID!) { followPerson(personId: $p) { __typename } }",
         {"p": global_id("Person", her["guid"])}),
        (REPLIER, "mutation($i: ReportInput!) { reportItem(input: $i) { __typename } }",
         {"i": {"itemId": global_id("Comment", "c0256"), "reason": "Check with @priya.shah"}}),
    ]  # fmt: skip
    for user, query, variables in steps:
        body, _ = await run(gateway, query, variables, user=user)
        assert "errors" not in body, body
        assert not body["data"][next(iter(body["data"]))]["__typename"].endswith("Error"), body
    # HR reads her grade: an audit row about her.
    hr = members(council, "HR Confidential")[0]
    body, _ = await run(gateway, EMPLOYMENT, {"id": global_id("Person", her["guid"])}, user=hr)
    assert body["data"]["person"]["employment"]["grade"], body
    return {"guid": str(her["guid"]), "employee": str(her["employeeID"]),
            "upn": str(her["userPrincipalName"]), "name": str(her["displayName"])}  # fmt: skip


def direct_counts(gateway: Gateway, who: dict[str, str]) -> dict[str, int]:
    with sqlite3.connect(database(gateway)) as connection:
        return {
            name: connection.execute(
                query.replace(":p", "?").replace(":e", "?").replace(":u", "?"),
                [who["guid"]] * query.count(":p") + [who["employee"]] * query.count(":e")
                + [who["upn"]] * query.count(":u"),
            ).fetchone()[0]
            for name, query in DIRECT.items()
        }  # fmt: skip


def settings_file(gateway: Gateway, path: Path) -> Path:
    """The gateway's settings as a file `townhall` reads (TOWNHALL_SETTINGS_FILE)."""
    settings = gateway.settings
    data = settings.model_dump(mode="json", by_alias=True)
    data["hr"]["token"] = settings.hr.token.get_secret_value()
    data["documents"]["password"] = settings.documents.password.get_secret_value()
    data["server"]["url_signing_key"] = settings.server.url_signing_key.get_secret_value()
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


async def townhall(gateway: Gateway, tmp: Path, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "TOWNHALL_SETTINGS_FILE": str(settings_file(gateway, tmp / "s.json"))}
    process = await asyncio.create_subprocess_exec(
        str(TOWNHALL), *args, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    return int(process.returncode or 0), out.decode(), err.decode()


def townhall_sections(document: dict[str, Any]) -> dict[str, Any]:
    return {n: s for n, s in document["sections"].items() if s["source"] == "townhall"}


async def test_the_cli_export_holds_every_row_of_hers_and_what_upstreams_show(
    gateway: Gateway, council: Council, seeded: dict[str, str], tmp_path: Path
) -> None:
    output = tmp_path / "priya.json"
    code, out, err = await townhall(
        gateway, tmp_path, "sar", "export", "--account", PERSON, "--output", str(output),
        "--by", "dpo.tester",
    )  # fmt: skip
    assert code == 0, err
    document = json.loads(output.read_text(encoding="utf-8"))
    assert oct(output.stat().st_mode & 0o777) == "0o600"
    assert document["format"] == "townhall-subject-access/1"
    assert document["subject"]["guid"] == seeded["guid"]
    counts = {n: len(s["rows"]) for n, s in document["sections"].items()}
    direct = direct_counts(gateway, seeded)
    direct["audit_about"] -= 1  # the export's own row, written once the export was built
    assert {n: counts[n] for n in DIRECT} == direct
    assert all(direct.values()), direct  # each of them was tested with rows in it
    assert all(s["description"] for s in document["sections"].values())
    sections = document["sections"]
    assert sections["directory_account"]["rows"][0]["guid"] == seeded["guid"]
    assert sections["hr_record"]["rows"][0]["employee_number"] == seeded["employee"]
    assert sections["directory_groups"]["rows"] and sections["directory_photo"]["rows"]
    paths = {d["path"] for d in sections["documents"]["rows"]}  # the CLI walks the store
    assert paths == documents_by(council, seeded["upn"]) and THREAD_DOC in paths
    assert all(s["status"] == "ok" for s in sections.values())
    bodies = {c["body"] for c in sections["comments"]["rows"]}
    assert all(any(b.startswith(t) for b in bodies) for t in HER_SEEDED_TEXTS)
    request_id = document["request_id"]
    assert f"request {request_id}" in out
    rows = await gateway.upstreams.social.audit.rows(subject=seeded["guid"], newest_first=True)
    assert (rows[0].viewer, rows[0].record, rows[0].role, rows[0].operation,
            rows[0].request_id) == ("operator:dpo.tester", "export", "operator", "export",
                                    request_id)  # fmt: skip


async def test_export_person_data_answers_the_data_protection_group_with_a_link_for_once(
    gateway: Gateway, council: Council, seeded: dict[str, str]
) -> None:
    officer = members(council, DP_GROUP)[0]
    refused, _ = await run(gateway, EXPORT, {"input": {"account": PERSON}}, user=REPLIER)
    assert refused["data"]["exportPersonData"]["__typename"] == "NotAllowedError"
    both, _ = await run(
        gateway, EXPORT, {"input": {"account": PERSON, "personId": "x"}}, user=officer
    )
    assert both["data"]["exportPersonData"]["__typename"] == "InvalidInputError"
    nobody, _ = await run(gateway, EXPORT, {"input": {"account": "no.such.person"}}, user=officer)
    assert nobody["data"]["exportPersonData"]["__typename"] == "NotFoundError"
    body, request_id = await run(gateway, EXPORT, {"input": {"account": PERSON}}, user=officer)
    answer = body["data"]["exportPersonData"]
    assert answer["__typename"] == "ExportPersonDataSuccess", body
    assert answer["person"] == {"accountName": PERSON}
    expires = datetime.fromisoformat(answer["expiresAt"])
    assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15)
    url = answer["downloadUrl"]
    async with gateway.client() as client:  # no sign-in: the signed link is the key
        forged = await client.get(url.replace("sig=", "sig=0"))
        assert forged.status_code == 403
        first = await client.get(url)
        assert first.status_code == 200, first.text
        assert first.headers["cache-control"] == "private, no-store"
        again = await client.get(url)
        assert again.status_code == 410
    exported = first.json()
    assert {s["name"]: s["rows"] for s in answer["sections"]} == {
        n: len(s["rows"]) for n, s in exported["sections"].items()
    }
    direct = direct_counts(gateway, seeded)
    direct["audit_about"] -= 1  # this export's row, written after it was built
    documents = exported["sections"]["documents"]["rows"]  # the gateway reads its index
    assert {d["path"] for d in documents} == documents_by(council, seeded["upn"])
    assert {n: len(exported["sections"][n]["rows"]) for n in DIRECT} == direct
    assert not list(gateway.settings.retention.export_dir.glob("*.json*"))  # taken and deleted
    rows = await gateway.upstreams.social.audit.rows(subject=seeded["guid"], newest_first=True)
    assert (rows[0].record, rows[0].role, rows[0].operation, rows[0].request_id) == (
        "export", "data_protection", "export", request_id,
    )  # fmt: skip


async def test_a_dry_run_erasure_changes_nothing(
    gateway: Gateway, seeded: dict[str, str], tmp_path: Path
) -> None:
    before = direct_counts(gateway, seeded)
    audit_rows = (await gateway.upstreams.social.audit.verify()).rows
    code, out, err = await townhall(gateway, tmp_path, "erase", "--account", PERSON, "--dry-run")
    assert code == 0, err
    assert "would change" in out and "comments anonymised: 3" in out
    assert "nothing was changed or recorded" in out
    assert direct_counts(gateway, seeded) == before
    assert (await gateway.upstreams.social.audit.verify()).rows == audit_rows


async def test_after_erasure_nothing_personal_is_left_and_threads_read_well(
    gateway: Gateway, council: Council, seeded: dict[str, str], tmp_path: Path
) -> None:
    before, _ = await run(gateway, THREAD_QUERY, {"id": global_id("Comment", THREAD)},
                          user=REPLIER)  # fmt: skip
    code, out, err = await townhall(gateway, tmp_path, "erase", "--account", PERSON)
    assert code == 0, err
    assert "comments anonymised: 3" in out and "recorded in the audit trail" in out
    access = SubjectAccess(gateway.settings, gateway.upstreams)
    subject = await access.find(PERSON)
    assert subject is not None
    document = await access.export(subject, request_id="check", by="test")
    left = townhall_sections(document)
    # Only the audit trail's record of what was done to her (and her exports) is left.
    assert {n for n, s in left.items() if s["rows"]} == {"audit_about"}
    text = json.dumps({n: s for n, s in left.items() if not n.startswith("audit")})
    for personal in (seeded["guid"], PERSON, seeded["name"], seeded["upn"], ABOUT,
                     *HER_SEEDED_TEXTS):  # fmt: skip
        assert personal not in text
    with sqlite3.connect(database(gateway)) as connection:
        dump = "\n".join(connection.iterdump())
    social_dump = "\n".join(
        line for line in dump.splitlines() if "audit_log" not in line and "audit_head" not in line
    )
    # (The seed's texts recur among other people's comments: her own words are checked by
    # the rows they were in.)
    for personal in (seeded["guid"], f"@{PERSON}", ABOUT, EDITED):
        assert personal not in social_dump, personal
    with sqlite3.connect(database(gateway)) as connection:
        hers = connection.execute(
            "SELECT DISTINCT author, body FROM comments WHERE id IN ('c0124', 'c0170', 'c0256')"
        ).fetchall()
        revisions = connection.execute(
            "SELECT COUNT(*) FROM comment_revisions WHERE comment_id = 'c0256'"
        ).fetchone()[0]
    assert hers == [("former-staff", ERASED_BODY)] and revisions == 0
    # The thread she replied in reads as before, less her: her reply keeps its place.
    await gateway.clear_cache()
    after, _ = await run(gateway, THREAD_QUERY, {"id": global_id("Comment", THREAD)},
                         user=REPLIER)  # fmt: skip
    old, new = before["data"]["comment"], after["data"]["comment"]
    assert (new["bodyText"], new["author"]) == (old["bodyText"], old["author"])
    [old_reply] = [r for r in old["replies"] if r["author"] == {"accountName": PERSON}]
    [reply] = [r for r in new["replies"] if r["id"] == old_reply["id"]]
    assert reply["author"] is None and reply["bodyText"] == ERASED_BODY
    assert "a former member of staff" in reply["bodyText"]
    assert [r["author"] for r in reply["replies"]] == [r["author"] for r in old_reply["replies"]]
    texts = [r["bodyText"] for r in reply["replies"]]
    assert "Thanks a former member of staff, that settles it." in texts
    assert "Done - let me know if anything else needs changing." in texts
    # Erasing again changes nothing (and says so).
    code, out, err = await townhall(gateway, tmp_path, "erase", "--account", PERSON)
    assert code == 0, err
    assert "nothing of theirs is left to erase" in out
    rows = await gateway.upstreams.social.audit.rows(subject=seeded["guid"], newest_first=True)
    assert [(r.record, r.operation) for r in rows[:2]] == [("erase", "erase")] * 2
    assert (await gateway.upstreams.social.audit.verify()).ok


async def test_the_retention_run_purges_old_deleted_comments_and_erases_leavers(
    gateway: Gateway, council: Council
) -> None:
    social = gateway.upstreams.social
    access = SubjectAccess(gateway.settings, gateway.upstreams)
    # A comment deleted now is purged only once it is 30 days old.
    writer = "ava.hall"
    added, _ = await run(
        gateway,
        "mutation($i: AddCommentInput!) { addComment(input: $i) { ... on CommentSuccess "
        "{ comment { id } } } }",
        {"i": {"targetId": global_id("Document", THREAD_DOC), "body": "Draft thought"}},
        user=writer,
    )
    comment_id = added["data"]["addComment"]["comment"]["id"]
    deleted, _ = await run(
        gateway, "mutation($i: DeleteCommentInput!) { deleteComment(input: $i) { __typename } }",
        {"i": {"commentId": comment_id}}, user=writer,
    )  # fmt: skip
    assert deleted["data"]["deleteComment"]["__typename"] == "CommentSuccess"
    today = await run_retention(access)
    assert "comments purged" not in today.purged
    month = await run_retention(access, now=datetime.now(UTC) + timedelta(days=31))
    assert month.purged["comments purged"] >= 1
    with sqlite3.connect(database(gateway)) as connection:
        assert ("Draft thought",) not in connection.execute("SELECT body FROM comments").fetchall()
    # A leaver with social data (follows in the seed) is erased 90 days after leaving.
    leaver = person(council, "kelechi.wilson")
    guid = str(leaver["guid"])
    checkpoint = await social.checkpoint("directory")
    left = datetime.now(UTC) - timedelta(days=91)
    await social.observe_people(
        [PersonState(guid, "Planning", "Officer", None, True)], source="directory",
        since=checkpoint, checkpoint="t1", at=left - timedelta(days=400),
    )  # fmt: skip
    await social.observe_people(
        [PersonState(guid, "Planning", "Officer", None, False)], source="directory",
        since="t1", checkpoint="t2", at=left,
    )  # fmt: skip
    with sqlite3.connect(database(gateway)) as connection:
        query = "SELECT COUNT(*) FROM comments WHERE author = ?"
        assert connection.execute(query, [guid]).fetchone()[0]
    dry = await run_retention(access, dry_run=True)
    assert [e.person for e in dry.erased] == [guid]
    done = await run_retention(access)
    assert [e.person for e in done.erased] == [guid] and done.erased[0].changed > 0
    assert done.erased[0].changes == dry.erased[0].changes
    with sqlite3.connect(database(gateway)) as connection:
        for table, column in (("comments", "author"), ("follows", "follower"),
                              ("activity", "actor"), ("people_seen", "guid")):  # fmt: skip
            query = f"SELECT COUNT(*) FROM {table} WHERE {column} = ?"
            assert connection.execute(query, [guid]).fetchone()[0] == 0, table
    [row] = await social.audit.rows(subject=guid, newest_first=True, limit=1)
    assert (row.viewer, row.record, row.role, row.operation) == (
        "townhall:retention",
        "erase",
        "retention",
        "erase",
    )
    assert (await run_retention(access)).erased == []  # done with


async def test_one_instance_runs_each_days_retention(gateway: Gateway) -> None:
    access = SubjectAccess(gateway.settings, gateway.upstreams)
    today = datetime.now(UTC).date().isoformat()
    for _ in range(50):  # the gateway's own daily check claims today's run at start-up
        if await access.data.last_day() == today:
            break
        await asyncio.sleep(0.1)
    assert await access.data.last_day() == today
    assert await run_if_due(access) is None  # claimed already: no second run today
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    runs = await asyncio.gather(*(run_if_due(access, now=tomorrow) for _ in range(4)))
    assert sum(r is not None for r in runs) == 1
