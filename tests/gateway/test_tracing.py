"""Traces: a span per request, per upstream call and (sampled) per resolver.

The gateway is served over the real upstreams of the sample council with tracing
on; spans are collected by the OpenTelemetry SDK's in-memory exporter. W3C
``traceparent`` propagation is checked on a real HTTP server that records what it
was sent.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.context import Context as OtelContext
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind, TraceState
from opentelemetry.util.types import Attributes
from servers import Council

from gateway import logs
from gateway.tracing import instrument_http_client
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import Gateway, base_settings, serve

INCOMING_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{INCOMING_TRACE}-00f067aa0ba902b7-01"
QUERY = """
query Traced {
  me {
    displayName
    employment { jobTitle }
    manager { displayName }
    followerCount
  }
  documents(first: 3) { edges { node { title } } }
}
"""


class Switch(Sampler):
    """Samples everything while on; this module turns it off when it ends, so the
    rest of the session's gateways make no spans."""

    on = True

    def should_sample(
        self,
        parent_context: OtelContext | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if not self.on:
            return SamplingResult(Decision.DROP)
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)

    def get_description(self) -> str:
        return "Switch"


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(sampler=Switch())
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    Switch.on = True
    yield exporter
    Switch.on = False
    exporter.shutdown()


@pytest.fixture(scope="module")
async def traced_gateway(
    spans: InMemorySpanExporter,
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    settings = base_settings(council, scim_server, webdav_server, tmp_path_factory.mktemp("trace"))
    settings.tracing.enabled = True
    settings.tracing.exporter = "none"
    settings.tracing.resolver_sample_ratio = 1.0
    settings.tracing.resolver_span_limit = 50
    settings.tracing.trust_incoming = True
    async with serve(settings) as gateway:
        yield gateway


async def _traced_request(
    gateway: Gateway, spans: InMemorySpanExporter, headers: dict[str, str] | None = None
) -> tuple[ReadableSpan, list[ReadableSpan], httpx.Response]:
    await gateway.clear_cache()
    spans.clear()
    async with gateway.client() as client:
        response = await client.post("/graphql", json={"query": QUERY}, headers=headers or {})
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.json()
    await asyncio.sleep(0.2)  # background batches finish their spans
    (root,) = [s for s in spans.get_finished_spans() if s.name == "graphql Traced"]
    assert root.context is not None
    same_trace = [
        s
        for s in spans.get_finished_spans()
        if s.context is not None and s.context.trace_id == root.context.trace_id
    ]
    return root, same_trace, response


async def test_a_request_has_a_span_with_its_operation(
    traced_gateway: Gateway, spans: InMemorySpanExporter
) -> None:
    root, _, response = await _traced_request(traced_gateway, spans)
    assert root.kind is SpanKind.SERVER
    attributes = dict(root.attributes or {})
    assert attributes["graphql.operation.name"] == "Traced"
    assert attributes["http.response.status_code"] == 200
    assert attributes["townhall.outcome"] == "ok"
    assert attributes["townhall.request_id"] == response.headers["X-Request-Id"]
    assert root.parent is None  # no traceparent sent: a trace of its own


async def test_upstream_calls_are_spans_of_the_request_by_source(
    traced_gateway: Gateway, spans: InMemorySpanExporter
) -> None:
    _, in_trace, _ = await _traced_request(traced_gateway, spans)
    sources = {
        (dict(s.attributes or {}).get("townhall.source"), s.kind)
        for s in in_trace
        if s.kind is SpanKind.CLIENT
    }
    for source in ("directory", "hr", "documents", "social"):
        assert (source, SpanKind.CLIENT) in sources, sorted(map(str, sources))
    ldap = [s for s in in_trace if s.name == "LDAP search"]
    assert ldap and all("ldap.entries" in (s.attributes or {}) for s in ldap)
    sql = [s for s in in_trace if s.name.startswith("SQL ")]
    (viewer,) = await traced_gateway.upstreams.directory.people_by("account_name", ["alex.morgan"])
    assert viewer is not None and sql
    # The statement text, never its parameters (the viewer's GUID is one of them).
    assert not [s for s in sql if viewer.guid in str((s.attributes or {})["db.statement"])]


async def test_resolver_spans_are_sampled_and_bounded(
    traced_gateway: Gateway, spans: InMemorySpanExporter
) -> None:
    tracing = traced_gateway.settings.tracing
    _, in_trace, _ = await _traced_request(traced_gateway, spans)
    resolvers = {s.name for s in in_trace if "." in s.name and s.kind is SpanKind.INTERNAL}
    assert {"Query.me", "Person.employment", "Query.documents"} <= resolvers, resolvers
    try:
        tracing.resolver_span_limit = 2
        _, in_trace, _ = await _traced_request(traced_gateway, spans)
        assert len([s for s in in_trace if "." in s.name and s.kind is SpanKind.INTERNAL]) <= 2
        tracing.resolver_sample_ratio = 0.0
        _, in_trace, _ = await _traced_request(traced_gateway, spans)
        assert not [s for s in in_trace if "." in s.name and s.kind is SpanKind.INTERNAL]
        # The request and its upstream calls are still traced.
        assert any(s.name == "LDAP search" for s in in_trace)
    finally:
        tracing.resolver_span_limit = 50
        tracing.resolver_sample_ratio = 1.0


async def test_a_callers_traceparent_is_followed_only_when_trusted(
    traced_gateway: Gateway, spans: InMemorySpanExporter
) -> None:
    tracing = traced_gateway.settings.tracing
    root, _, _ = await _traced_request(traced_gateway, spans, {"traceparent": TRACEPARENT})
    assert root.context is not None
    assert format(root.context.trace_id, "032x") == INCOMING_TRACE
    try:
        tracing.trust_incoming = False
        root, _, _ = await _traced_request(traced_gateway, spans, {"traceparent": TRACEPARENT})
        assert root.context is not None
        assert format(root.context.trace_id, "032x") != INCOMING_TRACE
        assert root.parent is None
    finally:
        tracing.trust_incoming = True


async def test_log_events_carry_the_trace_id(
    traced_gateway: Gateway, spans: InMemorySpanExporter
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestContext())
    handler.setFormatter(logs.json_formatter())
    root_logger = logging.getLogger()
    level = root_logger.level
    root_logger.addHandler(handler)
    root_logger.setLevel(logging.INFO)
    try:
        root, _, response = await _traced_request(traced_gateway, spans)
    finally:
        root_logger.removeHandler(handler)
        root_logger.setLevel(level)
    assert root.context is not None
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    mine = [e for e in events if e["request_id"] == response.headers["X-Request-Id"]]
    assert [e["logger"] for e in mine].count("townhall.requests") == 1
    assert {e.get("trace_id") for e in mine} == {format(root.context.trace_id, "032x")}


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        _Recorder.seen.append({k.lower(): v for k, v in self.headers.items()})
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_: Any) -> None:
        return None


async def test_traceparent_is_passed_on_to_http_upstreams(
    spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.server_port}") as client:
            instrument_http_client(client, "hr")
            tracer = trace.get_tracer("test")
            with tracer.start_as_current_span("request") as parent:
                response = await client.get("/Users")
            assert response.status_code == 200
    finally:
        server.shutdown()
        thread.join()
    (headers,) = _Recorder.seen
    _version, trace_id, span_id, _flags = headers["traceparent"].split("-")
    assert trace_id == format(parent.get_span_context().trace_id, "032x")
    (call,) = [
        s
        for s in spans.get_finished_spans()
        if s.name == "GET"
        and s.parent is not None
        and s.parent.span_id == parent.get_span_context().span_id
    ]
    assert call.context is not None and format(call.context.span_id, "016x") == span_id
    assert dict(call.attributes or {})["townhall.source"] == "hr"
