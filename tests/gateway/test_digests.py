"""Email digests end to end: the sample council's real upstreams, the social store on SQLite
and on PostgreSQL (one gateway each), digests sent to a real SMTP server (aiosmtpd).

Notifications are made through the API (mentions, follows); rounds run as of a moment a
day (or a week) ahead, so that what was made now falls in the period due then.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr
from servers import Council
from servers.certificates import write_test_certificates
from servers.postgres import PostgresServer
from servers.smtp import Received, SmtpServer
from sqlalchemy import insert, select

from connectors.social import SocialStore
from connectors.social.digests import DigestLedger
from connectors.social.tables import activity, notifications
from gateway.digests.content import gate_policy
from gateway.digests.periods import due_period
from gateway.digests.rounds import Digests
from gateway.settings import Settings
from schema.ids import global_id, parse_global_id
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import Gateway, base_settings, serve

OPEN_DOC = "Planning/Plans/Local Plan 2026.md"  # All Staff
TEAM_DOC = "Planning/Team/Building Control - Onboarding Checklist.md"  # Staff - Planning only
PLANNER = "priya.shah"  # in Staff - Planning
OUTSIDER = "alex.morgan"  # may not open Planning/Team
LEAVER = "amanda.harrison"  # disabled in the directory
HOSTILE = '<script>alert("x")</script> read this <img src=x onerror=alert(1)> & "quotes"'
SIGNING_KEY = "digest-test-signing-key"

ADD = """mutation($input: AddCommentInput!) { addComment(input: $input) {
  __typename ... on CommentSuccess { comment { id } } } }"""
CHOOSE = """mutation($f: DigestFrequency!) { updateProfile(input: {digestFrequency: $f}) {
  __typename ... on ProfileSuccess { person { profile { digestFrequency } } } } }"""
MINE = "{ me { profile { digestFrequency } } }"
THEIRS = "query($id: ID!) { person(id: $id) { profile { digestFrequency } } }"


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def gateway(
    request: pytest.FixtureRequest,
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    smtp: SmtpServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    settings = base_settings(council, scim_server, webdav_server, tmp_path_factory.mktemp("d"))
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres")
        settings.social.database_url = await server.create_database()
    settings.server.url_signing_key = SecretStr(SIGNING_KEY)
    settings.digests = settings.digests.model_validate(
        {"smtp_host": smtp.host, "smtp_port": smtp.port, "smtp_tls": "none",
         "from_address": "Townhall <townhall@northshire.test>", "rate_per_second": 0}
    )  # fmt: skip
    async with serve(settings) as gateway:
        yield gateway


@pytest.fixture
def sent(smtp: SmtpServer) -> SmtpServer:
    smtp.clear()
    return smtp


def digests(gateway: Gateway, **upstreams: Any) -> Digests:
    up = dataclasses.replace(gateway.upstreams, **upstreams) if upstreams else gateway.upstreams
    return Digests(gateway.settings, up, gate_policy(gateway.settings))


def staff(council: Council, count: int, start: int) -> list[str]:
    """``count`` enabled accounts of the sample council, none of the named ones."""
    named = {PLANNER, OUTSIDER, LEAVER}
    enabled = sorted(
        p["sAMAccountName"]
        for p in council.people
        if p.get("enabled", True) and p.get("hasAd", True) and p["sAMAccountName"] not in named
    )
    return enabled[start : start + count]


def guid(council: Council, account: str) -> str:
    return str(next(p["guid"] for p in council.people if p["sAMAccountName"] == account))


def mail(account: str) -> str:
    return f"{account}@northshire.test"


def tomorrow() -> datetime:
    return datetime.now(UTC) + timedelta(days=1)


async def ok(gateway: Gateway, query: str, variables: dict[str, Any], user: str) -> Any:
    body = await gateway.query(query, variables, user=user)
    assert "errors" not in body, body
    return body["data"]


async def choose(gateway: Gateway, account: str, frequency: str) -> None:
    data = await ok(gateway, CHOOSE, {"f": frequency}, account)
    assert data["updateProfile"]["person"]["profile"]["digestFrequency"] == frequency


async def mention(gateway: Gateway, author: str, accounts: list[str], text: str = "") -> str:
    body = " ".join(f"@{a}" for a in accounts) + (f" {text}" if text else "")
    variables = {"input": {"targetId": global_id("Document", OPEN_DOC), "body": body}}
    data = await ok(gateway, ADD, variables, author)
    assert data["addComment"]["__typename"] == "CommentSuccess", data
    return str(data["addComment"]["comment"]["id"])


def parts(received: Received) -> tuple[str, str]:
    text = received.message.get_body(("plain",))
    html = received.message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


async def test_a_daily_digest_tells_the_unread_notifications_escaped(
    gateway: Gateway, council: Council, sent: SmtpServer
) -> None:
    reader, author, other = staff(council, 3, 0)
    await choose(gateway, reader, "DAILY")
    await mention(gateway, author, [reader], HOSTILE)
    await mention(gateway, other, [reader], "second note")
    report = await digests(gateway).round("daily", now=tomorrow())
    assert guid(council, reader) in report.sent
    [received] = sent.to(mail(reader))
    m = received.message
    assert m["Subject"] == "Townhall: 2 new notifications"
    assert m["To"].addresses[0].addr_spec == mail(reader)
    assert m["From"] == "Townhall <townhall@northshire.test>"
    assert m["Auto-Submitted"] == "auto-generated" and m["Precedence"] == "bulk"
    assert m["Message-ID"].endswith("@northshire.test>") and m["Date"]
    assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = m["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(f"{gateway.url}/digests/unsubscribe?token=")
    text, html = parts(received)
    names = {a: p["displayName"] for p in council.people for a in (author, other)
             if p["sAMAccountName"] == a}  # fmt: skip
    for part in (text, html):
        assert f"{names[author]} mentioned you in a comment on Local Plan 2026" in part
        assert f"{names[other]} mentioned you" in part and "second note" in part
        assert unsubscribe.split("?")[1].split("=")[1][:20] in part  # the link in the body
    assert HOSTILE.replace("  ", " ") in text  # plain text is plain
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &#34;quotes&#34;" in html
    # The same period is never sent twice: the next round finds it sent.
    again = await digests(gateway).round("daily", now=tomorrow())
    assert guid(council, reader) not in again.sent and len(sent.to(mail(reader))) == 1
    [delivery] = await DigestLedger(gateway.upstreams.social).deliveries(guid(council, reader))
    assert (delivery.status, delivery.notifications) == ("sent", 2)


async def test_nothing_the_reader_may_not_read_is_in_the_mail(
    gateway: Gateway, council: Council, sent: SmtpServer
) -> None:
    """A notification about a document the reader may not read (access lost since it was
    sent) is left out; with nothing else unread, nothing is sent."""
    [author, lonely] = staff(council, 2, 10)
    data = await ok(
        gateway, ADD,
        {"input": {"targetId": global_id("Document", TEAM_DOC), "body": "MARKER-TEAM plans"}},
        PLANNER,
    )  # fmt: skip
    comment_id = parse_global_id(data["addComment"]["comment"]["id"], "Comment")[1]
    social = gateway.upstreams.social
    async with social.engine.begin() as connection:
        event = await connection.scalar(
            select(activity.c.id).where(activity.c.object_id == comment_id)
        )
        await connection.execute(
            insert(notifications),
            [{"recipient": guid(council, who), "kind": "followed_activity", "activity_id": event,
              "actor": guid(council, PLANNER), "document": TEAM_DOC,
              "created_at": datetime.now(UTC)} for who in (OUTSIDER, lonely)],
        )  # fmt: skip
    await mention(gateway, author, [OUTSIDER], "MARKER-OPEN")
    for who in (OUTSIDER, lonely):
        await choose(gateway, who, "DAILY")
    report = await digests(gateway).round("daily", now=tomorrow())
    [received] = sent.to(mail(OUTSIDER))
    assert received.message["Subject"] == "Townhall: 1 new notification"
    for part in parts(received):
        assert "MARKER-OPEN" in part
        assert "MARKER-TEAM" not in part and "Onboarding" not in part and "Team" not in part
    assert sent.to(mail(lonely)) == []
    assert report.skipped[guid(council, lonely)] == "nothing readable unread"
    [delivery] = await DigestLedger(social).deliveries(guid(council, lonely))
    assert delivery.status == "skipped"


async def test_never_the_default_and_leavers_get_nothing(
    gateway: Gateway, council: Council, sent: SmtpServer
) -> None:
    never, default, weekly, author = staff(council, 4, 20)
    await choose(gateway, never, "DAILY")
    await choose(gateway, never, "NEVER")
    await choose(gateway, weekly, "WEEKLY")
    await mention(gateway, author, [never, default, weekly])
    ledger = DigestLedger(gateway.upstreams.social)
    leaver = guid(council, LEAVER)
    await ledger.set_frequency(leaver, "daily")
    async with gateway.upstreams.social.engine.begin() as connection:
        await connection.execute(
            insert(notifications).values(
                recipient=leaver, kind="new_follower", actor=guid(council, author),
                created_at=datetime.now(UTC),
            )
        )  # fmt: skip
    report = await digests(gateway).round("daily", now=tomorrow())
    assert all(sent.to(mail(a)) == [] for a in (never, default, weekly, LEAVER))
    assert report.skipped[leaver] == "not on the staff"
    weekly_report = await digests(gateway).round("weekly", now=tomorrow() + timedelta(days=6))
    assert guid(council, weekly) in weekly_report.sent
    assert [r.rcpt_tos for r in sent.received] == [[mail(weekly)]]


async def test_concurrent_rounds_send_each_digest_once(
    gateway: Gateway, council: Council, sent: SmtpServer
) -> None:
    """Two instances (each its own connection pool to the store) run the same round at once."""
    *readers, author = staff(council, 5, 30)
    for reader in readers:
        await choose(gateway, reader, "DAILY")
    await mention(gateway, author, readers)
    second = SocialStore.open(gateway.settings.social.database_url)
    try:
        at = tomorrow()
        one, two = await asyncio.gather(
            digests(gateway).round("daily", now=at),
            digests(gateway, social=second).round("daily", now=at),
        )
        third = await digests(gateway, social=second).round("daily", now=at)
    finally:
        await second.close()
    mine = {guid(council, r) for r in readers}
    assert sorted(g for g in one.sent + two.sent if g in mine) == sorted(mine)
    assert not mine & set(third.sent)
    for reader in readers:
        assert len(sent.to(mail(reader))) == 1, reader


async def test_a_failed_send_is_retried_next_round(
    gateway: Gateway, council: Council, sent: SmtpServer
) -> None:
    reader, author = staff(council, 2, 40)
    await choose(gateway, reader, "DAILY")
    await mention(gateway, author, [reader])
    sent.stop()
    try:
        failed = await digests(gateway).round("daily", now=tomorrow())
    finally:
        sent.start()
    assert guid(council, reader) in failed.failed and not failed.sent
    assert await DigestLedger(gateway.upstreams.social).deliveries(guid(council, reader)) == []
    retried = await digests(gateway).round("daily", now=tomorrow())
    assert guid(council, reader) in retried.sent
    assert len(sent.to(mail(reader))) == 1


async def test_one_click_unsubscribe(
    gateway: Gateway, council: Council, sent: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    reader, author = staff(council, 2, 50)
    await choose(gateway, reader, "DAILY")
    await mention(gateway, author, [reader])
    await digests(gateway).round("daily", now=tomorrow())
    [received] = sent.to(mail(reader))
    link = received.message["List-Unsubscribe"].strip("<>")
    token = parse_qs(urlsplit(link).query)["token"][0]
    person, expires, signature = token.split(".")
    forged = [
        f"{guid(council, author)}.{expires}.{signature}",  # another person, same signature
        f"{person}.{int(expires) + 1}.{signature}",  # a longer life
        f"{person}.{expires}.{'0' * 40}",
        "",
        "nonsense",
    ]
    async with httpx.AsyncClient(timeout=30) as client:
        page = await client.get(link)  # what a mail scanner's prefetch does
        assert page.status_code == 200 and 'method="post"' in page.text
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert (await ok(gateway, MINE, {}, reader))["me"]["profile"]["digestFrequency"] == "DAILY"
        with caplog.at_level(logging.INFO, logger="townhall.digests"):
            for bad in forged:
                refused = await client.post(
                    f"{gateway.url}/digests/unsubscribe",
                    params={"token": bad},
                    content=b"List-Unsubscribe=One-Click",
                    headers={"content-type": "application/x-www-form-urlencoded"},
                )
                assert refused.status_code == 400 and "does not work" in refused.text
        assert [r.levelno for r in caplog.records if "unsubscribe refused" in r.message] == [
            logging.INFO
        ] * len(forged)
        assert (await ok(gateway, MINE, {}, reader))["me"]["profile"]["digestFrequency"] == "DAILY"
        assert (await ok(gateway, MINE, {}, author))["me"]["profile"]["digestFrequency"] == "NEVER"
        done = await client.post(
            link,
            content=b"List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
    assert done.status_code == 200 and "unsubscribed" in done.text
    assert (await ok(gateway, MINE, {}, reader))["me"]["profile"]["digestFrequency"] == "NEVER"


async def test_the_preference_is_seen_only_by_oneself(gateway: Gateway, council: Council) -> None:
    person, viewer = staff(council, 2, 60)
    assert (await ok(gateway, MINE, {}, person))["me"]["profile"]["digestFrequency"] == "NEVER"
    await choose(gateway, person, "WEEKLY")
    assert (await ok(gateway, MINE, {}, person))["me"]["profile"]["digestFrequency"] == "WEEKLY"
    theirs = await ok(gateway, THEIRS, {"id": global_id("Person", guid(council, person))}, viewer)
    assert theirs["person"]["profile"] == {"digestFrequency": None}


async def test_starttls_and_auth_are_used_and_never_skipped(
    gateway: Gateway,
    council: Council,
    sent: SmtpServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """With smtp_tls=starttls the digest goes over TLS with AUTH; a server that offers no
    STARTTLS gets nothing (never a fallback to clear text)."""
    reader, author = staff(council, 2, 70)
    await choose(gateway, reader, "DAILY")
    await mention(gateway, author, [reader])
    certificates = write_test_certificates(tmp_path_factory.mktemp("smtp-tls"), "localhost")
    secure = SmtpServer(certificates=certificates, users={"townhall": "s3cret"})
    secure.start()
    try:
        tls = {"smtp_tls": "starttls", "smtp_username": "townhall", "smtp_password": "s3cret",
               "smtp_ca_file": str(certificates.ca)}  # fmt: skip
        plain_server = with_digests(gateway, tls)  # the plain server: no STARTTLS offered
        refused = await Digests(plain_server, gateway.upstreams, gate_policy(plain_server)).round(
            "daily", now=tomorrow()
        )
        assert guid(council, reader) in refused.failed and sent.to(mail(reader)) == []
        settings = with_digests(
            gateway, {**tls, "smtp_host": "localhost", "smtp_port": secure.port}
        )
        report = await Digests(settings, gateway.upstreams, gate_policy(settings)).round(
            "daily", now=tomorrow()
        )
        assert guid(council, reader) in report.sent
        [received] = secure.to(mail(reader))
        assert received.tls and received.login == "townhall"
    finally:
        secure.stop()


def with_digests(gateway: Gateway, changes: dict[str, Any]) -> Settings:
    digests = gateway.settings.digests.model_validate(
        {**gateway.settings.digests.model_dump(), "smtp_password": "", **changes}
    )
    settings: Settings = gateway.settings.model_copy(update={"digests": digests})
    return settings


async def test_the_command_line_sends_and_dry_runs(
    gateway: Gateway, council: Council, sent: SmtpServer, tmp_path: Path
) -> None:
    reader, author = staff(council, 2, 80)
    await choose(gateway, reader, "DAILY")
    await mention(gateway, author, [reader], "from the command line")
    data = gateway.settings.model_dump(mode="json", by_alias=False)
    data["hr"]["token"] = gateway.settings.hr.token.get_secret_value()
    data["documents"]["password"] = gateway.settings.documents.password.get_secret_value()
    data["server"]["url_signing_key"] = SIGNING_KEY
    data["digests"]["smtp_password"] = ""
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps(data), encoding="utf-8")
    env = {**os.environ, "TOWNHALL_SETTINGS_FILE": str(settings_file)}
    at = tomorrow().isoformat()

    async def townhall(*args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gateway.cli", "digests", "send", "--period", "daily",
            "--person", reader, "--as-of", at, *args,
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(process.communicate(), 120)
        return process.returncode or 0, out.decode()

    code, out = await townhall("--dry-run")
    assert code == 0, out
    assert f"<{mail(reader)}>: Townhall: 1 new notification" in out and "dry run" in out
    assert sent.to(mail(reader)) == []
    code, out = await townhall()
    assert code == 0 and "\n  sent: 1\n" in out, out
    [received] = sent.to(mail(reader))
    assert "from the command line" in parts(received)[0]
    code, out = await townhall()
    assert code == 0 and "\n  sent: 0\n" in out, out
    assert len(sent.to(mail(reader))) == 1


async def test_the_web_process_runs_rounds_while_enabled(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    sent: SmtpServer,
    tmp_path: Path,
) -> None:
    """The lifespan's scheduler sends the digest of the period due now, on its own."""
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.server.url_signing_key = SecretStr(SIGNING_KEY)
    settings.digests = settings.digests.model_validate(
        {"enabled": True, "check_interval": 1, "smtp_host": sent.host, "smtp_port": sent.port,
         "smtp_tls": "none", "default_frequency": "daily"}
    )  # fmt: skip
    [reader, author] = staff(council, 2, 90)
    async with serve(settings) as gateway:
        period = due_period("daily", datetime.now(UTC), settings.digests)
        async with gateway.upstreams.social.engine.begin() as connection:
            await connection.execute(
                insert(notifications).values(
                    recipient=guid(council, reader), kind="new_follower",
                    actor=guid(council, author), created_at=period.since + timedelta(minutes=1),
                )
            )  # fmt: skip
        for _ in range(200):
            if sent.to(mail(reader)):
                break
            await asyncio.sleep(0.1)
        [received] = sent.to(mail(reader))
    assert received.message["Subject"] == "Townhall: 1 new notification"
    assert "started following you" in parts(received)[0]
