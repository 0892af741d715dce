"""Bearer tokens from a real OpenID provider (discovery, its JWKS, its ID tokens), and
keys from a JWKS endpoint: rotation, made-up ``kid``s, keys that do not fit the token,
and a provider that cannot be reached — each through a gateway served by uvicorn.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from servers import Council
from servers.oidc import (
    AUDIENCE,
    CLIENT_ID,
    ISSUER,
    JwksServer,
    OidcProvider,
    claims,
    ec_key,
    public_jwk,
    rsa_key,
    running,
    sign,
)

from gateway import auth
from gateway.oidc import KeysUnavailable, RemoteKeys
from gateway.settings import AuthSettings
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import Gateway, base_settings, serve

#: The provider's authlib warns of its own deprecated calls on every token it issues.
pytestmark = [
    pytest.mark.filterwarnings(r"ignore::DeprecationWarning:authlib\."),
    pytest.mark.filterwarnings("ignore::authlib.deprecate.AuthlibDeprecationWarning"),
]

QUERY = {"query": "{ me { accountName } }"}
#: Shown to a client, these would tell it about Townhall's set-up.
INTERNALS = ("127.0.0.1", "http", "kid", "jwks", "Traceback", "Error")


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    yield from running(OidcProvider())


@pytest.fixture(scope="module")
async def oidc_gateway(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
    provider: OidcProvider,
) -> AsyncIterator[Gateway]:
    """Signs in with the provider's ID tokens, Entra's claim mapping, keys by discovery."""
    settings = base_settings(council, scim_server, webdav_server, tmp_path_factory.mktemp("oidc"))
    settings.auth = AuthSettings(
        oidc_issuer_url=provider.issuer,
        jwt_audience=CLIENT_ID,
        claim_mapping="entra",
        jwks_refresh_interval=2,
    )
    async with serve(settings) as gateway:
        yield gateway


async def ask(gateway: Gateway, token: str) -> tuple[int, str]:
    """(status, account name or error message) for ``token``; no internals in errors."""
    async with gateway.client() as client:
        response = await client.post(
            "/graphql", json=QUERY, headers={"Authorization": f"Bearer {token}"}
        )
    body = response.json()
    if response.status_code == 200:
        return 200, body["data"]["me"]["accountName"]
    error = body["errors"][0]
    code = {401: "UNAUTHENTICATED", 403: "FORBIDDEN"}[response.status_code]
    assert error["extensions"]["code"] == code
    assert not any(word in error["message"] for word in INTERNALS), error
    return response.status_code, error["message"]


def upn_of(council: Council, account: str) -> str:
    upn: str = next(p for p in council.people if p["sAMAccountName"] == account)[
        "userPrincipalName"
    ]
    return upn


async def test_the_providers_id_tokens_sign_people_in(
    oidc_gateway: Gateway, provider: OidcProvider, council: Council
) -> None:
    alex, priya = upn_of(council, "alex.morgan"), upn_of(council, "priya.shah")
    leaver = next(p for p in council.people if not p["enabled"] and p["hasAd"])
    oid = str(uuid.uuid4())
    # Entra v2 names the person by preferred_username (with the "profile" scope) ...
    v2 = await provider.token("alex", {"oid": oid, "preferred_username": alex})
    assert await ask(oidc_gateway, v2) == (200, "alex.morgan")
    # ... v1 by upn, which wins over preferred_username when both are there.
    both = await provider.token("priya", {"upn": priya, "preferred_username": alex})
    assert await ask(oidc_gateway, both) == (200, "priya.shah")
    # Without the profile scope the provider leaves preferred_username out: nobody named.
    bare = await provider.token("alex", {"oid": oid, "preferred_username": alex}, "openid")
    assert await ask(oidc_gateway, bare) == (401, auth.NAMES_NOBODY)
    ghost = await provider.token("ghost", {"upn": "ghost@northshire.test"})
    assert await ask(oidc_gateway, ghost) == (403, "This account is not known to the directory.")
    gone = await provider.token("gone", {"upn": leaver["userPrincipalName"]})
    assert await ask(oidc_gateway, gone) == (403, "This account is disabled.")


async def test_forged_tokens_naming_the_providers_key_are_refused(
    oidc_gateway: Gateway, provider: OidcProvider, council: Council
) -> None:
    kid = (await provider.jwks())["keys"][0]["kid"]
    body = claims(iss=provider.issuer, aud=CLIENT_ID, upn=upn_of(council, "alex.morgan"))
    answers = {
        "another RSA key": await ask(oidc_gateway, sign(rsa_key(), "RS256", body, kid)),
        # The provider's key is RSA: an ES256 token naming it once raised a TypeError (503).
        "ES256 naming an RSA key": await ask(oidc_gateway, sign(ec_key(), "ES256", body, kid)),
        "ES384 naming an RSA key": await ask(
            oidc_gateway, sign(ec_key(ec.SECP384R1()), "ES384", body, kid)
        ),
        "unknown kid": await ask(oidc_gateway, sign(rsa_key(), "RS256", body, "rotated-away")),
        "garbage": await ask(oidc_gateway, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"),
    }
    assert answers == {
        "another RSA key": (401, auth.UNVERIFIED),
        "ES256 naming an RSA key": (401, auth.UNVERIFIED),
        "ES384 naming an RSA key": (401, auth.UNVERIFIED),
        "unknown kid": (401, auth.UNVERIFIED),
        "garbage": (401, auth.UNVERIFIED),
    }


async def test_made_up_kids_cost_the_provider_one_fetch_per_interval(
    oidc_gateway: Gateway, provider: OidcProvider, council: Council
) -> None:
    body = claims(iss=provider.issuer, aud=CLIENT_ID, upn=upn_of(council, "alex.morgan"))
    key = rsa_key()
    forged = [sign(key, "RS256", body, secrets.token_hex(8)) for _ in range(80)]
    await asyncio.sleep(2.2)  # the refresh interval (2 s) has passed since the last fetch
    jwks, discovery = provider.requests["/jwks"], provider.requests[_DISCOVERY]
    answers = await asyncio.gather(*(ask(oidc_gateway, t) for t in forged[:40]))
    assert provider.requests["/jwks"] == jwks + 1  # forty unknown kids, one refetch
    answers += await asyncio.gather(*(ask(oidc_gateway, t) for t in forged[40:]))
    assert provider.requests["/jwks"] == jwks + 1  # within the interval: none
    assert provider.requests[_DISCOVERY] == discovery
    assert set(answers) == {(401, auth.UNVERIFIED)}
    # The provider's own tokens are still accepted with the keys held.
    token = await provider.token("alex", {"upn": upn_of(council, "alex.morgan")})
    assert await ask(oidc_gateway, token) == (200, "alex.morgan")


_DISCOVERY = "/.well-known/openid-configuration"


# -- a JWKS endpoint with keys of every kind, ADFS's claims ------------------------------


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # meant so
async def test_keys_fit_only_the_algorithms_they_are_for(
    council: Council, scim_server: ScimServer, webdav_server: WebDavServer, tmp_path: Path
) -> None:
    rsa, ec256, ec384 = rsa_key(), ec_key(), ec_key(ec.SECP384R1())
    pinned, short = rsa_key(), rsa_key(1024)
    jwks = JwksServer(
        [
            public_jwk(rsa, kid="rsa", use="sig"),
            public_jwk(ec256, kid="ec256"),
            public_jwk(ec384, kid="ec384"),
            public_jwk(pinned, kid="pinned", alg="RS256"),
            public_jwk(short, kid="short"),
            public_jwk(rsa_key(), kid="for-encryption", use="enc"),
            {"kty": "RSA", "kid": "junk", "n": "not base64!", "e": "AQAB"},
        ]
    )
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.auth = AuthSettings(
        jwt_jwks_url=jwks.url,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        claim_mapping="adfs",
        netbios_domain="NORTHSHIRE",
        jwks_refresh_interval=1,
    )
    priya = upn_of(council, "priya.shah")
    for _ in running(jwks):
        async with serve(settings) as gateway:
            accepted = {
                "RS256": await ask(gateway, sign(rsa, "RS256", claims(upn=priya), "rsa")),
                "PS384": await ask(gateway, sign(rsa, "PS384", claims(upn=priya), "rsa")),
                "ES256": await ask(gateway, sign(ec256, "ES256", claims(upn=priya), "ec256")),
                "ES384": await ask(gateway, sign(ec384, "ES384", claims(upn=priya), "ec384")),
                "unique_name": await ask(
                    gateway,
                    sign(rsa, "RS256", claims(unique_name="NORTHSHIRE\\alex.morgan"), "rsa"),
                ),
            }
            refused = {
                "ES256 naming RSA": await ask(
                    gateway, sign(ec256, "ES256", claims(upn=priya), "rsa")
                ),
                "RS256 naming EC": await ask(
                    gateway, sign(rsa, "RS256", claims(upn=priya), "ec256")
                ),
                "ES256 naming P-384": await ask(
                    gateway, sign(ec256, "ES256", claims(upn=priya), "ec384")
                ),
                "PS256 naming an RS256 key": await ask(
                    gateway, sign(pinned, "PS256", claims(upn=priya), "pinned")
                ),
                "1024-bit RSA": await ask(
                    gateway, sign(short, "RS256", claims(upn=priya), "short")
                ),
                "encryption key": await ask(
                    gateway, sign(rsa, "RS256", claims(upn=priya), "for-encryption")
                ),
                "junk key": await ask(gateway, sign(rsa, "RS256", claims(upn=priya), "junk")),
                "another domain": await ask(
                    gateway, sign(rsa, "RS256", claims(unique_name="SOUTH\\alex.morgan"), "rsa")
                ),
            }
            # A key the issuer adds is found by its kid once the interval has passed.
            fetches = jwks.requests["/jwks"]
            rotated = rsa_key()
            jwks.keys.append(public_jwk(rotated, kid="rotated"))
            await asyncio.sleep(1.1)
            after_rotation = await ask(
                gateway, sign(rotated, "RS256", claims(upn=priya), "rotated")
            )
            assert jwks.requests["/jwks"] == fetches + 1
    assert accepted == {
        "RS256": (200, "priya.shah"),
        "PS384": (200, "priya.shah"),
        "ES256": (200, "priya.shah"),
        "ES384": (200, "priya.shah"),
        "unique_name": (200, "alex.morgan"),
    }
    assert refused == {
        "ES256 naming RSA": (401, auth.UNVERIFIED),
        "RS256 naming EC": (401, auth.UNVERIFIED),
        "ES256 naming P-384": (401, auth.UNVERIFIED),
        "PS256 naming an RS256 key": (401, auth.UNVERIFIED),
        "1024-bit RSA": (401, auth.UNVERIFIED),
        "encryption key": (401, auth.UNVERIFIED),
        "junk key": (401, auth.UNVERIFIED),
        "another domain": (401, auth.NAMES_NOBODY),
    }
    assert after_rotation == (200, "priya.shah")


# -- a provider that cannot be reached ---------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_unreachable_provider_refuses_sign_in_and_warns_once(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="townhall.auth")
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.auth = AuthSettings(
        oidc_issuer_url=f"http://127.0.0.1:{closed_port()}", jwt_audience=CLIENT_ID
    )
    token = sign(rsa_key(), "RS256", claims(upn=upn_of(council, "alex.morgan")))
    async with serve(settings) as gateway:
        answers = [await ask(gateway, token) for _ in range(5)]
    assert answers == [(401, auth.KEYS_UNAVAILABLE)] * 5
    ours = [r for r in caplog.records if r.name == "townhall.auth"]
    warnings = [r for r in ours if r.levelno == logging.WARNING]
    refusals = [r for r in ours if r.levelno == logging.INFO and "refused" in r.getMessage()]
    assert len(warnings) == 1 and "could not be fetched" in warnings[0].getMessage()
    assert len(refusals) == 5
    assert not any(r.exc_info for r in ours)


# -- the key source on its own, against real endpoints -----------------------------------


async def test_discovery_must_name_the_configured_issuer() -> None:
    key = rsa_key()
    server = JwksServer([public_jwk(key, kid="k")])
    for _ in running(server):
        server.discovery = {"issuer": "https://elsewhere.test", "jwks_uri": server.url}
        keys = RemoteKeys(issuer_url=server.base, refresh_interval=1)
        await keys.start()
        with pytest.raises(KeysUnavailable):
            await keys.key_for("k", "RS256")
        assert server.requests["/jwks"] == 0  # never trusted the keys of the wrong issuer
        server.discovery = {"issuer": server.base + "/", "jwks_uri": server.url}
        await asyncio.sleep(1.1)  # a failed fetch is retried after the interval
        assert (await keys.key_for("k", "RS256")).key_id == "k"
        assert keys.issuer == server.base + "/"


async def test_remote_keys_never_block_the_event_loop(provider: OidcProvider) -> None:
    keys = RemoteKeys(issuer_url=provider.issuer, refresh_interval=60)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    await keys.start()
    elapsed = time.perf_counter() - started
    ticker.cancel()
    assert keys.issuer == provider.issuer
    assert ticks > 1, f"the loop did not run while the keys were fetched ({elapsed:.3f} s)"
