"""Who is calling: a bearer token (JWT) in production, a development sign-in in the demo.

A token's claim (the UPN by default) is mapped to the person's directory record;
the stable key everywhere else is that record's objectGUID. Leavers cannot sign in.

    AuthError
    ├── NotSignedIn     no credentials (HTTP 401)
    └── SignInRefused   bad token, unknown person, leaver (HTTP 403 / 401)
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import jwt
from starlette.requests import Request

from connectors.directory import DirectoryPerson
from schema.context import Loaders

from .settings import AuthSettings

DEV_HEADER = "x-townhall-user"


class AuthError(Exception):
    status = 401


class NotSignedIn(AuthError):
    status = 401


class SignInRefused(AuthError):
    status = 403


class Authenticator:
    """Turns a request's credentials into the signed-in person's directory record."""

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url) if settings.jwt_jwks_url else None
        key = settings.jwt_public_key.get_secret_value()
        self._key = key or None

    async def viewer(self, request: Request, loaders: Loaders) -> DirectoryPerson:
        s = self._settings
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            upn = await self._claim(header[7:].strip())
            person = await loaders.person_by_upn.load(upn)
        elif s.dev_sign_in:
            account = request.headers.get(DEV_HEADER) or s.dev_default_user
            if not account:
                raise NotSignedIn("sign in with a bearer token")
            person = await _by_account(loaders, account)
        else:
            raise NotSignedIn("sign in with a bearer token")
        if isinstance(person, BaseException):
            raise person
        if person is None:
            raise SignInRefused("this account is not known to the directory")
        if person.is_leaver(datetime.now(UTC)):
            raise SignInRefused("this account is disabled")
        return person

    async def _claim(self, token: str) -> str:
        s = self._settings
        try:
            if self._jwks is not None:
                signing = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
                key: Any = signing.key
            elif self._key is not None:
                key = self._key
            else:
                raise SignInRefused("bearer tokens are not configured")
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256", "ES256", "PS256"],
                audience=s.jwt_audience or None,
                issuer=s.jwt_issuer or None,
                options={"require": ["exp", "iat"], "verify_aud": bool(s.jwt_audience)},
                leeway=30,
            )
        except jwt.PyJWTError as exc:
            raise SignInRefused(f"the token was refused ({type(exc).__name__})") from exc
        value = claims.get(s.jwt_claim)
        if not isinstance(value, str) or not value:
            raise SignInRefused(f"the token has no '{s.jwt_claim}' claim")
        return value


async def _by_account(loaders: Loaders, account: str) -> DirectoryPerson | None:
    """The dev sign-in names a person by account name or UPN."""
    account = account.strip()
    if "@" in account:
        return await loaders.person_by_upn.load(account)
    return await loaders.person_by_account.load(account)
