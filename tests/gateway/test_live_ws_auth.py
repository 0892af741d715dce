"""Who may open a live connection, and run what: the upgrade's Origin, sign-in at
connection_init with the HTTP path's token rules, the token cookie (over WebSocket and
HTTP, with its cross-site refusals), a token's expiry, and registered-only operations."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from graphql import parse, print_ast
from pydantic import SecretStr
from servers import Council
from servers.gateway import Gateway, serve
from servers.oidc import ISSUER, claims, public_pem, rsa_key, sign
from websockets.exceptions import InvalidStatus

from gateway import auth
from gateway.trusted import document_hash
from schema.ids import global_id

from .conftest import base_settings
from .live_ws import ADD_COMMENT, COMMENT_EVENTS, live

PORTAL = "https://portal.council.test"
COOKIE = "townhall_token"
KEY = rsa_key()
ME = {"query": "{ me { accountName } }"}


def person(council: Council, account: str) -> dict[str, Any]:
    return next(p for p in council.people if p["sAMAccountName"] == account)


def token(council: Council, account: str, lifetime: int = 300, **changes: Any) -> str:
    upn = person(council, account)["userPrincipalName"]
    return sign(KEY, "RS256", claims(lifetime, upn=upn, **changes))


@pytest.fixture(scope="module")
async def gateway(
    council: Council, scim_server: Any, webdav_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Gateway]:
    settings = base_settings(council, scim_server, webdav_server, tmp_path_factory.mktemp("wsa"))
    settings.auth.dev_sign_in = False
    settings.auth.jwt_public_key = SecretStr(public_pem(KEY))
    settings.auth.jwt_issuer = ISSUER
    settings.auth.jwt_audience = "townhall"
    settings.auth.max_token_lifetime = 3600
    settings.auth.leeway = 0
    settings.auth.token_cookie = COOKIE
    settings.server.cors_origins = [PORTAL]
    settings.live.connection_init_timeout = 5
    async with serve(settings) as gateway:
        yield gateway


# The upgrade's Origin


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "null", "http://127.0.0.1:1", PORTAL + ".evil.example", "file://"],
)
async def test_an_upgrade_from_another_site_is_refused_403(gateway: Gateway, origin: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with live(gateway, origin=origin):
            pass
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize("origin", [PORTAL, "own", None])
async def test_an_upgrade_from_the_gateway_or_a_portal_is_accepted(
    gateway: Gateway, council: Council, origin: str | None
) -> None:
    async with live(gateway, origin=gateway.url if origin == "own" else origin) as client:
        await client.init({"authorization": f"Bearer {token(council, 'priya.shah')}"})


# Sign-in at connection_init


async def http_refusal(gateway: Gateway, bearer: str | None) -> str:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    async with gateway.client() as http:
        response = await http.post("/graphql", json=ME, headers=headers)
    assert response.status_code in (401, 403)
    return str(response.json()["errors"][0]["message"])


async def test_a_token_in_connection_init_signs_in(gateway: Gateway, council: Council) -> None:
    for key in ("authorization", "Authorization"):
        async with live(gateway) as client:
            await client.init({key: f"Bearer {token(council, 'priya.shah')}"})
            target = global_id("Person", person(council, "priya.shah")["guid"])
            await client.subscribe("c", COMMENT_EVENTS, {"target": target})
            await client.nothing(0.2)  # running, no error


async def test_refused_tokens_close_with_4403_and_the_http_message(
    gateway: Gateway, council: Council, caplog: pytest.LogCaptureFixture
) -> None:
    now = int(time.time())
    leaver = next(p for p in council.people if not p["enabled"] and p["hasAd"])
    bearers: dict[str, str | None] = {
        "no token": None,
        "garbage": "not.a.token",
        "wrong key": sign(rsa_key(), "RS256", claims(upn="priya.shah@northshire.test")),
        "expired": token(council, "priya.shah", iat=now - 600, exp=now - 60),
        "wrong audience": token(council, "priya.shah", aud="other"),
        "unknown person": sign(KEY, "RS256", claims(upn="ghost@northshire.test")),
        "leaver": sign(KEY, "RS256", claims(upn=leaver["userPrincipalName"])),
    }
    closes: dict[str, tuple[int | None, str]] = {}
    expected: dict[str, tuple[int | None, str]] = {}
    for case, bearer in bearers.items():
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="townhall.auth"):
            async with live(gateway) as client:
                payload = {"authorization": f"Bearer {bearer}"} if bearer is not None else {}
                await client.send({"type": "connection_init", "payload": payload})
                closes[case] = await client.closed()
        refusals = [r for r in caplog.records if "sign-in refused" in r.getMessage()]
        assert len(refusals) == 1 and refusals[0].levelno == logging.INFO, case
        assert not refusals[0].exc_info
        expected[case] = (4403, await http_refusal(gateway, bearer))
    assert closes == expected
    assert closes["no token"] == (4403, auth.SIGN_IN)
    assert closes["leaver"] == (4403, "This account is disabled.")


@pytest.mark.parametrize(
    "payload",
    [
        {"x-townhall-user": "priya.shah"},  # the development sign-in is off here
        {"authorization": 42},
        {"authorization": "Bearer a.b.c", "Authorization": "Bearer d.e.f"},
    ],
)
async def test_other_connection_init_payloads_are_refused(
    gateway: Gateway, payload: dict[str, Any]
) -> None:
    async with live(gateway) as client:
        await client.send({"type": "connection_init", "payload": payload})
        code, reason = await client.closed()
    assert code == 4403 and reason in (auth.SIGN_IN, auth.MALFORMED)


async def test_the_connection_closes_when_the_token_expires(
    gateway: Gateway, council: Council
) -> None:
    now = int(time.time())
    short = token(council, "priya.shah", iat=now, exp=now + 2)
    async with live(gateway) as client, live(gateway) as control:
        await client.init({"authorization": f"Bearer {short}"})
        await control.init({"authorization": f"Bearer {token(council, 'priya.shah', 600)}"})
        code, reason = await client.closed(within=6)
        assert (code, reason) == (4403, "The bearer token has expired.")
        assert time.time() >= now + 2
        await control.send({"type": "ping"})  # a token that has not expired: still open
        assert await control.recv() == {"type": "pong"}


# The token cookie


async def test_a_token_cookie_signs_in_a_websocket_from_an_allowed_origin(
    gateway: Gateway, council: Council
) -> None:
    cookie = {"Cookie": f"{COOKIE}={token(council, 'priya.shah')}"}
    async with live(gateway, origin=PORTAL, headers=cookie) as client:
        await client.init()
    async with live(gateway, headers=cookie) as client:  # no Origin: no cookie sign-in
        await client.send({"type": "connection_init"})
        assert await client.closed() == (4403, auth.CROSS_SITE_COOKIE)
    with pytest.raises(InvalidStatus) as refused:
        async with live(gateway, origin="https://evil.example", headers=cookie):
            pass
    assert refused.value.response.status_code == 403


async def test_a_token_cookie_signs_in_http_requests_only_from_allowed_origins(
    gateway: Gateway, council: Council
) -> None:
    jar = {COOKIE: token(council, "priya.shah")}

    async def ask(method: str, **headers: str) -> tuple[int, str]:
        async with gateway.client(cookies=jar) as http:
            if method == "POST":
                response = await http.post("/graphql", json=ME, headers=headers)
            else:
                response = await http.get("/graphql", params=ME, headers=headers)
        body = response.json()
        if response.status_code == 200:
            return 200, body["data"]["me"]["accountName"]
        return response.status_code, body["errors"][0]["message"]

    assert await ask("POST", Origin=PORTAL) == (200, "priya.shah")
    assert await ask("POST", Origin=gateway.url) == (200, "priya.shah")
    assert await ask("GET") == (200, "priya.shah")  # browsers send no Origin on same-site GET
    assert await ask("POST", Origin="https://evil.example") == (403, auth.CROSS_SITE_COOKIE)
    assert await ask("POST") == (403, auth.CROSS_SITE_COOKIE)
    assert await ask("GET", Origin="https://evil.example") == (403, auth.CROSS_SITE_COOKIE)
    # A bearer token is no ambient credential: it is taken from any origin, over the cookie.
    bearer = f"Bearer {token(council, 'alex.morgan')}"
    assert await ask("POST", Origin="https://evil.example", Authorization=bearer) == (
        200,
        "alex.morgan",
    )


async def test_without_the_setting_a_cookie_is_no_sign_in(
    council: Council, scim_server: Any, webdav_server: Any, tmp_path: Path
) -> None:
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.auth.dev_sign_in = False
    settings.auth.jwt_public_key = SecretStr(public_pem(KEY))
    settings.auth.jwt_issuer = ISSUER
    settings.auth.jwt_audience = "townhall"
    async with serve(settings) as gateway:
        jar = {COOKIE: token(council, "priya.shah")}
        async with gateway.client(cookies=jar) as http:
            response = await http.post("/graphql", json=ME, headers={"Origin": gateway.url})
        assert response.status_code == 401
        async with live(gateway, headers={"Cookie": f"{COOKIE}={jar[COOKIE]}"}) as client:
            await client.send({"type": "connection_init"})
            assert await client.closed() == (4403, auth.SIGN_IN)


# Registered-only operations


async def test_registered_only_mode_runs_only_registered_subscriptions(
    council: Council, scim_server: Any, webdav_server: Any, tmp_path: Path
) -> None:
    (tmp_path / "live.graphql").write_text(COMMENT_EVENTS + ADD_COMMENT)
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.limits.trusted_documents = "registered_only"
    settings.limits.trusted_sources = [tmp_path / "live.graphql"]
    settings.limits.discovery = False
    settings.limits.analyst_groups = []
    target = global_id("Person", person(council, "alex.morgan")["guid"])
    async with serve(settings) as gateway:
        sha = document_hash(print_ast(parse(COMMENT_EVENTS)))  # as the registry prints it
        persisted = {"persistedQuery": {"version": 1, "sha256Hash": sha}}
        unregistered = "subscription Mine { notificationAdded { id } }"
        async with live(gateway) as client:
            await client.init()
            await client.send(
                {
                    "id": "by-hash",
                    "type": "subscribe",
                    "payload": {"variables": {"target": target}, "extensions": persisted},
                }
            )
            await client.subscribe("text", unregistered)
            refused = await client.recv()
            assert refused["id"] == "text" and refused["type"] == "error"
            async with gateway.client() as http:
                over_http = await http.post("/graphql", json={"query": unregistered})
            assert refused["payload"] == over_http.json()["errors"]
            assert refused["payload"][0]["extensions"]["code"] == "OPERATION_NOT_REGISTERED"
            await asyncio.sleep(0.2)
            posted = await gateway.query(
                print_ast(parse(ADD_COMMENT)),  # registered as the registry prints it
                {"input": {"targetId": target, "body": "By hash"}},
                user="priya.shah",
            )
            added = posted["data"]["addComment"]
            event = await client.recv(2)
            assert event["id"] == "by-hash" and event["type"] == "next"
            assert event["payload"]["data"]["commentEvents"]["commentId"] == added["comment"]["id"]
