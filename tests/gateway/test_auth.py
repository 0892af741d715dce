"""Bearer-token sign-in (JWT) and the settings that refuse unsafe production set-ups."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr, ValidationError
from servers import Council

from gateway.settings import Settings

from .conftest import base_settings, serve


def keypair() -> tuple[Any, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key, public.decode()


def token(key: Any, **claims: Any) -> str:
    now = int(time.time())
    body = {"iat": now, "exp": now + 300, "iss": "https://login.council.test", "aud": "townhall"}
    body.update(claims)
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm="RS256")


async def test_bearer_tokens(
    council: Council, scim_server: Any, webdav_server: Any, tmp_path: Path
) -> None:
    key, public = keypair()
    other_key, _ = keypair()
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.auth.dev_sign_in = False
    settings.auth.jwt_public_key = SecretStr(public)
    settings.auth.jwt_issuer = "https://login.council.test"
    settings.auth.jwt_audience = "townhall"
    priya = next(p for p in council.people if p["sAMAccountName"] == "priya.shah")
    leaver = next(p for p in council.people if not p["enabled"] and p["hasAd"])
    query = {"query": "{ me { accountName } }"}
    async with serve(settings) as gateway, gateway.client() as client:

        async def ask(bearer: str | None, **headers: str) -> tuple[int, dict[str, Any]]:
            if bearer is not None:
                headers["Authorization"] = f"Bearer {bearer}"
            response = await client.post("/graphql", json=query, headers=headers)
            return response.status_code, response.json()

        status, body = await ask(token(key, upn=priya["userPrincipalName"]))
        assert (status, body["data"]["me"]["accountName"]) == (200, "priya.shah")

        refused = {
            "no token": await ask(None),
            "dev header ignored": await ask(None, **{"X-Townhall-User": "priya.shah"}),
            "wrong key": await ask(token(other_key, upn=priya["userPrincipalName"])),
            "expired": await ask(
                token(key, upn=priya["userPrincipalName"], exp=int(time.time()) - 120)
            ),
            "wrong audience": await ask(token(key, upn=priya["userPrincipalName"], aud="other")),
            "wrong issuer": await ask(
                token(key, upn=priya["userPrincipalName"], iss="https://evil")
            ),
            "no claim": await ask(token(key)),
            "unknown person": await ask(token(key, upn="ghost@northshire.test")),
            "leaver": await ask(token(key, upn=leaver["userPrincipalName"])),
            "garbage": await ask("not.a.token"),
        }
    for case, (status, body) in refused.items():
        assert status in (401, 403), case
        assert "data" not in body and body["errors"][0]["extensions"]["code"] in {
            "UNAUTHENTICATED",
            "FORBIDDEN",
        }, case
    assert refused["no token"][0] == 401


def test_production_refuses_the_development_sign_in() -> None:
    with pytest.raises(ValidationError, match="dev_sign_in"):
        Settings(
            environment="production",
            auth={"dev_sign_in": True},
            directory={"mode": "ldap", "url": "ldaps://dc.council.test"},
        )  # type: ignore[arg-type]


def test_production_refuses_the_embedded_directory_and_plain_ldap() -> None:
    with pytest.raises(ValidationError, match="embedded"):
        Settings(environment="production")
    with pytest.raises(ValidationError, match="start_tls"):
        Settings(environment="production", directory={"mode": "ldap", "url": "ldap://dc"})  # type: ignore[arg-type]
    ok = Settings(
        environment="production", directory={"mode": "ldap", "url": "ldap://dc", "start_tls": True}
    )  # type: ignore[arg-type]
    assert ok.directory.start_tls


def test_secrets_are_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOWNHALL_DIRECTORY__BIND_PASSWORD", "hunter2")
    monkeypatch.setenv("TOWNHALL_ENVIRONMENT", "test")
    settings = Settings()
    assert settings.directory.bind_password.get_secret_value() == "hunter2"
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.model_dump())
