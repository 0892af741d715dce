"""Hostile HTTP clients against Townhall served as ``townhall serve`` serves it.

The gateway runs under uvicorn built by ``gateway.serving.uvicorn_config`` (the header
read timeout protocol, the request guard in the app) over the demo settings with small
limits. Slow and oversized clients are raw sockets, so every byte and its timing is
the test's; the rest are httpx.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from servers import Council
from servers.certificates import write_test_certificates

from gateway.guard import RequestGuard
from gateway.serving import LINGER_BYTES, MAX_HEADER_BYTES, uvicorn_config
from gateway.settings import Settings
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import Gateway, base_settings, serve

HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 2.0  # longer than the header timeout: a body may outlast the header clock
MAX_BODY = 256 * 1024
TYPENAME = b'{"query": "{ __typename }"}'

Reader = asyncio.StreamReader
Writer = asyncio.StreamWriter


def guarded_settings(
    council: Council, scim: ScimServer, dav: WebDavServer, workdir: Path
) -> Settings:
    settings = base_settings(council, scim, dav, workdir)
    settings.server.header_timeout = HEADER_TIMEOUT
    settings.server.body_timeout = BODY_TIMEOUT
    settings.server.max_body_bytes = MAX_BODY
    settings.server.hsts_max_age = 600
    return settings


@pytest.fixture(scope="module")
async def guarded(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    workdir = tmp_path_factory.mktemp("guarded")
    async with serve(guarded_settings(council, scim_server, webdav_server, workdir)) as gw:
        yield gw


async def connect(gateway: Gateway) -> tuple[Reader, Writer]:
    port = int(gateway.url.rsplit(":", 1)[1])
    return await asyncio.open_connection("127.0.0.1", port)


def request_head(method: str, path: str, *headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *headers, "", ""]
    return "\r\n".join(lines).encode()


async def read_response(reader: Reader, within: float = 5) -> tuple[int, dict[str, str], bytes]:
    """One response (Content-Length framed): status, headers, body."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), within)
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in filter(None, lines):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await asyncio.wait_for(reader.readexactly(int(headers["content-length"])), within)
    return int(status_line.split()[1]), headers, body


async def closed_within(reader: Reader, seconds: float) -> bool:
    """Whether the server closes the connection within ``seconds`` (data before is
    drained)."""
    deadline = time.monotonic() + seconds
    try:
        while (left := deadline - time.monotonic()) > 0:
            if not await asyncio.wait_for(reader.read(65536), left):
                return True
    except (TimeoutError, ConnectionResetError):
        return time.monotonic() < deadline
    return False


async def typename_time(gateway: Gateway) -> float:
    async with gateway.client() as client:
        started = time.monotonic()
        response = await client.post("/graphql", json={"query": "{ __typename }"})
        assert response.json() == {"data": {"__typename": "Query"}}
        return time.monotonic() - started


def assert_error(body: bytes, code: str) -> None:
    [error] = json.loads(body)["errors"]
    assert error["extensions"] == {"code": code}
    assert "127.0.0.1" not in error["message"] and "/" not in error["message"]


def assert_logged_once(caplog: pytest.LogCaptureFixture, text: str) -> None:
    """An expected refusal: one INFO line, no traceback, nothing louder from anyone."""
    [line] = [r for r in caplog.records if text in r.getMessage()]
    assert line.levelno == logging.INFO and line.exc_info is None
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# Slow request headers: the protocol's header read timeout


async def test_headers_sent_a_byte_a_second_are_cut_off(guarded: Gateway) -> None:
    reader, writer = await connect(guarded)
    started = time.monotonic()
    head = request_head("POST", "/graphql", "Content-Type: application/json")
    cut = None
    for byte in head:
        try:
            writer.write(bytes([byte]))
            await writer.drain()
        except ConnectionError:
            cut = time.monotonic() - started
            break
        if await closed_within(reader, 1.0):
            cut = time.monotonic() - started
            break
    writer.close()
    assert cut is not None, "the server waited for every header byte"
    assert HEADER_TIMEOUT - 0.1 < cut < HEADER_TIMEOUT + 1


async def test_a_connection_that_sends_nothing_is_closed(guarded: Gateway) -> None:
    reader, writer = await connect(guarded)
    assert await closed_within(reader, HEADER_TIMEOUT + 1)
    writer.close()


async def test_the_clock_restarts_for_each_request_on_a_kept_alive_connection(
    guarded: Gateway,
) -> None:
    reader, writer = await connect(guarded)
    post = request_head(
        "POST", "/graphql", "Content-Type: application/json", f"Content-Length: {len(TYPENAME)}"
    )
    writer.write(post + TYPENAME)
    assert (await read_response(reader))[0] == 200
    # Idle longer than the header timeout (shorter than keep-alive): only keep-alive
    # applies between requests, so the next prompt request is answered.
    await asyncio.sleep(HEADER_TIMEOUT + 0.5)
    writer.write(post + TYPENAME)
    assert (await read_response(reader))[0] == 200
    # A slow third request gets a full header timeout of its own, no more.
    started = time.monotonic()
    writer.write(post[:10])
    assert await closed_within(reader, HEADER_TIMEOUT + 1)
    assert time.monotonic() - started > HEADER_TIMEOUT - 0.1
    writer.close()


async def test_the_header_clock_stops_once_the_headers_are_complete(guarded: Gateway) -> None:
    """A body that comes after the header timeout (within the body timeout) is still
    read and answered: the header clock never runs while a request is handled."""
    reader, writer = await connect(guarded)
    writer.write(
        request_head(
            "POST",
            "/graphql",
            "Content-Type: application/json",
            f"Content-Length: {len(TYPENAME)}",
        )
    )
    await writer.drain()
    await asyncio.sleep((HEADER_TIMEOUT + BODY_TIMEOUT) / 2)
    writer.write(TYPENAME)
    status, _, body = await read_response(reader)
    assert status == 200 and json.loads(body) == {"data": {"__typename": "Query"}}
    writer.close()


@pytest.mark.parametrize("split", [True, False], ids=["never-ending", "complete-in-one-read"])
async def test_oversized_headers_are_refused(guarded: Gateway, split: bool) -> None:
    reader, writer = await connect(guarded)
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    filler = b"X-Filler: " + b"a" * 1000 + b"\r\n"
    lines = [filler] * (MAX_HEADER_BYTES // len(filler) + 2)
    if split:  # the headers never end: the bytes read are counted
        writer.write(head + b"".join(lines))
    else:  # one read holds them whole (uvloop reads up to 256 KiB)
        writer.write(head + b"".join(lines) + b"\r\n")
    status, headers, body = await read_response(reader)
    assert status == 431 and headers["connection"] == "close"
    assert_error(body, "HEADERS_TOO_LARGE")
    assert await closed_within(reader, 3)
    writer.close()


async def test_headers_just_under_the_bound_are_served(guarded: Gateway) -> None:
    reader, writer = await connect(guarded)
    filler = b"X-Filler: " + b"a" * 1000 + b"\r\n"
    lines = [filler] * (MAX_HEADER_BYTES // len(filler) - 2)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(lines) + b"\r\n")
    status, _, body = await read_response(reader)
    assert status == 200 and json.loads(body) == {"status": "ok"}
    writer.close()


# Slow and oversized bodies: the request guard


async def test_a_slow_body_is_answered_408_and_the_connection_closed(
    guarded: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    reader, writer = await connect(guarded)
    writer.write(
        request_head("POST", "/graphql", "Content-Type: application/json", "Content-Length: 1000")
    )
    started = time.monotonic()

    async def trickle() -> None:
        for _ in range(1000):
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(0.1)

    sending = asyncio.create_task(trickle())
    try:
        status, headers, body = await read_response(reader, within=BODY_TIMEOUT + 1)
        answered = time.monotonic() - started
        assert status == 408 and headers["connection"] == "close"
        assert headers["content-type"] == "application/json"
        assert_error(body, "REQUEST_TIMEOUT")
        assert BODY_TIMEOUT - 0.1 < answered < BODY_TIMEOUT + 1
        assert await closed_within(reader, 1)
    finally:
        sending.cancel()
        writer.close()
    assert_logged_once(caplog, "request body not received within")


async def test_a_30_mb_body_is_refused_before_it_is_sent(guarded: Gateway) -> None:
    total = 30 * 1024 * 1024
    reader, writer = await connect(guarded)
    writer.write(
        request_head(
            "POST", "/graphql", "Content-Type: application/json", f"Content-Length: {total}"
        )
    )
    sent = 0

    async def upload() -> None:
        nonlocal sent
        chunk = b" " * 65536
        while sent < total:
            writer.write(chunk)
            await writer.drain()
            sent += len(chunk)

    started = time.monotonic()
    uploading = asyncio.create_task(upload())
    try:
        status, headers, body = await read_response(reader, within=2)
        answered_after, sent_by_then = time.monotonic() - started, sent
        assert status == 413 and headers["connection"] == "close"
        assert headers["content-type"] == "application/json"
        assert headers["x-content-type-options"] == "nosniff"
        assert_error(body, "PAYLOAD_TOO_LARGE")
        assert answered_after < 1 and sent_by_then < total
        # The server reads no more than a drain's worth after its answer, then hangs up:
        # the upload can never finish.
        with pytest.raises(ConnectionError):
            await asyncio.wait_for(uploading, 10)
        assert sent < MAX_BODY + LINGER_BYTES + 16 * 1024 * 1024  # socket buffers
        assert sent < total
    finally:
        uploading.cancel()
        writer.close()


async def test_an_oversized_body_is_refused_without_100_continue(guarded: Gateway) -> None:
    reader, writer = await connect(guarded)
    writer.write(
        request_head(
            "POST",
            "/graphql",
            "Content-Type: application/json",
            f"Content-Length: {MAX_BODY + 1}",
            "Expect: 100-continue",
        )
    )
    status, _, body = await read_response(reader)
    assert status == 413  # not "100 Continue": the client never sends the body
    assert_error(body, "PAYLOAD_TOO_LARGE")
    writer.close()


async def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(
    guarded: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    reader, writer = await connect(guarded)
    writer.write(
        request_head(
            "POST", "/graphql", "Content-Type: application/json", "Transfer-Encoding: chunked"
        )
    )
    chunk = b" " * 16384
    for _ in range(MAX_BODY // len(chunk)):  # exactly the limit: still accepted
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    await writer.drain()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(reader.read(1), 0.3)
    writer.write(b"1\r\n \r\n")  # one byte over, and the client sends no more
    await writer.drain()
    status, headers, body = await read_response(reader)
    assert status == 413 and headers["connection"] == "close"
    assert_error(body, "PAYLOAD_TOO_LARGE")
    assert await closed_within(reader, 3)
    writer.close()
    assert_logged_once(caplog, "refused a request body over")


async def test_a_client_that_reads_after_uploading_still_gets_the_413(
    guarded: Gateway,
) -> None:
    """httpx sends its whole body before reading: the server drains what comes after its
    answer instead of resetting the connection (which would destroy the answer)."""
    json_type = {"Content-Type": "application/json"}
    async with guarded.client() as client:
        sized = await client.post("/graphql", content=b" " * (3 * MAX_BODY), headers=json_type)

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(3 * MAX_BODY // 65536):
                yield b" " * 65536

        streamed = await client.post("/graphql", content=chunks(), headers=json_type)
        assert (await client.post("/graphql", json={"query": "{ __typename }"})).status_code == 200
    for response in (sized, streamed):
        assert response.status_code == 413
        assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_other_clients_are_answered_while_slow_ones_are_held(guarded: Gateway) -> None:
    slow: list[Writer] = []
    try:
        for _ in range(20):  # half send headers slowly, half a body slowly
            _, writer = await connect(guarded)
            writer.write(b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
            slow.append(writer)
            _, writer = await connect(guarded)
            writer.write(request_head("POST", "/graphql", "Content-Length: 1000") + b"{")
            slow.append(writer)
        await asyncio.sleep(0.2)
        assert await typename_time(guarded) < 1
    finally:
        for writer in slow:
            writer.close()


# Headers on every answer


async def test_api_answers_carry_security_headers_and_no_store(guarded: Gateway) -> None:
    async with guarded.client("alex.morgan") as client:
        answers = {
            "post": await client.post("/graphql", json={"query": "{ __typename }"}),
            "get": await client.get("/graphql", params={"query": "{ __typename }"}),
            "health": await client.get("/healthz"),
            "refused": await client.post("/graphql", content=b"{", headers={"Content-Type": "application/json"}),
        }  # fmt: skip
    for name, response in answers.items():
        assert response.headers["x-content-type-options"] == "nosniff", name
        assert response.headers["referrer-policy"] == "no-referrer", name
        assert response.headers["cache-control"] == "no-store", name
        assert "strict-transport-security" not in response.headers, name  # plain http
        assert "server" not in response.headers, name
    assert answers["post"].status_code == answers["health"].status_code == 200
    assert answers["refused"].status_code == 400


async def test_headers_the_app_sets_are_kept(guarded: Gateway) -> None:
    async with guarded.client() as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        stylesheet = re.search(r'href="(/static/graphiql/graphiql\.min\.css\?v=\w+)"', page.text)
        assert stylesheet, "the page names its stylesheet"
        css = await client.get(stylesheet[1])
        missing = await client.get("/no-such-page")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-cache"  # the page's own
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers.get_list("referrer-policy") == ["no-referrer"]  # not doubled
    assert css.status_code == 200 and "immutable" in css.headers["cache-control"]
    assert css.headers.get_list("x-content-type-options") == ["nosniff"]
    assert missing.status_code == 404 and "cache-control" not in missing.headers
    assert missing.headers["x-content-type-options"] == "nosniff"


async def test_hsts_behind_a_tls_proxy(guarded: Gateway) -> None:
    """A TLS-terminating proxy on a trusted address says https (X-Forwarded-Proto)."""
    async with guarded.client() as client:
        behind = await client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
        plain = await client.get("/healthz")
    assert behind.headers["strict-transport-security"] == "max-age=600"
    assert "strict-transport-security" not in plain.headers


async def test_hsts_over_tls(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path: Path,
) -> None:
    made = write_test_certificates(tmp_path / "tls", "127.0.0.1")
    settings = guarded_settings(council, scim_server, webdav_server, tmp_path)
    trust = ssl.create_default_context(cafile=str(made.ca))
    trust.check_hostname = False  # the certificate names a host; the test dials the IP
    async with (
        serve(settings, ssl_certfile=str(made.certificate), ssl_keyfile=str(made.key)) as gw,
        gw.client(verify=trust) as client,
    ):
        assert gw.url.startswith("https://")
        answer = await client.post("/graphql", json={"query": "{ __typename }"})
        refused = await client.post("/graphql", content=b" " * (2 * MAX_BODY))
    assert answer.json() == {"data": {"__typename": "Query"}}
    for response in (answer, refused):
        assert response.headers["strict-transport-security"] == "max-age=600"
        assert response.headers["x-content-type-options"] == "nosniff"
    assert refused.status_code == 413  # over TLS too, the client reads the answer


# The guard as an ASGI middleware


async def json_answer(scope: Any, receive: Any, send: Any) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"{}"})


async def test_the_guard_never_replaces_what_the_app_set() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"cache-control", b"private, max-age=60"),
                    (b"referrer-policy", b"same-origin"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b"{}"})

    guard = RequestGuard(app, max_body_bytes=1024, body_timeout=1, hsts_max_age=60)
    transport = httpx.ASGITransport(app=guard)
    async with httpx.AsyncClient(transport=transport, base_url="https://townhall") as client:
        response = await client.get("/graphql")
    assert response.headers["cache-control"] == "private, max-age=60"
    proxied = httpx.ASGITransport(app=RequestGuard(
        json_answer, max_body_bytes=1024, body_timeout=1, hsts_max_age=60
    ), root_path="/townhall")  # fmt: skip
    async with httpx.AsyncClient(transport=proxied, base_url="http://townhall") as client:
        asset = await client.get("/townhall/static/graphiql/data.json")
        api = await client.get("/townhall/healthz")
    assert "cache-control" not in asset.headers  # its own business, under a prefix too
    assert api.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in api.headers
    assert response.headers.get_list("referrer-policy") == ["same-origin"]
    assert response.headers["strict-transport-security"] == "max-age=60"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_content_length_of_thousands_of_digits_is_over_the_limit() -> None:
    """Whatever the HTTP parser lets through, a length too long for int() is refused as
    too large (413), not a server error."""
    reached = False

    async def app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal reached
        reached = True

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/graphql", "root_path": "",
             "scheme": "http", "headers": [(b"content-length", b"9" * 5000)]}  # fmt: skip
    guard = RequestGuard(app, max_body_bytes=1024, body_timeout=1, hsts_max_age=60)
    await guard(scope, receive, send)
    assert not reached
    assert sent[0]["status"] == 413


# Under uvloop, as ``townhall serve`` runs (the suite's own loop is asyncio's)


async def echo_length(scope: Any, receive: Any, send: Any) -> None:
    """A tiny ASGI app: the length of the body it read, as JSON."""
    if scope["type"] != "http":
        return
    length, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        length += len(message.get("body", b""))
        more = message.get("more_body", False)
    body = json.dumps({"length": length}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def uvloop_gateway() -> Iterator[Gateway]:
    """``echo_length`` behind the guard, served by ``uvicorn_config``'s own loop (uvloop)
    in a thread of its own."""
    settings = Settings(environment="test")
    settings.server.header_timeout = HEADER_TIMEOUT
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        settings.server.port = probe.getsockname()[1]
    app = RequestGuard(
        echo_length, max_body_bytes=MAX_BODY, body_timeout=BODY_TIMEOUT, hsts_max_age=600
    )
    server = uvicorn.Server(uvicorn_config(app, settings, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="uvloop-gateway")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start under uvloop"
    yield Gateway(url=f"http://127.0.0.1:{settings.server.port}", upstreams=None, settings=settings)  # type: ignore[arg-type]
    server.should_exit = True
    thread.join(10)


async def test_under_uvloop_slow_headers_are_cut_and_refusals_read(uvloop_gateway: Gateway) -> None:
    async with uvloop_gateway.client() as client:
        answer = await client.post("/graphql", content=b"{}")
        refused = await client.post("/graphql", content=b" " * (3 * MAX_BODY))
    assert answer.json() == {"length": 2}
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"
    assert refused.status_code == 413  # the lingering close works on uvloop's transports
    reader, writer = await connect(uvloop_gateway)
    writer.write(b"GET /graphql HT")
    started = time.monotonic()
    assert await closed_within(reader, HEADER_TIMEOUT + 1)
    assert time.monotonic() - started > HEADER_TIMEOUT - 0.1
    writer.close()
