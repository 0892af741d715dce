"""Bearer-token sign-in with a configured public key, the claim mappings, and the
settings that refuse unsafe production set-ups.

(OpenID discovery and JWKS keys: ``test_auth_oidc.py``.)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from jwt.utils import base64url_encode
from pydantic import SecretStr, ValidationError
from servers import Council
from servers.oidc import ISSUER, claims, ec_key, public_pem, rsa_key, sign

from gateway import auth
from gateway.auth import TokenIdentity, TokenRefused, identify
from gateway.settings import AuthSettings, Settings

from .conftest import base_settings, serve

QUERY = {"query": "{ me { accountName } }"}


def hs256(body: dict[str, Any], secret: bytes) -> str:
    """An HS256 token made by hand: PyJWT (rightly) will not key HMAC with a PEM."""
    header = base64url_encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    signing_input = header + b"." + base64url_encode(json.dumps(body).encode())
    signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + base64url_encode(signature)).decode()


def unauthenticated(message: str) -> tuple[int, str, str]:
    return (401, "UNAUTHENTICATED", message)


async def test_bearer_tokens_verified_by_a_public_key(
    council: Council, scim_server: Any, webdav_server: Any, tmp_path: Path
) -> None:
    key, other_key = rsa_key(), rsa_key()
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.auth.dev_sign_in = False
    settings.auth.jwt_public_key = SecretStr(public_pem(key))
    settings.auth.jwt_issuer = ISSUER
    settings.auth.jwt_audience = "townhall"
    settings.auth.max_token_lifetime = 3600
    priya = next(p for p in council.people if p["sAMAccountName"] == "priya.shah")
    upn = priya["userPrincipalName"]
    leaver = next(p for p in council.people if not p["enabled"] and p["hasAd"])
    now = int(time.time())
    async with serve(settings) as gateway, gateway.client() as client:

        async def ask(bearer: str | None, **headers: str) -> tuple[int, str, str]:
            if bearer is not None:
                headers["Authorization"] = f"Bearer {bearer}".strip()
            response = await client.post("/graphql", json=QUERY, headers=headers)
            body = response.json()
            if response.status_code == 200:
                return (200, "", body["data"]["me"]["accountName"])
            error = body["errors"][0]
            return (response.status_code, error["extensions"]["code"], error["message"])

        assert await ask(sign(key, "RS256", claims(upn=upn))) == (200, "", "priya.shah")
        assert await ask(sign(key, "PS256", claims(upn=upn))) == (200, "", "priya.shah")
        answers = {
            "no token": await ask(None),
            "dev header ignored": await ask(None, **{"X-Townhall-User": "priya.shah"}),
            "empty bearer": await ask(""),
            "garbage": await ask("not.a.token"),
            "oversized": await ask("a" * 20_000),
            "wrong key": await ask(sign(other_key, "RS256", claims(upn=upn))),
            "ES256 against an RSA key": await ask(sign(ec_key(), "ES256", claims(upn=upn))),
            "HS256 keyed with the public key": await ask(
                hs256(claims(upn=upn), public_pem(key).encode())
            ),
            "alg none": await ask(jwt.encode(claims(upn=upn), "", algorithm="none")),
            "expired": await ask(sign(key, "RS256", claims(upn=upn, iat=now - 600, exp=now - 60))),
            "issued in the future": await ask(sign(key, "RS256", claims(upn=upn, iat=now + 600))),
            "wrong audience": await ask(sign(key, "RS256", claims(upn=upn, aud="other"))),
            "no audience": await ask(sign(key, "RS256", claims(upn=upn, aud=None))),
            "wrong issuer": await ask(sign(key, "RS256", claims(upn=upn, iss="https://evil"))),
            "no issuer": await ask(sign(key, "RS256", claims(upn=upn, iss=None))),
            "no exp": await ask(sign(key, "RS256", claims(upn=upn, exp=None))),
            "no iat": await ask(sign(key, "RS256", claims(upn=upn, iat=None))),
            "two hours long": await ask(sign(key, "RS256", claims(7200, upn=upn))),
            "long since nbf": await ask(sign(key, "RS256", claims(upn=upn, nbf=now - 7200))),
            "no upn": await ask(sign(key, "RS256", claims())),
            "unknown person": await ask(sign(key, "RS256", claims(upn="ghost@northshire.test"))),
            "leaver": await ask(sign(key, "RS256", claims(upn=leaver["userPrincipalName"]))),
        }
    assert answers == {
        "no token": unauthenticated(auth.SIGN_IN),
        "dev header ignored": unauthenticated(auth.SIGN_IN),
        "empty bearer": unauthenticated(auth.MALFORMED),
        "garbage": unauthenticated(auth.MALFORMED),
        "oversized": unauthenticated(auth.MALFORMED),
        "wrong key": unauthenticated(auth.UNVERIFIED),
        "ES256 against an RSA key": unauthenticated(auth.UNVERIFIED),
        "HS256 keyed with the public key": unauthenticated(auth.UNVERIFIED),
        "alg none": unauthenticated(auth.UNVERIFIED),
        "expired": unauthenticated(auth.EXPIRED),
        "issued in the future": unauthenticated(auth.NOT_YET_VALID),
        "wrong audience": unauthenticated(auth.NOT_FOR_US),
        "no audience": unauthenticated(auth.LACKS_CLAIM),
        "wrong issuer": unauthenticated(auth.NOT_FOR_US),
        "no issuer": unauthenticated(auth.LACKS_CLAIM),
        "no exp": unauthenticated(auth.LACKS_CLAIM),
        "no iat": unauthenticated(auth.LACKS_CLAIM),
        "two hours long": unauthenticated(auth.TOO_LONG_LIVED),
        "long since nbf": unauthenticated(auth.TOO_LONG_LIVED),
        "no upn": unauthenticated(auth.NAMES_NOBODY),
        "unknown person": (403, "FORBIDDEN", "This account is not known to the directory."),
        "leaver": (403, "FORBIDDEN", "This account is disabled."),
    }


# -- claim mappings ----------------------------------------------------------------------


def mapping(kind: str, **settings: Any) -> AuthSettings:
    return AuthSettings(claim_mapping=kind, **settings)


@pytest.mark.parametrize(
    ("settings", "token_claims", "named"),
    [
        (mapping("upn"), {"upn": "a@x.test"}, ("a@x.test", None)),
        (mapping("upn", jwt_claim="email"), {"email": "e@x.test", "upn": "u@x.test"}, ("e@x.test", None)),
        # Entra: upn (v1 tokens, or the optional claim), else preferred_username (v2);
        # oid is Entra's object id, not the AD objectGUID: never looked up.
        (mapping("entra"), {"oid": "0b1c", "upn": "u@x.test", "preferred_username": "p@x.test"}, ("u@x.test", None)),
        (mapping("entra"), {"oid": "0b1c", "preferred_username": "p@x.test"}, ("p@x.test", None)),
        # ADFS: upn, else unique_name as a UPN or as DOMAIN\account of our domain.
        (mapping("adfs"), {"upn": "u@x.test", "unique_name": "NORTH\\other"}, ("u@x.test", None)),
        (mapping("adfs"), {"unique_name": "n@x.test"}, ("n@x.test", None)),
        (mapping("adfs", netbios_domain="NORTH"), {"unique_name": "north\\priya.shah"}, (None, "priya.shah")),
    ],
)  # fmt: skip
def test_claim_mappings_name_a_person(
    settings: AuthSettings, token_claims: dict[str, Any], named: tuple[str | None, str | None]
) -> None:
    identity = identify({"sub": "s-1", **token_claims}, settings)
    assert (identity.upn, identity.account) == named
    expected_subject = "0b1c" if settings.claim_mapping == "entra" else "s-1"
    assert identity == TokenIdentity(upn=named[0], account=named[1], subject=expected_subject)


@pytest.mark.parametrize(
    ("settings", "token_claims"),
    [
        (mapping("upn"), {"preferred_username": "p@x.test"}),
        (mapping("upn"), {"upn": 42}),
        (mapping("entra"), {"oid": "0b1c"}),  # the object id alone names nobody here
        (mapping("entra"), {"preferred_username": "+44 1632 960000"}),  # not a UPN
        (mapping("adfs"), {"unique_name": "NORTH\\priya.shah"}),  # no netbios_domain set
        (mapping("adfs", netbios_domain="NORTH"), {"unique_name": "SOUTH\\priya.shah"}),
        (mapping("adfs", netbios_domain="NORTH"), {"unique_name": "priya.shah"}),
    ],
)
def test_claim_mappings_refuse_tokens_naming_nobody(
    settings: AuthSettings, token_claims: dict[str, Any]
) -> None:
    with pytest.raises(TokenRefused) as refused:
        identify({"sub": "s-1", **token_claims}, settings)
    assert (refused.value.status, str(refused.value)) == (401, auth.NAMES_NOBODY)


# -- settings ----------------------------------------------------------------------------

LDAPS = {"mode": "ldap", "url": "ldaps://dc.council.test"}


def production(**auth_settings: Any) -> Settings:
    return Settings(environment="production", directory=LDAPS, auth=auth_settings)


def test_production_needs_issuer_audience_and_a_way_to_verify_tokens() -> None:
    pem = public_pem(rsa_key())
    refused = {
        "nothing": {},
        "no key": {"jwt_issuer": ISSUER, "jwt_audience": "townhall"},
        "no issuer": {"jwt_public_key": pem, "jwt_audience": "townhall"},
        "no audience": {"jwt_public_key": pem, "jwt_issuer": ISSUER},
        "oidc, no audience": {"oidc_issuer_url": "https://login.council.test"},
        "http JWKS": {
            "jwt_jwks_url": "http://login.council.test/keys",
            "jwt_issuer": ISSUER,
            "jwt_audience": "townhall",
        },
        "http OIDC": {"oidc_issuer_url": "http://login.council.test", "jwt_audience": "townhall"},
    }
    messages = {}
    for case, values in refused.items():
        with pytest.raises(ValidationError) as error:
            production(**values)
        messages[case] = str(error.value.errors()[0]["msg"])
    assert messages == {
        "nothing": "Value error, production needs a way to verify tokens: auth.oidc_issuer_url, "
        "auth.jwt_jwks_url or auth.jwt_public_key",
        "no key": "Value error, production needs a way to verify tokens: auth.oidc_issuer_url, "
        "auth.jwt_jwks_url or auth.jwt_public_key",
        "no issuer": "Value error, production needs auth.jwt_issuer (or auth.oidc_issuer_url)",
        "no audience": "Value error, production needs auth.jwt_audience",
        "oidc, no audience": "Value error, production needs auth.jwt_audience",
        "http JWKS": "Value error, auth.jwt_jwks_url must be https:// in production",
        "http OIDC": "Value error, auth.oidc_issuer_url must be https:// in production",
    }
    accepted = [
        {"oidc_issuer_url": "https://login.council.test/tenant/v2.0", "jwt_audience": "api"},
        {"jwt_jwks_url": "https://login.council.test/keys", "jwt_issuer": ISSUER, "jwt_audience": "a"},
        {"jwt_public_key": pem, "jwt_issuer": ISSUER, "jwt_audience": "townhall"},
    ]  # fmt: skip
    for values in accepted:
        assert production(**values).auth.jwt_audience


def test_http_key_urls_are_for_the_demo_and_tests_only() -> None:
    for environment in ("demo", "test"):
        settings = Settings(
            environment=environment,
            auth={"oidc_issuer_url": "http://127.0.0.1:9400", "jwt_audience": "townhall"},
        )
        assert settings.auth.oidc_issuer_url == "http://127.0.0.1:9400"


def test_auth_settings_refuse_what_cannot_work() -> None:
    pem = public_pem(rsa_key())
    cases = {
        "two ways": ({"jwt_public_key": pem, "oidc_issuer_url": "https://x.test"}, "only one way"),
        "not a URL": ({"jwt_jwks_url": "file:///etc/keys.json"}, "must be an https:// URL"),
        "no host": ({"oidc_issuer_url": "https://"}, "must be an https:// URL"),
        "not a key": ({"jwt_public_key": "a shared secret"}, "not a PEM public key"),
    }
    for values, message in cases.values():
        with pytest.raises(ValidationError, match=message):
            AuthSettings(**values)
    assert AuthSettings(jwt_public_key=public_pem(ec_key())).jwt_public_key


def test_production_refuses_the_development_sign_in() -> None:
    with pytest.raises(ValidationError, match="dev_sign_in"):
        production(dev_sign_in=True)


def test_production_refuses_the_embedded_directory_and_plain_ldap() -> None:
    signed = {"oidc_issuer_url": "https://login.council.test", "jwt_audience": "townhall"}
    with pytest.raises(ValidationError, match="embedded"):
        Settings(environment="production", auth=signed)
    with pytest.raises(ValidationError, match="start_tls"):
        Settings(environment="production", directory={"mode": "ldap", "url": "ldap://dc"})
    ok = Settings(
        environment="production",
        directory={"mode": "ldap", "url": "ldap://dc", "start_tls": True},
        auth=signed,
    )
    assert ok.directory.start_tls


def test_secrets_are_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOWNHALL_DIRECTORY__BIND_PASSWORD", "hunter2")
    monkeypatch.setenv("TOWNHALL_ENVIRONMENT", "test")
    settings = Settings()
    assert settings.directory.bind_password.get_secret_value() == "hunter2"
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.model_dump())
