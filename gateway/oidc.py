"""The keys that sign bearer tokens: a configured public key, a JWKS URL, or an OpenID
provider found by discovery; and which key may verify which token.

Remote keys are fetched with ``httpx`` (async, short timeout) and cached by ``kid``.
A token naming an unknown ``kid`` refetches the JWKS at most once per refresh
interval, so a flood of tokens with made-up ``kid``s costs the provider one request
per interval, not one per token. A provider that cannot be reached is logged at
WARNING once per outage; the keys already held keep working meanwhile.

    SigningKeyError
    ├── KeysUnavailable   no keys could be had from the provider
    └── NoKeyForToken     no held key fits the token's ``kid`` and ``alg``

Nothing here imports the rest of Townhall.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import time
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from cryptography.x509 import load_pem_x509_certificate
from jwt import PyJWK
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

log = logging.getLogger("townhall.auth")

#: Asymmetric algorithms only: a shared secret would let anyone holding it mint tokens,
#: and ``none`` or HS* with a public key as the secret are the classic confusions.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
_EC_CURVES = {"ES256": "P-256", "ES384": "P-384"}

#: Held keys are refetched (and the provider rediscovered) once they are this old, so a
#: key the provider withdrew stops working; if that fetch fails the held keys stay.
KEYS_MAX_AGE = 3600.0
#: A provider that failed is asked again after this long at the soonest (or after the
#: refresh interval, when that is shorter).
RETRY_AFTER_FAILURE = 10.0
#: A JWKS or discovery document larger than this is refused.
MAX_DOCUMENT_BYTES = 512 * 1024


class SigningKeyError(Exception):
    """No key can verify this token."""


class KeysUnavailable(SigningKeyError):
    """The provider's keys could not be fetched (and none are held)."""


class NoKeyForToken(SigningKeyError):
    """No held key has the token's ``kid`` or fits its ``alg``."""


def key_fits(jwk: dict[str, Any], alg: str) -> bool:
    """Whether a JWK may verify a token signed with ``alg``: the key's declared ``alg``
    when it has one, else its type (RSA for RS*/PS*, EC on the algorithm's curve)."""
    if alg not in ALGORITHMS:
        return False
    if jwk.get("use") not in (None, "sig"):
        return False
    declared = jwk.get("alg")
    if declared is not None:
        return bool(declared == alg)
    if alg.startswith(("RS", "PS")):
        return bool(jwk.get("kty") == "RSA")
    return bool(jwk.get("kty") == "EC" and jwk.get("crv") == _EC_CURVES[alg])


def public_key_jwk(pem: str) -> dict[str, Any]:
    """A PEM public key or certificate (RSA or EC) as a JWK; ValueError if it is neither."""
    data = pem.strip().encode()
    try:
        if b"CERTIFICATE" in data.split(b"\n", 1)[0]:
            key: Any = load_pem_x509_certificate(data).public_key()
        else:
            key = load_pem_public_key(data)
    except ValueError as exc:
        raise ValueError("auth.jwt_public_key is not a PEM public key or certificate") from exc
    if isinstance(key, rsa.RSAPublicKey):
        return RSAAlgorithm.to_jwk(key, as_dict=True)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return ECAlgorithm.to_jwk(key, as_dict=True)
    raise ValueError("auth.jwt_public_key must be an RSA or EC public key")


class _Keys:
    """Held JWKs by ``kid``, with the PyJWK made for each (kid, alg) on first use."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.by_kid: dict[str | None, dict[str, Any]] = {}
        for key in keys:
            kid = key.get("kid")
            if kid is None or isinstance(kid, str):
                self.by_kid.setdefault(kid, key)
        self._made: dict[tuple[str | None, str], PyJWK] = {}

    def __len__(self) -> int:
        return len(self.by_kid)

    def find(self, kid: str | None) -> dict[str, Any] | None:
        key = self.by_kid.get(kid)
        if key is None and kid is None and len(self.by_kid) == 1:
            key = next(iter(self.by_kid.values()))  # one key, tokens need not name it
        return key

    def pyjwk(self, kid: str | None, alg: str) -> PyJWK:
        key = self.find(kid)
        if key is None or not key_fits(key, alg):
            raise NoKeyForToken("no key fits the token")
        made = self._made.get((kid, alg))
        if made is None:
            try:
                made = PyJWK(key, algorithm=alg)
            except Exception as exc:  # PyJWT's errors, and ValueError/TypeError from the key
                raise NoKeyForToken(f"the key cannot be used ({type(exc).__name__})") from exc
            self._made[(kid, alg)] = made
        return made


def _usable(jwks: Any) -> list[dict[str, Any]]:
    """The JWKS's signing keys that PyJWT can load (RSA and EC); others are skipped."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise ValueError("not a JWK set")
    usable = []
    for key in jwks["keys"]:
        if not isinstance(key, dict) or key.get("kty") not in ("RSA", "EC"):
            continue
        if key.get("use") not in (None, "sig"):
            continue
        try:
            PyJWK(key)
        except Exception:  # PyJWKSet skips unusable keys the same way
            continue
        usable.append(key)
    if not usable:
        raise ValueError("the JWK set has no usable signing key")
    return usable


class StaticKey:
    """One configured public key (``auth.jwt_public_key``); a token's ``kid`` is ignored."""

    def __init__(self, pem: str) -> None:
        self._jwk = public_key_jwk(pem)
        self._keys = _Keys([{k: v for k, v in self._jwk.items() if k != "kid"}])
        self.issuer: str | None = None

    async def start(self) -> None:
        return None

    async def key_for(self, kid: str | None, alg: str) -> PyJWK:
        return self._keys.pyjwk(None, alg)


class RemoteKeys:
    """Keys from a JWKS URL, or from the ``jwks_uri`` an OpenID provider's discovery
    document names (whose ``issuer`` must be the configured one)."""

    def __init__(
        self,
        *,
        jwks_url: str = "",
        issuer_url: str = "",
        refresh_interval: float = 60.0,
        timeout: float = 5.0,
    ) -> None:
        if not (jwks_url or issuer_url):
            raise ValueError("a JWKS URL or an OpenID issuer URL is needed")
        self._configured_jwks = jwks_url
        self._issuer_url = issuer_url
        self._interval = refresh_interval
        self._timeout = timeout
        # One TLS context for every fetch (loading the CA bundle is the costly part); a
        # client per refresh, as refreshes are at most one per interval, so nothing
        # needs closing when the gateway stops.
        self._tls = ssl.create_default_context()
        self._lock = asyncio.Lock()
        self._keys: _Keys | None = None
        self._jwks_url = jwks_url
        self._fetched_at = 0.0  # monotonic time the held keys were fetched
        self._attempted_at: float | None = None  # ... and of the last attempt
        self._failing = False
        #: the provider's ``issuer`` (from discovery); tokens must carry it as ``iss``
        self.issuer: str | None = None

    async def start(self) -> None:
        """Fetch the keys now, so the first token need not wait (a failure is logged)."""
        await self._refresh(time.monotonic())

    async def key_for(self, kid: str | None, alg: str) -> PyJWK:
        asked = time.monotonic()
        keys = self._keys
        if keys is None or asked - self._fetched_at >= KEYS_MAX_AGE:
            await self._refresh(asked)
        elif keys.find(kid) is None:
            await self._refresh(asked)  # a rotated key; at most once per interval
        keys = self._keys
        if keys is None:
            raise KeysUnavailable("sign-in keys are unavailable")
        return keys.pyjwk(kid, alg)

    def _due(self, now: float) -> bool:
        if self._attempted_at is None:
            return True
        wait = (
            self._interval if self._keys is not None else min(self._interval, RETRY_AFTER_FAILURE)
        )
        return now - self._attempted_at >= wait

    async def _refresh(self, asked: float) -> None:
        async with self._lock:
            # Whoever waited on the lock while another refresh ran uses its result.
            if self._attempted_at is not None and self._attempted_at >= asked:
                return
            now = time.monotonic()
            if not self._due(now):
                return
            self._attempted_at = now
            try:
                async with httpx.AsyncClient(
                    timeout=self._timeout,
                    verify=self._tls,
                    follow_redirects=False,
                    headers={"Accept": "application/json"},
                ) as client:
                    keys = await self._fetch(client, now)
            except Exception as exc:  # any failure of the provider: keep what is held
                if not self._failing:
                    log.warning("sign-in keys could not be fetched: %s", _reason(exc))
                else:
                    log.debug("sign-in keys still unavailable: %s", _reason(exc))
                self._failing = True
                return
            if self._failing:
                log.info("sign-in keys are available again")
            self._failing = False
            self._keys = keys
            self._fetched_at = now
            log.debug("sign-in keys fetched: %d", len(keys))

    async def _fetch(self, client: httpx.AsyncClient, now: float) -> _Keys:
        if self._issuer_url and (
            self.issuer is None or self._failing or now - self._fetched_at >= KEYS_MAX_AGE
        ):
            await self._discover(client)
        return _Keys(_usable(await _get_json(client, self._jwks_url)))

    async def _discover(self, client: httpx.AsyncClient) -> None:
        base = self._issuer_url.rstrip("/")
        config = await _get_json(client, f"{base}/.well-known/openid-configuration")
        if not isinstance(config, dict):
            raise ValueError("the discovery document is not a JSON object")
        issuer, jwks_uri = config.get("issuer"), config.get("jwks_uri")
        if not isinstance(issuer, str) or issuer.rstrip("/") != base:
            raise ValueError(f"the provider names issuer {issuer!r}, not {self._issuer_url!r}")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise ValueError("the discovery document names no jwks_uri")
        if jwks_uri.startswith("http://") and not base.startswith("http://"):
            raise ValueError("the provider's jwks_uri is not https")
        self.issuer = issuer
        self._jwks_url = self._configured_jwks or jwks_uri


async def _get_json(client: httpx.AsyncClient, url: str) -> Any:
    async with client.stream("GET", url) as response:
        if response.status_code != 200:
            raise ValueError(f"{url} answered HTTP {response.status_code}")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > MAX_DOCUMENT_BYTES:
                raise ValueError(f"{url} answered more than {MAX_DOCUMENT_BYTES} bytes")
    return json.loads(body)


def _reason(exc: BaseException) -> str:
    """A one-line reason for the log (never a traceback per request)."""
    if isinstance(exc, httpx.HTTPError):
        try:
            return f"{type(exc).__name__} from {exc.request.url}"
        except RuntimeError:  # no request attached
            return type(exc).__name__
    return f"{type(exc).__name__}: {exc}"


SigningKeys = StaticKey | RemoteKeys
