"""The HR connector over the wire: slow answers, 429/503 with Retry-After, deadlines,
and OAuth2 client credentials — against the real scim2-server, behind a small
gate started here on loopback (a Starlette app under uvicorn) that can delay
or refuse requests, issues access tokens, and checks them before forwarding."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import httpx
import pytest
import uvicorn
from servers import Council, ScimServer, free_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.hr import (
    ClientCredentials,
    HRConnector,
    HRRejected,
    HRTimeout,
    HRUnavailable,
)
from connectors.resilience import CircuitBreaker, RetryPolicy

CLIENT_ID = "townhall-gateway"
CLIENT_SECRET = "s3cret-" + secrets.token_hex(8)


@dataclass
class Gate:
    """What the gate does to the next requests; tests change it as they go."""

    upstream: ScimServer
    url: str = ""
    delay: float = 0.0
    faults: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    oauth: bool = False
    token_lifetime: int = 3600
    tokens: set[str] = field(default_factory=set)
    history: list[str] = field(default_factory=list)  # every token ever issued
    issued: int = 0
    forwarded: int = 0
    filters: list[str] = field(default_factory=list)  # of the requests forwarded
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def reset(self) -> None:
        self.delay, self.faults, self.oauth, self.token_lifetime = 0.0, [], False, 3600
        self.tokens = set()
        self.released.set()  # requests still held by a delay go on now
        self.released = asyncio.Event()

    def app(self, client: httpx.AsyncClient) -> Starlette:
        """Token endpoint and SCIM gate; ``client`` reaches the real SCIM server."""

        async def token(request: Request) -> Response:
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
            user, _, password = base64.b64decode(encoded or "Og==").decode().partition(":")
            if scheme.lower() != "basic" or (user, password) != (CLIENT_ID, CLIENT_SECRET):
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            if form.get("grant_type") != "client_credentials":
                return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
            issued = secrets.token_urlsafe(24)
            self.tokens.add(issued)
            self.history.append(issued)
            self.issued += 1
            return JSONResponse(
                {"access_token": issued, "token_type": "Bearer", "expires_in": self.token_lifetime}
            )

        async def scim(request: Request) -> Response:
            if self.oauth:
                presented = request.headers.get("authorization", "").removeprefix("Bearer ")
                if presented not in self.tokens:
                    return JSONResponse({"status": "401", "detail": "bad token"}, status_code=401)
            if self.faults:
                status, headers = self.faults.pop(0)
                headers = dict(headers)  # the scripted fault stays as written
                body = {"status": str(status), "scimType": headers.pop("x-scim-type", None)}
                return JSONResponse(body, status_code=status, headers=headers)
            self.filters.append(request.query_params.get("filter", ""))
            if self.delay:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.released.wait(), self.delay)
            self.forwarded += 1
            upstream = await client.request(
                request.method,
                request.path_params["path"],
                params=request.query_params,
                headers={**self.upstream.headers, **_passed(request.headers)},
                content=await request.body(),
            )
            return Response(
                upstream.content,
                status_code=upstream.status_code,
                headers=_passed(upstream.headers),
            )

        return Starlette(
            routes=[
                Route("/token", token, methods=["POST"]),
                Route("/scim/v2/{path:path}", scim, methods=["GET", "POST", "PATCH", "PUT"]),
            ]
        )


def _passed(headers: httpx.Headers | object) -> dict[str, str]:
    wanted = {"content-type", "etag", "if-none-match", "retry-after"}
    return {k: v for k, v in headers.items() if k.lower() in wanted}  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
async def gate(scim_server: ScimServer) -> AsyncIterator[Gate]:
    gate = Gate(scim_server)
    port = free_port()
    upstream = httpx.AsyncClient(base_url=scim_server.url + "/", timeout=30)
    server = uvicorn.Server(
        uvicorn.Config(gate.app(upstream), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    gate.url = f"http://127.0.0.1:{port}"
    yield gate
    server.should_exit = True
    await task
    await upstream.aclose()


@pytest.fixture
async def fresh_gate(gate: Gate) -> AsyncIterator[Gate]:
    gate.reset()
    yield gate
    gate.reset()


@contextlib.asynccontextmanager
async def connector(
    gate: Gate, *, read_timeout: float = 10, auth: httpx.Auth | None = None, **options: object
) -> AsyncIterator[HRConnector]:
    headers = {} if auth else dict(gate.upstream.headers)
    async with httpx.AsyncClient(
        base_url=gate.url + "/scim/v2/", headers=headers, auth=auth, timeout=read_timeout
    ) as client:
        yield HRConnector(client, **options)  # type: ignore[arg-type]


def some_keys(council: Council, n: int) -> list[str]:
    return [u["userName"] for u in council.hr_users[:n]]


async def test_a_slow_answer_is_a_timeout_after_the_retries(
    fresh_gate: Gate, council: Council
) -> None:
    fresh_gate.delay = 30.0
    retry = RetryPolicy(attempts=2, base_delay=0.01)
    async with connector(fresh_gate, read_timeout=0.25, retry=retry) as hr:
        started = time.monotonic()
        with pytest.raises(HRTimeout) as caught:
            await hr.records_by("user_name", some_keys(council, 1))
    assert caught.value.reason == "timeout"
    assert hr.calls == 2
    assert time.monotonic() - started < 10  # neither attempt waited for the 30 s answer


async def test_the_operation_deadline_spans_every_request_of_a_batch(
    fresh_gate: Gate, council: Council
) -> None:
    fresh_gate.delay = 5.0
    async with connector(fresh_gate, batch_size=1, deadline=0.6) as hr:
        started = time.monotonic()
        with pytest.raises(HRTimeout):
            await hr.records_by("user_name", some_keys(council, 3))
    assert time.monotonic() - started < 4  # not 3 x 5 s, nor even one 5 s answer
    fresh_gate.delay = 0.0
    async with connector(fresh_gate, batch_size=1, deadline=5) as hr:
        assert all(await hr.records_by("user_name", some_keys(council, 3)))


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_is_honoured(fresh_gate: Gate, council: Council, status: int) -> None:
    fresh_gate.faults = [(status, {"Retry-After": "1"})]
    async with connector(fresh_gate) as hr:
        started = time.monotonic()
        [record] = await hr.records_by("user_name", some_keys(council, 1))
        waited = time.monotonic() - started
    assert record is not None
    assert hr.calls == 2 and waited >= 0.95


async def test_a_failing_hr_system_is_unavailable_then_left_alone(
    fresh_gate: Gate, council: Council
) -> None:
    fresh_gate.faults = [(502, {})] * 4
    breaker = CircuitBreaker(failure_threshold=2, reset_after=60)
    retry = RetryPolicy(attempts=2, base_delay=0.01)
    async with connector(fresh_gate, retry=retry, breaker=breaker) as hr:
        for _ in range(2):
            with pytest.raises(HRUnavailable, match="HTTP 502"):
                await hr.records_by("user_name", some_keys(council, 1))
        assert breaker.state == "open" and hr.calls == 4
        with pytest.raises(HRUnavailable) as caught:
            await hr.records_by("user_name", some_keys(council, 1))
    assert caught.value.reason == "circuit_open" and hr.calls == 4


@pytest.mark.parametrize(
    "refusal", [(400, {"x-scim-type": "tooMany"}), (414, {})], ids=["tooMany", "414"]
)
async def test_a_batch_too_big_for_the_server_is_split(
    fresh_gate: Gate, council: Council, refusal: tuple[int, dict[str, str]]
) -> None:
    fresh_gate.faults = [refusal]
    fresh_gate.filters.clear()
    keys = some_keys(council, 6)
    async with connector(fresh_gate, batch_size=6) as hr:
        found = await hr.records_by("user_name", keys)
    assert [r.user_name for r in found if r] == keys
    assert hr.calls == 3  # refused whole, then two halves of three
    assert [f.count(" or ") for f in fresh_gate.filters] == [2, 2]


async def test_client_credentials_fetch_one_token_and_reuse_it(
    fresh_gate: Gate, council: Council
) -> None:
    fresh_gate.oauth = True
    auth = ClientCredentials(fresh_gate.url + "/token", CLIENT_ID, CLIENT_SECRET)
    issued = fresh_gate.issued
    async with connector(fresh_gate, auth=auth, batch_size=2) as hr:
        results = await asyncio.gather(
            *(hr.records_by("user_name", some_keys(council, 4)) for _ in range(5))
        )
        assert all(all(r) for r in results)
    assert fresh_gate.issued - issued == 1 and auth.fetches == 1


async def test_a_revoked_token_is_replaced_once(fresh_gate: Gate, council: Council) -> None:
    fresh_gate.oauth = True
    auth = ClientCredentials(fresh_gate.url + "/token", CLIENT_ID, CLIENT_SECRET)
    async with connector(fresh_gate, auth=auth) as hr:
        assert all(await hr.records_by("user_name", some_keys(council, 2)))
        fresh_gate.tokens.clear()  # the HR system forgets every token it issued
        assert all(await hr.records_by("user_name", some_keys(council, 2)))
        assert auth.fetches == 2
        fresh_gate.tokens = _Forgetful()  # every token refused, even a fresh one
        with pytest.raises(HRRejected) as caught:
            await hr.records_by("user_name", some_keys(council, 1))
    assert caught.value.status == 401 and auth.fetches == 3  # one new token, not a loop


class _Forgetful(set[str]):
    def __contains__(self, item: object) -> bool:
        return False


async def test_an_expiring_token_is_renewed_before_it_expires(
    fresh_gate: Gate, council: Council
) -> None:
    fresh_gate.oauth = True
    fresh_gate.token_lifetime = 1
    auth = ClientCredentials(fresh_gate.url + "/token", CLIENT_ID, CLIENT_SECRET)
    async with connector(fresh_gate, auth=auth) as hr:
        await hr.records_by("user_name", some_keys(council, 1))
        await asyncio.sleep(1.0)
        before = fresh_gate.forwarded
        await hr.records_by("user_name", some_keys(council, 1))
    assert auth.fetches == 2
    assert fresh_gate.forwarded == before + 1  # renewed ahead: no 401 round trip


async def test_refused_client_credentials_are_rejected_and_never_shown(
    fresh_gate: Gate, council: Council, caplog: pytest.LogCaptureFixture
) -> None:
    fresh_gate.oauth = True
    wrong = "wrong-" + secrets.token_hex(8)
    auth = ClientCredentials(fresh_gate.url + "/token", CLIENT_ID, wrong)
    caplog.set_level(logging.DEBUG)
    async with connector(fresh_gate, auth=auth) as hr:
        with pytest.raises(HRRejected) as caught:
            await hr.records_by("user_name", some_keys(council, 1))
    assert caught.value.status == 401 and "invalid_client" in str(caught.value)
    good = ClientCredentials(fresh_gate.url + "/token", CLIENT_ID, CLIENT_SECRET)
    async with connector(fresh_gate, auth=good) as hr:
        await hr.records_by("user_name", some_keys(council, 1))
        fresh_gate.tokens.clear()
        await hr.records_by("user_name", some_keys(council, 1))
    logged = "\n".join(r.getMessage() + repr(r.args) for r in caplog.records)
    assert good.fetches == 2 and "fetching a new one" in logged
    for secret in (wrong, CLIENT_SECRET, *fresh_gate.history[-2:]):
        assert secret not in logged and secret not in repr(auth) + repr(good)
