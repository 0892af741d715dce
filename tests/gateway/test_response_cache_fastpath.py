"""The response cache's hit path in front of the app (``gateway.response_fastpath``).

Against a gateway of its own over real HTTP (the demo's upstreams; CORS for one portal
origin, a 4 KiB body limit, a half-second body deadline, bearer tokens beside the
development sign-in), and two instances sharing Redis and PostgreSQL: a repeated registered query with remembered credentials is answered
by the fast path (counted by the layer itself) exactly as the normal path answers a hit
(the layer turned off for the comparison), and every request a miss would treat
differently is not answered there.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from servers import Council
from servers.oidc import AUDIENCE, ISSUER, claims, public_pem, rsa_key, sign

from gateway.response_fastpath import ResponseFastPath
from gateway.trusted import document_hash
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import Gateway, base_settings, serve
from .test_request_garbage import post as post_into
from .test_response_cache import CARER, COLLEAGUE, OUTSIDER, ask, hits, registered
from .test_response_cache_cluster import pair, redis_server  # noqa: F401 - fixtures

PORTAL = "https://portal.northshire.test"
KEY = rsa_key()


@pytest.fixture(scope="module")
async def gateway(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    settings = base_settings(
        council, scim_server, webdav_server, tmp_path_factory.mktemp("fastpath")
    )
    settings.cache.responses = True
    settings.cache.responses_ttl = 600
    settings.server.cors_origins = [PORTAL]
    settings.server.max_body_bytes = 4096
    settings.server.body_timeout = 0.5
    settings.auth.jwt_public_key = SecretStr(public_pem(KEY))
    settings.auth.jwt_issuer = ISSUER
    settings.auth.jwt_audience = AUDIENCE
    settings.auth.leeway = 0
    async with serve(settings) as served:
        sync = served.upstreams.document_sync
        assert sync is not None
        await asyncio.wait_for(sync.ready.wait(), 60)  # its first index ends every entry
        yield served


def fast_path(gateway: Gateway) -> ResponseFastPath:
    layer = gateway.app_state.response_fast_path
    assert isinstance(layer, ResponseFastPath)
    return layer


def card_body(gateway: Gateway, *, by_hash: bool = False, first: int = 3) -> dict[str, Any]:
    text = registered("FolderDocuments")
    body: dict[str, Any] = {"variables": {"folder": "Adult Social Care/Team", "first": first}}
    if by_hash:
        body["extensions"] = {"persistedQuery": {"version": 1, "sha256Hash": document_hash(text)}}
    else:
        body["query"] = text
    return body


async def remembered_card(
    gateway: Gateway, headers: dict[str, str]
) -> tuple[ResponseFastPath, dict[str, Any], int]:
    """The layer, the card's body sent twice by the same credentials (so remembered and
    cached), and the hits the layer had answered by then."""
    body = card_body(gateway)
    layer = fast_path(gateway)
    await post(gateway, body, headers)
    await post(gateway, body, headers)
    return layer, body, layer.answered


async def post(
    gateway: Gateway, body: dict[str, Any] | bytes, headers: dict[str, str], **kw: Any
) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with gateway.client() as client:
        return await client.post(
            "/graphql",
            content=content,
            headers={"Content-Type": "application/json", **headers},
            **kw,
        )


def shape(response: httpx.Response) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers in order (the request id's and the date's values left out), body."""
    headers = [
        (name.lower(), b"" if name.lower() in (b"x-request-id", b"date") else value)
        for name, value in response.headers.raw
    ]
    return response.status_code, headers, response.content


async def answered_by_both(
    gateway: Gateway, send: Any
) -> tuple[httpx.Response, httpx.Response, int]:
    """``send()`` answered by the fast path, then by the normal path's hit (layer off):
    both responses and the hits the normal path counted."""
    layer = fast_path(gateway)
    await send()  # the first time: signs in, maybe runs, remembers the credentials
    before = layer.answered
    fast = await send()
    assert layer.answered == before + 1, fast.text
    layer.enabled = False
    try:
        counted = await hits(gateway)
        normal = await send()
        normal_hits = await hits(gateway) - counted
    finally:
        layer.enabled = True
    assert layer.answered == before + 1
    return fast, normal, normal_hits


@pytest.mark.parametrize(
    ("by_hash", "headers"),
    [
        (False, {}),
        (True, {}),
        (False, {"Accept": "application/graphql-response+json"}),
        (False, {"Accept": "text/html;q=0.5, application/*;q=0.9"}),
        (True, {"Origin": PORTAL}),
        (False, {"Origin": "https://elsewhere.test"}),
        (False, {"X-Request-Id": "portal-1234"}),
        (False, {"X-Forwarded-Proto": "https"}),  # a trusted proxy's TLS: HSTS
        (True, {"X-Forwarded-Proto": "https", "Origin": PORTAL}),
    ],
)
async def test_a_hit_is_answered_as_the_normal_path_answers_it(
    gateway: Gateway, by_hash: bool, headers: dict[str, str]
) -> None:
    body = card_body(gateway, by_hash=by_hash)
    fast, normal, normal_hits = await answered_by_both(
        gateway, lambda: post(gateway, body, {"X-Townhall-User": CARER, **headers})
    )
    assert normal_hits == 1  # the normal path's own hit: the same entry
    assert shape(fast) == shape(normal)
    assert fast.status_code == 200 and fast.json()["data"]["documents"]["totalCount"] > 0
    assert re.fullmatch(r"[0-9a-f]{16}", fast.headers["x-request-id"])
    assert fast.headers["x-content-type-options"] == "nosniff"
    assert fast.headers["cache-control"] == "no-store"
    media = headers.get("Accept", "application/json").split(",")[0]
    expected = "application/graphql-response+json" if "graphql" in media else "application/json"
    assert fast.headers["content-type"] == f"{expected}; charset=utf-8"
    origin = headers.get("Origin")
    if origin == PORTAL:
        assert fast.headers["access-control-allow-origin"] == PORTAL
    else:
        assert "access-control-allow-origin" not in fast.headers
    assert "Origin" in fast.headers.get("vary", "")  # CORS is configured: always Vary
    https = headers.get("X-Forwarded-Proto") == "https"
    assert ("strict-transport-security" in fast.headers) is https


async def test_a_get_with_query_parameters_is_answered_as_the_normal_path_does(
    gateway: Gateway,
) -> None:
    body = card_body(gateway)
    params = {"query": body["query"], "variables": json.dumps(body["variables"])}

    async def send() -> httpx.Response:
        async with gateway.client(CARER) as client:
            return await client.get("/graphql", params=params)

    fast, normal, normal_hits = await answered_by_both(gateway, send)
    assert normal_hits == 1
    assert shape(fast) == shape(normal)
    assert fast.json()["data"]["documents"]["totalCount"] > 0


async def test_a_hit_is_logged_and_counted_as_every_request(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    body = card_body(gateway, first=2)
    headers = {"X-Townhall-User": CARER, "X-Request-Id": "widget-77"}
    await post(gateway, body, headers)
    await post(gateway, body, headers)

    async def requests_total() -> float:
        async with gateway.client() as client:
            text = (await client.get("/metrics")).text
        found = re.search(
            r'^townhall_requests_total\{operation="FolderDocuments",outcome="ok",status="200"\}'
            r" ([\d.e+]+)$",
            text,
            re.M,
        )
        return float(found.group(1)) if found else 0.0

    before, before_hits = await requests_total(), await hits(gateway)
    answered = fast_path(gateway).answered
    with caplog.at_level(logging.INFO, logger="townhall.requests"):
        response = await post(gateway, body, headers)
        assert fast_path(gateway).answered == answered + 1
        assert await hits(gateway) == before_hits + 1
        assert await requests_total() == before + 1
        fast_path(gateway).enabled = False
        try:
            await post(gateway, body, headers)  # the normal path's hit, for its line
        finally:
            fast_path(gateway).enabled = True
    fast, normal = [r.getMessage() for r in caplog.records if r.name == "townhall.requests"]
    assert fast.startswith(f"graphql id={response.headers['x-request-id']} ")

    def fields(line: str) -> list[str]:
        return [f for f in line.split(" ") if not f.startswith(("id=", "ms="))]

    assert fields(fast) == fields(normal)
    assert " op=FolderDocuments " in fast and " status=200 outcome=ok " in fast
    assert " viewer=- " not in fast and fast.endswith(" client_id=widget-77")


async def test_other_credentials_are_signed_in_first(gateway: Gateway) -> None:
    body = card_body(gateway)
    layer = fast_path(gateway)
    await post(gateway, body, {"X-Townhall-User": CARER})
    await post(gateway, body, {"X-Townhall-User": CARER})  # remembered now
    answered, counted = layer.answered, await hits(gateway)
    for headers in (
        {"X-Townhall-User": COLLEAGUE},  # another person of the same class
        {"X-Townhall-User": CARER, "Cookie": "theme=dark"},  # not the very same headers
        {"X-Townhall-User": CARER, "Origin": "https://never-seen.test"},
    ):
        response = await post(gateway, body, headers)
        assert response.status_code == 200, response.text
        assert layer.answered == answered, headers
    # Each was signed in, then answered from the cache by the normal path.
    assert await hits(gateway) == counted + 3


async def test_a_token_past_its_expiry_is_never_answered(
    gateway: Gateway, council: Council
) -> None:
    upn = next(p for p in council.people if p["sAMAccountName"] == CARER)["userPrincipalName"]
    signed = claims(lifetime=2, upn=upn)
    token = sign(KEY, "RS256", signed)
    headers = {"Authorization": f"Bearer {token}"}
    body = card_body(gateway, first=4)
    layer = fast_path(gateway)
    await post(gateway, body, headers)
    answered = layer.answered
    assert (await post(gateway, body, headers)).status_code == 200
    assert layer.answered == answered + 1
    await asyncio.sleep(max(0.0, signed["exp"] - time.time()) + 1.1)
    expired = await post(gateway, body, headers)
    assert expired.status_code == 401, expired.text
    assert expired.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert layer.answered == answered + 1


async def test_a_change_between_sign_in_and_now_ends_the_remembered_sign_in(
    gateway: Gateway,
) -> None:
    body = card_body(gateway, first=5)
    headers = {"X-Townhall-User": CARER}
    layer = fast_path(gateway)
    await post(gateway, body, headers)
    answered = layer.answered
    await post(gateway, body, headers)
    assert layer.answered == answered + 1
    await gateway.clear_cache()  # a change the record cache reports: the generation moves
    after = await post(gateway, body, headers)
    assert after.status_code == 200 and after.json()["data"]["documents"]["totalCount"] > 0
    assert layer.answered == answered + 1  # signed in and run again
    await post(gateway, body, headers)
    assert layer.answered == answered + 2  # remembered again


async def test_a_miss_reaches_the_app_with_the_body_read(gateway: Gateway) -> None:
    headers = {"X-Townhall-User": CARER}
    layer = fast_path(gateway)
    await post(gateway, card_body(gateway, first=1), headers)
    answered = layer.answered
    other = await post(gateway, card_body(gateway, first=6), headers)  # not cached yet
    assert other.status_code == 200, other.text
    assert len(other.json()["data"]["documents"]["nodes"]) == min(
        6, other.json()["data"]["documents"]["totalCount"]
    )
    ad_hoc = await post(gateway, {"query": "{ __typename }"}, headers)
    assert ad_hoc.json() == {"data": {"__typename": "Query"}}
    assert layer.answered == answered


async def test_unusual_requests_go_to_the_app(gateway: Gateway) -> None:
    headers = {"X-Townhall-User": CARER}
    layer, body, answered = await remembered_card(gateway, headers)
    encoded = json.dumps(body).encode()

    async def chunks() -> AsyncIterator[bytes]:
        yield encoded[:10]
        yield encoded[10:]

    async with gateway.client(CARER) as client:
        chunked = await client.post(
            "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert chunked.status_code == 200 and "transfer-encoding" in chunked.request.headers
        assert chunked.json()["data"]["documents"]["totalCount"] > 0
        too_large = encoded[:-1] + b" " * 5000 + b"}"
        refused = await client.post(
            "/graphql", content=too_large, headers={"Content-Type": "application/json"}
        )
        assert refused.status_code == 413
        assert refused.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
        assert (await client.post("/graphql", content=encoded)).status_code == 415
        text_only = await client.post(
            "/graphql",
            content=encoded,
            headers={"Content-Type": "application/json", "Accept": "text/html"},
        )
        assert text_only.status_code == 406
        head = await client.head("/graphql", params={"query": body["query"]})
        assert head.status_code == 405
        preflight = await client.options(
            "/graphql",
            headers={"Origin": PORTAL, "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == PORTAL
        batched = await client.post(
            "/graphql", content=b"[" + encoded + b"]", headers={"Content-Type": "application/json"}
        )
        assert batched.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert layer.answered == answered


async def test_a_late_body_is_refused_as_the_guard_refuses_it(gateway: Gateway) -> None:
    headers = {"X-Townhall-User": CARER}
    layer, body, answered = await remembered_card(gateway, headers)
    encoded = json.dumps(body).encode()
    port = int(gateway.url.rsplit(":", 1)[1])
    # The very headers httpx sends for this viewer (so remembered), by hand.
    head = (
        b"POST /graphql HTTP/1.1\r\nhost: 127.0.0.1:%d\r\ncontent-type: application/json\r\n"
        b"x-townhall-user: %s\r\ncontent-length: %d\r\n\r\n" % (port, CARER.encode(), len(encoded))
    )

    async def exchange(sent: bytes) -> tuple[bytes, float]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(sent)
            await writer.drain()
            started = time.monotonic()
            answer = await asyncio.wait_for(reader.read(), 10)
            return answer, time.monotonic() - started
        finally:
            writer.close()

    whole, _ = await exchange(head.replace(b"\r\n\r\n", b"\r\nconnection: close\r\n\r\n") + encoded)
    assert whole.startswith(b"HTTP/1.1 200 "), whole[:200]
    assert layer.answered == answered + 1  # these headers take the fast path
    answer, waited = await exchange(head + encoded[:20])  # half the body, then nothing
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b"\r\nconnection: close\r\n" in answer.lower()
    assert b"REQUEST_TIMEOUT" in answer
    assert 0.4 < waited < 5
    assert layer.answered == answered + 1


async def test_a_write_through_another_instance_ends_a_remembered_sign_in(
    pair: tuple[Gateway, Gateway],  # noqa: F811 - the cluster module's fixture
) -> None:
    """Two instances sharing the generation in Redis: the fast path reads it too."""
    first, second = pair
    body = card_body(second, first=2)
    headers = {"X-Townhall-User": COLLEAGUE}
    layer = fast_path(second)
    listing = (await post(second, body, headers)).json()
    answered = layer.answered
    assert (await post(second, body, headers)).json() == listing
    assert layer.answered == answered + 1
    me = await ask(first, "Me", {}, OUTSIDER)
    followed = await ask(first, "FollowPerson", {"id": me["data"]["me"]["id"]}, CARER)
    assert followed["data"]["followPerson"]["__typename"] == "FollowSuccess", followed
    assert (await post(second, body, headers)).status_code == 200
    assert layer.answered == answered + 1  # the shared generation moved: signed in again
    await post(second, body, headers)
    assert layer.answered == answered + 2


async def test_a_fast_hit_leaves_no_cyclic_garbage(gateway: Gateway) -> None:
    layer = fast_path(gateway)
    body = json.dumps(card_body(gateway, first=7)).encode()
    for _ in range(3):  # signed in, run and kept, then remembered
        answer = await post_into(layer, body)
        assert answer.get("data") and not answer.get("errors"), answer
    answered = layer.answered
    counts = []
    for _ in range(3):  # the fewest: background jobs of the session share the heap
        gc.collect()
        gc.disable()
        try:
            for _ in range(50):
                await post_into(layer, body)
            counts.append(gc.collect() / 50)
        finally:
            gc.enable()
    assert layer.answered == answered + 150
    assert min(counts) == 0, f"{counts} objects in cycles per request"
