"""Two gateway instances and a worker behind a real HAProxy, on PostgreSQL and Redis.

``townhall serve`` twice and ``townhall worker`` twice (one active, one standing by), as
subprocesses configured by ``TOWNHALL_*`` variables with ``worker.mode`` ``separate``,
over the session's slapd (the directory, with its change feed), scim2-server and wsgidav.
The tests run in file order on one deployment: the kills come last.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import ldap3
import pytest
from servers import SCIM_TOKEN, WEBDAV_PASSWORD, WEBDAV_USER, Council
from servers.haproxy import run_haproxy
from servers.postgres import PostgresServer
from servers.redis import RedisServer, _free_port
from servers.slapd import Slapd
from websockets.asyncio.client import connect

from connectors.social import SocialStore
from gateway.metrics import MULTIPROC_ENV
from townhall_demo.upstreams import ScimServer, WebDavServer

from .live_ws import ADD_COMMENT, COMMENT_EVENTS, SUBPROTOCOL, LiveClient

WITHIN = 30.0  # seconds anything asynchronous may take on a loaded 2-core machine
TAKEOVER = 20.0  # seconds a standing-by worker may take to become active
USER = {"X-Townhall-User": "alex.morgan"}
PERSON = "query P($id: ID!) { person(id: $id) { title viewerIsFollowing } }"
FOLLOW = (
    "mutation F($id: ID!) { followPerson(personId: $id) { __typename "
    "... on FollowSuccess { changed } } }"
)
COMMENT = (
    "mutation C($input: AddCommentInput!) { addComment(input: $input) { __typename "
    "... on CommentSuccess { replayed comment { id } } } }"
)


@dataclass
class Process:
    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    port: int
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        townhall = Path(sys.executable).parent / "townhall"
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                [str(townhall), *self.args], env=self.env, stdout=out, stderr=out
            )

    def kill(self) -> None:
        assert self.popen is not None
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()

    def tail(self) -> str:
        return f"--- {self.name} ---\n" + self.log.read_text(errors="replace")[-3000:]


@dataclass
class Deployment:
    webs: list[Process]
    workers: list[Process]
    balancer: str
    database_url: str
    priya: str  # her Person id
    priya_dn: str
    slapd: Slapd
    processes: list[Process] = field(default_factory=list)

    async def active_and_standby(self) -> tuple[Process, Process]:
        first, second = self.workers
        return (first, second) if (await health(first))["active"] else (second, first)

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.processes)


async def until(check: Callable[[], Awaitable[bool]], within: float, what: str, d: Any) -> float:
    """Poll ``check`` until true; the seconds it took (fails the test after ``within``)."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        with contextlib.suppress(httpx.HTTPError):
            if await check():
                return time.monotonic() - started
        await asyncio.sleep(0.2)
    pytest.fail(f"{what} did not happen within {within} s\n{d.logs() if d else ''}")


async def gql(url: str, query: str, variables: dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, timeout=15) as client:
        return await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=USER
        )


async def health(process: Process) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=process.url, timeout=5) as client:
        response = await client.get("/healthz")
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body


async def metrics(process: Process) -> str:
    async with httpx.AsyncClient(base_url=process.url, timeout=5) as client:
        return (await client.get("/metrics")).text


@pytest.fixture(scope="module")
async def deployment(
    council: Council,
    slapd: Slapd,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    postgres: PostgresServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Deployment]:
    workdir = tmp_path_factory.mktemp("scale-out")
    redis = RedisServer(workdir / "redis")
    redis.start()
    database = await postgres.create_database()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNHALL_")}
    env.pop(MULTIPROC_ENV, None)
    env.update(
        {
            "TOWNHALL_ENVIRONMENT": "test",
            "TOWNHALL_DIRECTORY__MODE": "ldap",
            "TOWNHALL_DIRECTORY__URL": slapd.ldaps_url,
            "TOWNHALL_DIRECTORY__CA_FILE": str(slapd.ca_file),
            "TOWNHALL_DIRECTORY__TLS_SERVER_NAME": slapd.tls_hostname,
            "TOWNHALL_DIRECTORY__BIND_DN": slapd.bind_dn,
            "TOWNHALL_DIRECTORY__BIND_PASSWORD": slapd.password,
            "TOWNHALL_DIRECTORY__BASE_DN": slapd.base_dn,
            "TOWNHALL_DIRECTORY__SCHEMA": "openldap",
            "TOWNHALL_DIRECTORY__CHANGE_TRACKING": "timestamp",
            "TOWNHALL_DIRECTORY__SYNC_INTERVAL": "1",
            "TOWNHALL_DIRECTORY__POOL_SIZE": "2",
            # Off: their first rounds read every person and record, which the tests need not.
            "TOWNHALL_SOCIAL__DIRECTORY_ACTIVITY_INTERVAL": "0",
            "TOWNHALL_HR__URL": scim_server.url,
            "TOWNHALL_HR__TOKEN": SCIM_TOKEN,
            "TOWNHALL_HR__SYNC_INTERVAL": "0",
            "TOWNHALL_DOCUMENTS__URL": webdav_server.url,
            "TOWNHALL_DOCUMENTS__USERNAME": WEBDAV_USER,
            "TOWNHALL_DOCUMENTS__PASSWORD": WEBDAV_PASSWORD,
            "TOWNHALL_DOCUMENTS__ACCESS_FILE": str(council.root / "document_access.json"),
            "TOWNHALL_DOCUMENTS__SEARCH_DATABASE_URL": database,
            "TOWNHALL_DOCUMENTS__SYNC_INTERVAL": "5",
            "TOWNHALL_SOCIAL__DATABASE_URL": database,
            "TOWNHALL_CACHE__BACKEND": "redis",
            "TOWNHALL_CACHE__REDIS_URL": redis.url,
            "TOWNHALL_CACHE__NAMESPACE": f"scale-{uuid.uuid4().hex[:8]}",
            # Only the directory's feed makes a change show: nothing expires meanwhile.
            "TOWNHALL_CACHE__DIRECTORY_TTL": "3600",
            "TOWNHALL_CACHE__WARM_DIRECTORY": "off",
            "TOWNHALL_SERVER__URL_SIGNING_KEY": "scale-out-test-signing-key",
            "TOWNHALL_AUTH__DEV_SIGN_IN": "true",
            "TOWNHALL_AUTH__DEV_DEFAULT_USER": "alex.morgan",
            "TOWNHALL_LIMITS__COMMENTS_PER_MINUTE": "10000",
            "TOWNHALL_RETENTION__EXPORT_DIR": str(workdir / "exports"),
            "TOWNHALL_DEADLINES__DIRECTORY": "30",
            "TOWNHALL_DEADLINES__HR": "30",
            "TOWNHALL_WORKER__MODE": "separate",
            "TOWNHALL_WORKER__RETRY_INTERVAL": "1",
            "TOWNHALL_WORKER__CHECK_INTERVAL": "1",
        }
    )

    def process(name: str, *args: str, **extra: str) -> Process:
        port = _free_port()
        variables = {**env, **extra}
        variables["TOWNHALL_WORKER__PORT" if args == ("worker",) else "TOWNHALL_SERVER__PORT"] = (
            str(port)
        )
        return Process(name, list(args), variables, workdir / f"{name}.log", port)

    workers = [process(f"worker{i}", "worker") for i in (1, 2)]
    webs = [process(f"web{i}", "serve") for i in (1, 2)]
    priya = next(p for p in council.people if p["sAMAccountName"] == "priya.shah")
    d = Deployment(
        webs=webs,
        workers=workers,
        balancer="",
        database_url=database.replace("postgresql+asyncpg", "postgresql"),
        priya=base64.b64encode(f"Person:{priya['guid']}".encode()).decode(),
        priya_dn="",
        slapd=slapd,
        processes=[*workers, *webs],
    )
    try:
        # The first worker migrates the store; then everyone else starts at once.
        # The store is migrated first (migrations are not for several processes at once);
        # then everyone starts together, and whichever worker locks first is active.
        store = SocialStore.open(database)
        try:
            await store.migrate()
        finally:
            await store.close()
        for p in d.processes:
            p.start()
        for p in d.processes:

            async def answers(p: Process = p) -> bool:
                return bool((await health(p))["status"] == "ok")

            await until(answers, 90, f"{p.name} answering", d)

        async def one_active() -> bool:
            states = [(await health(w))["active"] for w in workers]
            return sorted(states) == [False, True]

        await until(one_active, WITHIN, "exactly one worker active", d)
        with run_haproxy(workdir / "haproxy", [w.port for w in webs]) as balancer:
            d.balancer = balancer
            yield d
    finally:
        for p in d.processes:
            p.stop()
        redis.stop()


def modify_title(slapd: Slapd, account: str, title: str) -> None:
    admin = ldap3.Connection(
        ldap3.Server(slapd.url, get_info=ldap3.NONE),
        slapd.admin_dn,
        slapd.admin_password,
        auto_bind=True,
    )
    try:
        admin.search(slapd.base_dn, f"(uid={account})", attributes=["title"])
        [entry] = admin.entries
        change = {"title": [(ldap3.MODIFY_REPLACE, [title])]}
        assert admin.modify(entry.entry_dn, change), admin.result
    finally:
        admin.unbind()


async def test_a_directory_change_reaches_both_instances(deployment: Deployment) -> None:
    d = deployment
    for web in d.webs:  # each caches her as she is now (in the shared Redis cache)
        answer = (await gql(web.url, PERSON, {"id": d.priya})).json()
        assert answer["data"]["person"]["title"] == "Principal Planning Officer", answer
    new_title = f"Planning Policy Lead {uuid.uuid4().hex[:6]}"
    await asyncio.to_thread(modify_title, d.slapd, "priya.shah", new_title)
    try:
        for web in d.webs:  # each asked directly, not through the balancer

            async def shows(web: Process = web) -> bool:
                answer = (await gql(web.url, PERSON, {"id": d.priya})).json()
                return bool(answer["data"]["person"]["title"] == new_title)

            await until(shows, WITHIN, f"{web.name} showing the new title", d)
    finally:
        await asyncio.to_thread(modify_title, d.slapd, "priya.shah", "Principal Planning Officer")


async def test_a_follow_on_one_instance_is_seen_on_the_other(deployment: Deployment) -> None:
    d = deployment
    one, other = d.webs
    before = (await gql(other.url, PERSON, {"id": d.priya})).json()
    assert before["data"]["person"]["viewerIsFollowing"] is False, before
    followed = (await gql(one.url, FOLLOW, {"id": d.priya})).json()
    assert followed["data"]["followPerson"] == {"__typename": "FollowSuccess", "changed": True}
    after = (await gql(other.url, PERSON, {"id": d.priya})).json()
    assert after["data"]["person"]["viewerIsFollowing"] is True, after


async def test_a_subscription_on_one_instance_hears_a_write_on_the_other(
    deployment: Deployment,
) -> None:
    d = deployment
    one, other = d.webs
    async with connect(
        one.url.replace("http", "ws", 1) + "/graphql",
        subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
        open_timeout=10,
        ping_interval=None,
    ) as ws:
        client = LiveClient(ws)
        await client.init({"x-townhall-user": "alex.morgan"})
        await client.subscribe("1", COMMENT_EVENTS, {"target": d.priya})
        await asyncio.sleep(1)  # the protocol does not confirm a subscription
        text = f"Heard across instances {uuid.uuid4().hex[:8]}"
        written = (
            await gql(other.url, ADD_COMMENT, {"input": {"targetId": d.priya, "body": text}})
        ).json()
        assert written["data"]["addComment"]["__typename"] == "CommentSuccess", written
        event = await client.recv(within=10)
        assert event["type"] == "next" and event["id"] == "1", event
        heard = event["payload"]["data"]["commentEvents"]
        assert heard["kind"] == "ADDED" and heard["comment"]["bodyText"] == text


async def test_web_instances_run_no_feed_and_the_worker_does(deployment: Deployment) -> None:
    d = deployment
    active, standby = await d.active_and_standby()

    async def worker_fed() -> bool:
        return 'townhall_feed_last_success_timestamp_seconds{feed="directory-sync"}' in (
            await metrics(active)
        )

    await until(worker_fed, WITHIN, "the worker's directory feed round", d)
    text = await metrics(active)
    assert "townhall_worker_active 1.0" in text
    assert 'feed="document-sync"' in text
    text = await metrics(standby)
    assert "townhall_worker_active 0.0" in text
    assert "townhall_feed_last_success_timestamp_seconds{" not in text
    for web in d.webs:
        text = await metrics(web)
        assert "townhall_feed_last_success_timestamp_seconds{" not in text, web.name
        assert "townhall_worker_active 0.0" in text, web.name


async def test_killing_an_instance_loses_no_acknowledged_write(deployment: Deployment) -> None:
    d = deployment
    total, at_once, kill_after = 200, 8, 40
    run = uuid.uuid4().hex[:8]
    acknowledged: dict[str, str] = {}  # body -> comment id
    attempts: dict[str, int] = {}
    killed = asyncio.Event()
    limit = asyncio.Semaphore(at_once)

    async def write(client: httpx.AsyncClient, n: int) -> None:
        body = f"scale-out {run} {n}"
        variables = {"input": {"targetId": d.priya, "body": body, "clientMutationId": body}}
        deadline = time.monotonic() + 60
        async with limit:
            while time.monotonic() < deadline:
                attempts[body] = attempts.get(body, 0) + 1
                try:
                    response = await client.post(
                        "/graphql", json={"query": COMMENT, "variables": variables}, headers=USER
                    )
                except httpx.HTTPError:
                    await asyncio.sleep(0.2)
                    continue  # not acknowledged: retried with the same clientMutationId
                data = response.json().get("data") if response.status_code == 200 else None
                if data and data["addComment"]["__typename"] == "CommentSuccess":
                    acknowledged[body] = data["addComment"]["comment"]["id"]
                    if len(acknowledged) == kill_after and not killed.is_set():
                        killed.set()
                        d.webs[0].kill()  # kill -9 while the others are in flight
                    return
                await asyncio.sleep(0.2)

    limits = httpx.Limits(max_connections=at_once, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=d.balancer, timeout=20, limits=limits) as client:
        await asyncio.gather(*(write(client, n) for n in range(total)))
        assert killed.is_set()
        # The balancer routes around the dead instance: every request now succeeds at once.
        for _ in range(20):
            response = await client.post("/graphql", json={"query": "{ __typename }"}, headers=USER)
            assert response.status_code == 200, response.text
    assert d.webs[0].popen is not None and d.webs[0].popen.returncode == -signal.SIGKILL
    assert len(acknowledged) == total, f"{total - len(acknowledged)} writes never acknowledged"
    connection = await asyncpg.connect(d.database_url)
    try:
        rows = await connection.fetch(
            "SELECT body, count(*) AS n FROM comments WHERE body LIKE $1 GROUP BY body",
            f"scale-out {run} %",
        )
    finally:
        await connection.close()
    stored = {r["body"]: r["n"] for r in rows}
    assert {b: stored.get(b, 0) for b in acknowledged} == dict.fromkeys(acknowledged, 1)
    retried = sum(1 for n in attempts.values() if n > 1)
    print(f"\n{total} writes, {retried} retried after the kill, each stored exactly once")


async def test_a_standing_by_worker_takes_over_when_the_active_one_is_killed(
    deployment: Deployment,
) -> None:
    d = deployment
    active, standby = await d.active_and_standby()
    active.kill()

    async def took_over() -> bool:
        return bool((await health(standby))["active"])

    seconds = await until(took_over, TAKEOVER, "the standing-by worker taking over", d)
    print(f"\nthe standing-by worker took over {seconds:.1f} s after kill -9")
    assert "became active" in standby.log.read_text()
    assert "townhall_worker_active 1.0" in await metrics(standby)
