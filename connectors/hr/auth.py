"""How the HR connector proves who it is: a static bearer token, or OAuth2 client credentials.

Both are ``httpx.Auth`` flows set on the connector's one ``httpx.AsyncClient``.
:class:`ClientCredentials` (RFC 6749 §4.4) fetches an access token from the token
endpoint, keeps it until shortly before it expires, and on a 401 from the HR
system fetches a new one and repeats the request once. Concurrent requests
share one token fetch. No secret or token appears in a message, a repr or a log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Callable
from typing import Literal
from urllib.parse import quote_plus

import httpx

from .errors import HRRejected, HRUnavailable

log = logging.getLogger(__name__)

_EARLY = 30.0  # refresh this many seconds before the token expires (clock skew, latency)


class BearerToken(httpx.Auth):
    """A static bearer token (``Authorization: Bearer ...``)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request

    def __repr__(self) -> str:
        return "BearerToken(***)"


class ClientCredentials(httpx.Auth):
    """OAuth2 client-credentials grant, the token cached until it is about to expire."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        method: Literal["basic", "post"] = "basic",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self.method = method
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock: asyncio.Lock | None = None
        self.fetches = 0  # tokens fetched, for tests and monitoring

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, secret=***)"

    def sync_auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
        raise RuntimeError("ClientCredentials needs an httpx.AsyncClient")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self._lock is None:
            self._lock = asyncio.Lock()
        token = self._token if self._fresh() else None
        if token is None:
            async with self._lock:
                if not self._fresh():  # another request may have fetched one meanwhile
                    self._store(await _read((yield self._token_request())))
                token = self._token
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        # The token was revoked or expired early: fetch a new one and try once more.
        async with self._lock:
            if self._token == token:
                log.info("the HR system refused the access token; fetching a new one")
                self._store(await _read((yield self._token_request())))
            token = self._token
        request.headers["Authorization"] = f"Bearer {token}"
        yield request

    def _fresh(self) -> bool:
        return self._token is not None and self._clock() < self._expires_at

    def _token_request(self) -> httpx.Request:
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        headers = {"Accept": "application/json"}
        if self.method == "basic":
            # RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding.
            basic = httpx.BasicAuth(_form(self.client_id), _form(self._secret))
            request = httpx.Request("POST", self.token_url, data=form, headers=headers)
            return next(basic.auth_flow(request))
        form |= {"client_id": self.client_id, "client_secret": self._secret}
        return httpx.Request("POST", self.token_url, data=form, headers=headers)

    def _store(self, response: httpx.Response) -> None:
        self.fetches += 1
        if response.status_code in (400, 401, 403):
            code = _json_field(response, "error")
            raise HRRejected(
                "the HR token endpoint refused the client credentials "
                f"(HTTP {response.status_code}{', ' + code if code else ''})",
                status=response.status_code,
            )
        if response.status_code != 200:
            raise HRUnavailable(f"the HR token endpoint failed (HTTP {response.status_code})")
        token = _json_field(response, "access_token")
        if not token:
            raise HRUnavailable("the HR token endpoint answered without an access token")
        token_type = _json_field(response, "token_type") or "Bearer"
        if token_type.lower() != "bearer":
            raise HRUnavailable("the HR token endpoint issued a token that is not a bearer token")
        lifetime = _json_number(response, "expires_in")
        if lifetime is None:
            lifetime = 300.0  # none given: use it a while; a 401 fetches a new one anyway
        self._token = token
        self._expires_at = self._clock() + max(0.0, lifetime - min(_EARLY, lifetime / 10))


async def _read(response: httpx.Response) -> httpx.Response:
    await response.aread()
    return response


def _form(value: str) -> str:
    return quote_plus(value)


def _json_field(response: httpx.Response, name: str) -> str | None:
    try:
        value = response.json().get(name)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and value else None


def _json_number(response: httpx.Response, name: str) -> float | None:
    try:
        value = response.json().get(name)
    except (ValueError, AttributeError):
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.isdigit():
        return float(value)
    return None
