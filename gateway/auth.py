"""Who is calling: a bearer token (JWT) in production, a development sign-in in the demo.

A token is verified against the issuer's keys (``gateway.oidc``: a configured public
key, a JWKS URL or OpenID discovery), its issuer, audience and lifetime; its claims
then name the person (``auth.claim_mapping``), who is looked up in the directory.
The stable key everywhere else is the directory record's objectGUID. Leavers cannot
sign in. Every refusal is logged once at INFO, without a traceback; what the client
is told says what to fix and nothing about the keys, the provider or the directory.

Where the credentials come from is the caller's (``Credentials``): an HTTP request's
``Authorization`` header, its ``auth.token_cookie`` cookie and the development header,
or a WebSocket's ``connection_init`` payload and its upgrade request's cookie. A token
from a cookie is accepted only from an allowed ``Origin`` (``gateway.origins``): a
browser sends cookies with requests any site makes, so a cookie-signed POST or
WebSocket must carry an allowed ``Origin``, and a cookie-signed GET one that, if sent,
is allowed (browsers leave it out of same-origin GETs, and a GET runs no mutation).

    AuthError           (HTTP 401)
    ├── NotSignedIn     no credentials (401)
    ├── TokenRefused    a token that cannot be accepted: malformed, bad signature,
    │                   algorithm or key, expired, wrong issuer or audience, too
    │                   long-lived, no claim naming a person; or the issuer's keys
    │                   cannot be fetched (401)
    └── SignInRefused   someone the directory does not know, or a leaver; a token
                        cookie sent from an origin that is not allowed (403)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from starlette.requests import HTTPConnection

from connectors.directory import DirectoryPerson
from schema.context import Loaders

from .oidc import (
    ALGORITHMS,
    KeysUnavailable,
    NoKeyForToken,
    RemoteKeys,
    SigningKeys,
    StaticKey,
)
from .origins import OriginPolicy
from .settings import AuthSettings

log = logging.getLogger("townhall.auth")

DEV_HEADER = "x-townhall-user"
#: Longer bearer tokens are refused unread (Entra's largest are a few kilobytes).
MAX_TOKEN_CHARS = 16_384

MALFORMED = "The bearer token is malformed."
UNVERIFIED = "The bearer token's signature could not be verified."
EXPIRED = "The bearer token has expired."
NOT_YET_VALID = "The bearer token is not valid yet."
NOT_FOR_US = "The bearer token was not issued for this service."
TOO_LONG_LIVED = "The bearer token's lifetime is longer than this service accepts."
LACKS_CLAIM = "The bearer token lacks a required claim."
NAMES_NOBODY = "The bearer token names no person."
KEYS_UNAVAILABLE = "Sign-in keys are unavailable; try again shortly."
NOT_ACCEPTED = "Bearer tokens are not accepted here."
SIGN_IN = "Sign in with a bearer token."
CROSS_SITE_COOKIE = (
    "Cookie sign-in is accepted only from Townhall's own pages and the configured portal "
    "origins; send a bearer token instead."
)


class AuthError(Exception):
    """A refused sign-in: ``str(exc)`` is for the client, ``detail`` for the log."""

    status = 401

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class NotSignedIn(AuthError):
    status = 401


class TokenRefused(AuthError):
    status = 401


class SignInRefused(AuthError):
    status = 403


@dataclass(frozen=True)
class TokenIdentity:
    """Whom a verified token names: a UPN, or an account name (ADFS ``DOMAIN\\account``),
    and its subject (``oid`` for Entra, else ``sub``), which is only ever logged."""

    upn: str | None
    account: str | None
    subject: str


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a caller presented, wherever it came from.

    ``authorization``: each ``Authorization`` value sent (more than one is refused);
    ``cookie``: the ``auth.token_cookie`` cookie's value, if sent; ``dev_user``: the
    development sign-in's account; ``origin``, ``host`` and ``scheme``: the request's,
    which judge a cookie; ``origin_required``: a cookie counts only with an ``Origin``
    (POST requests and WebSockets)."""

    authorization: tuple[str, ...] = ()
    cookie: str | None = None
    dev_user: str | None = None
    origin: str | None = None
    host: str = ""
    scheme: str = "http"
    origin_required: bool = True


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A signed-in person, and when their sign-in lapses (a token's ``exp`` plus the
    leeway, as Unix time; ``None`` for the development sign-in)."""

    person: DirectoryPerson
    expires_at: float | None = None


class Authenticator:
    """Turns a caller's credentials into the signed-in person's directory record.

    Remote keys (``jwt_jwks_url`` or ``oidc_issuer_url``) are fetched when the first
    token arrives, or by ``await start()`` in the app's lifespan; nothing needs closing.
    """

    def __init__(self, settings: AuthSettings, origins: OriginPolicy | None = None) -> None:
        self._settings = settings
        self._origins = origins if origins is not None else OriginPolicy(None, frozenset())
        s = settings
        self._keys: SigningKeys | None = None
        if s.oidc_issuer_url or s.jwt_jwks_url:
            self._keys = RemoteKeys(
                jwks_url=s.jwt_jwks_url,
                issuer_url=s.oidc_issuer_url,
                refresh_interval=s.jwks_refresh_interval,
            )
        elif s.jwt_public_key.get_secret_value().strip():
            self._keys = StaticKey(s.jwt_public_key.get_secret_value())

    async def start(self) -> None:
        """Fetch the issuer's keys now (optional: else the first token fetches them)."""
        if self._keys is not None:
            await self._keys.start()

    def credentials(self, connection: HTTPConnection) -> Credentials:
        """An HTTP request's credentials: its ``Authorization`` headers, token cookie and
        development header."""
        headers = connection.headers
        name = self._settings.token_cookie
        method = connection.scope.get("method", "GET")
        return Credentials(
            authorization=tuple(headers.getlist("authorization")),
            cookie=connection.cookies.get(name) if name else None,
            dev_user=headers.get(DEV_HEADER),
            origin=headers.get("origin"),
            host=headers.get("host", ""),
            scheme=connection.url.scheme,
            origin_required=method not in ("GET", "HEAD"),
        )

    async def viewer(self, request: HTTPConnection, loaders: Loaders) -> DirectoryPerson:
        """The signed-in person, or an ``AuthError`` (logged here, once, at INFO)."""
        return (await self.sign_in(self.credentials(request), loaders)).person

    async def sign_in(self, credentials: Credentials, loaders: Loaders) -> SignedIn:
        """The signed-in person and when that lapses, or an ``AuthError`` (logged here,
        once, at INFO)."""
        try:
            return await self._sign_in(credentials, loaders)
        except AuthError as exc:
            log.info(
                "sign-in refused (%d): %s%s",
                exc.status,
                exc,
                f" [{exc.detail}]" if exc.detail else "",
            )
            raise

    async def _sign_in(self, credentials: Credentials, loaders: Loaders) -> SignedIn:
        s = self._settings
        headers = credentials.authorization
        if len(headers) > 1:  # which one counts is up to each proxy on the way: none does
            raise TokenRefused(MALFORMED, f"{len(headers)} Authorization headers")
        scheme, _, token = (headers[0] if headers else "").partition(" ")
        identity: TokenIdentity | None = None
        expires_at: float | None = None
        if scheme.lower() != "bearer" and s.token_cookie and credentials.cookie is not None:
            self._check_cookie_origin(credentials)
            scheme, token = "bearer", credentials.cookie
        if scheme.lower() == "bearer":
            claims = await self.verify(token.strip())
            identity = identify(claims, s)
            expires_at = float(claims["exp"]) + s.leeway
            if identity.upn is not None:
                person = await loaders.person_by_upn.load(identity.upn)
            else:
                person = await loaders.person_by_account.load(identity.account or "")
        elif s.dev_sign_in:
            account = credentials.dev_user or s.dev_default_user
            if not account:
                raise NotSignedIn(SIGN_IN)
            person = await _by_account(loaders, account)
        else:
            raise NotSignedIn(SIGN_IN)
        if isinstance(person, BaseException):
            raise person  # the directory failed: not a refusal (the HTTP layer answers it)
        who = f"subject {identity.subject}" if identity and identity.subject else ""
        if person is None:
            raise SignInRefused("This account is not known to the directory.", who)
        if person.is_leaver(datetime.now(UTC)):
            raise SignInRefused("This account is disabled.", who)
        return SignedIn(person, expires_at)

    def _check_cookie_origin(self, credentials: Credentials) -> None:
        origin = credentials.origin
        if origin is None:
            if credentials.origin_required:
                raise SignInRefused(CROSS_SITE_COOKIE, "a token cookie without an Origin")
            return
        if not self._origins.allows(origin, host=credentials.host, scheme=credentials.scheme):
            raise SignInRefused(CROSS_SITE_COOKIE, f"a token cookie from {origin[:100]!r}")

    async def verify(self, token: str) -> dict[str, Any]:
        """A bearer token's claims once its signature, algorithm, issuer, audience and
        lifetime are checked; ``TokenRefused`` otherwise (never another exception)."""
        s = self._settings
        if self._keys is None:
            raise TokenRefused(NOT_ACCEPTED, "no token verification is configured")
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise TokenRefused(MALFORMED, f"{len(token)} characters")
        try:
            header = jwt.get_unverified_header(token)
        except Exception as exc:  # PyJWT's DecodeError, and anything odd in the header
            raise TokenRefused(MALFORMED, type(exc).__name__) from None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALGORITHMS:
            raise TokenRefused(UNVERIFIED, f"algorithm {str(alg)[:16]!r} is not accepted")
        if kid is not None and not isinstance(kid, str):
            raise TokenRefused(MALFORMED, "kid is not a string")
        try:
            key = await self._keys.key_for(kid, str(alg))
        except KeysUnavailable:
            raise TokenRefused(KEYS_UNAVAILABLE, "the issuer's keys could not be fetched") from None
        except NoKeyForToken as exc:
            raise TokenRefused(UNVERIFIED, f"kid {str(kid)[:64]!r}, {alg}: {exc}") from None
        except Exception as exc:  # a key the provider sent that cannot be used
            raise TokenRefused(UNVERIFIED, type(exc).__name__) from None
        issuer = s.jwt_issuer or self._keys.issuer or None
        required = [
            "exp",
            "iat",
            *(["iss"] if issuer else []),
            *(["aud"] if s.jwt_audience else []),
        ]
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[str(alg)],
                audience=s.jwt_audience or None,
                issuer=issuer,
                leeway=s.leeway,
                options={
                    "require": required,
                    "verify_aud": bool(s.jwt_audience),
                    "enforce_minimum_key_length": True,
                },
            )
        except jwt.ExpiredSignatureError:
            raise TokenRefused(EXPIRED, "exp has passed") from None
        except jwt.ImmatureSignatureError:
            raise TokenRefused(NOT_YET_VALID, "iat or nbf is in the future") from None
        except (jwt.InvalidAudienceError, jwt.InvalidIssuerError) as exc:
            raise TokenRefused(NOT_FOR_US, str(exc)) from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRefused(LACKS_CLAIM, str(exc)) from None
        except jwt.InvalidSignatureError:
            raise TokenRefused(UNVERIFIED, "bad signature") from None
        except jwt.InvalidKeyError as exc:  # e.g. an RSA key shorter than 2048 bits
            raise TokenRefused(UNVERIFIED, str(exc)[:200]) from None
        except Exception as exc:  # any other PyJWT error, or one from the key handling
            raise TokenRefused(MALFORMED, f"{type(exc).__name__}: {exc}"[:200]) from None
        _check_lifetime(claims, s.max_token_lifetime)
        return claims


def _check_lifetime(claims: dict[str, Any], most: int) -> None:
    """A token valid for longer than ``most`` seconds (from iat, or nbf) is refused: a
    stolen long-lived token is a standing credential."""
    try:
        exp = float(claims["exp"])
        starts = [float(claims[c]) for c in ("iat", "nbf") if c in claims]
    except (TypeError, ValueError):
        raise TokenRefused(MALFORMED, "exp, iat or nbf is not a number") from None
    lifetime = exp - min(starts)
    if lifetime > most:
        raise TokenRefused(TOO_LONG_LIVED, f"{lifetime:.0f} s > {most} s")


def identify(claims: dict[str, Any], settings: AuthSettings) -> TokenIdentity:
    """Whom verified claims name, by ``settings.claim_mapping``:

    - ``upn``: the ``jwt_claim`` claim (``upn`` by default), looked up as a UPN;
    - ``entra``: ``upn`` (v1 tokens, or v2 with the optional claim), else
      ``preferred_username`` (v2 tokens), each only if it has an ``@``; ``oid`` is
      kept as the subject, never looked up: it is Entra's own object id, not the AD
      objectGUID, even for accounts synced from AD;
    - ``adfs``: ``upn``, else ``unique_name``: a UPN, or ``DOMAIN\\account`` looked up
      by account name when DOMAIN is ``netbios_domain`` (else refused, so an account
      of another domain in the forest cannot pass for one of ours).
    """
    subject = _text(claims.get("oid")) if settings.claim_mapping == "entra" else ""
    subject = subject or _text(claims.get("sub"))
    if settings.claim_mapping == "upn":
        upn = _text(claims.get(settings.jwt_claim))
        if upn:
            return TokenIdentity(upn=upn, account=None, subject=subject)
        raise TokenRefused(NAMES_NOBODY, f"no {settings.jwt_claim!r} claim")
    names = ("upn", "preferred_username") if settings.claim_mapping == "entra" else ("upn",)
    for name in names:
        value = _text(claims.get(name))
        if "@" in value:
            return TokenIdentity(upn=value, account=None, subject=subject)
    if settings.claim_mapping == "adfs":
        unique = _text(claims.get("unique_name"))
        if "@" in unique:
            return TokenIdentity(upn=unique, account=None, subject=subject)
        domain, sep, account = unique.partition("\\")
        wanted = settings.netbios_domain.strip()
        if sep and account and wanted and domain.casefold() == wanted.casefold():
            return TokenIdentity(upn=None, account=account, subject=subject)
        if sep and account:
            raise TokenRefused(NAMES_NOBODY, f"unique_name of domain {domain[:32]!r}")
    raise TokenRefused(NAMES_NOBODY, f"no UPN claim ({settings.claim_mapping} mapping)")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


async def _by_account(loaders: Loaders, account: str) -> DirectoryPerson | None:
    """The dev sign-in names a person by account name or UPN."""
    account = account.strip()
    if "@" in account:
        return await loaders.person_by_upn.load(account)
    return await loaders.person_by_account.load(account)
