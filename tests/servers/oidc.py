"""Identity providers for the sign-in tests, on loopback: a real OpenID provider
(``oidc-provider-mock``: authlib's authorization server in Flask, issuing RS256 ID
tokens) and a plain JWKS endpoint serving keys the tests make themselves.

Both count the requests they answer by path, so a test can show how often the
gateway asks for keys.
"""

from __future__ import annotations

import collections
import json
import os
import secrets
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import werkzeug.serving
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

#: The client (and so the ID tokens' audience) the tests sign in through.
CLIENT_ID = "townhall"
REDIRECT_URI = "http://127.0.0.1/signed-in"

_INSECURE = "AUTHLIB_INSECURE_TRANSPORT"


class _Counter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: collections.Counter[str] = collections.Counter()

    def add(self, path: str) -> None:
        with self._lock:
            self._counts[path] += 1

    def __getitem__(self, path: str) -> int:
        with self._lock:
            return self._counts[path]


class OidcProvider:
    """oidc-provider-mock served by werkzeug on a thread, bound to 127.0.0.1.

    ``await token(sub, claims)`` signs a user in through the authorization code flow
    (the provider's own authorize and token endpoints) and returns the ID token.
    """

    def __init__(self, token_lifetime: timedelta = timedelta(hours=1)) -> None:
        self.requests = _Counter()
        with warnings.catch_warnings():  # authlib's own deprecations, not ours to fix
            warnings.simplefilter("ignore")
            import oidc_provider_mock  # type: ignore[import-untyped]

        self._app = oidc_provider_mock.app(access_token_max_age=token_lifetime)
        self._server: werkzeug.serving.BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._insecure_before: str | None = None

    @property
    def issuer(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> None:
        # authlib refuses OAuth over http unless told this is a test.
        self._insecure_before = os.environ.get(_INSECURE)
        os.environ[_INSECURE] = "1"
        app = self._app

        def counting(
            environ: dict[str, Any], start_response: Callable[..., Any]
        ) -> Iterable[bytes]:
            self.requests.add(environ.get("PATH_INFO", ""))
            result: Iterable[bytes] = app(environ, start_response)
            return result

        self._server = werkzeug.serving.make_server("127.0.0.1", 0, counting, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        if self._insecure_before is None:
            os.environ.pop(_INSECURE, None)
        else:
            os.environ[_INSECURE] = self._insecure_before

    async def token(self, sub: str, claims: dict[str, Any], scope: str = "openid profile") -> str:
        """An ID token for ``sub`` carrying ``claims``, from the authorization code flow."""
        async with httpx.AsyncClient(base_url=self.issuer, timeout=10) as http:
            response = await http.put(f"/users/{sub}", json=claims)
            assert response.status_code == 204, response.text
            state = secrets.token_urlsafe(8)
            response = await http.post(
                "/oauth2/authorize",
                params={
                    "client_id": CLIENT_ID,
                    "redirect_uri": REDIRECT_URI,
                    "response_type": "code",
                    "scope": scope,
                    "state": state,
                    "nonce": secrets.token_urlsafe(8),
                },
                data={"sub": sub},
            )
            assert response.status_code == 302, response.text
            query = parse_qs(urlsplit(response.headers["location"]).query)
            assert query["state"] == [state]
            response = await http.post(
                "/oauth2/token",
                data={
                    "grant_type": "authorization_code",
                    "code": query["code"][0],
                    "redirect_uri": REDIRECT_URI,
                    "client_id": CLIENT_ID,
                    "client_secret": "any",
                },
            )
            assert response.status_code == 200, response.text
            id_token: str = response.json()["id_token"]
            return id_token

    async def jwks(self) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.issuer, timeout=10) as http:
            keys: dict[str, Any] = (await http.get("/jwks")).json()
            return keys


class JwksServer:
    """A JWKS (whatever ``keys`` holds now) at ``url``, over http on 127.0.0.1, and the
    OpenID discovery document ``discovery`` holds (when set) at ``base``."""

    def __init__(self, keys: Iterable[dict[str, Any]] = ()) -> None:
        self.keys: list[dict[str, Any]] = list(keys)
        self.discovery: dict[str, Any] | None = None
        self.requests = _Counter()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.add(self.path)
                found: Any = None
                if self.path == "/jwks":
                    found = {"keys": outer.keys}
                elif self.path == "/.well-known/openid-configuration":
                    found = outer.discovery
                body = json.dumps(found).encode()
                self.send_response(200 if found is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def url(self) -> str:
        return f"{self.base}/jwks"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def running(server: OidcProvider | JwksServer) -> Iterator[Any]:
    """Start ``server`` for a fixture, and stop it afterwards."""
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- keys and tokens the tests make themselves ------------------------------------------


def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def ec_key(curve: ec.EllipticCurve | None = None) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(curve or ec.SECP256R1())


def public_jwk(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, **fields: Any
) -> dict[str, Any]:
    """The public half of ``key`` as a JWK, with ``fields`` (kid, alg, use) added."""
    if isinstance(key, rsa.RSAPrivateKey):
        jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    else:
        jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.pop("key_ops", None)
    return {**jwk, **fields}


def public_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def claims(lifetime: int = 300, **changes: Any) -> dict[str, Any]:
    """Token claims issued now for ``lifetime`` seconds, with ``changes`` (None drops one)."""
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + lifetime,
        "sub": "subject-1",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def sign(key: Any, alg: str, body: dict[str, Any], kid: str | None = None) -> str:
    return jwt.encode(body, key, algorithm=alg, headers={"kid": kid} if kid else None)


#: Issuer and audience of the tokens the tests sign themselves.
ISSUER = "https://login.council.test"
AUDIENCE = "townhall"
