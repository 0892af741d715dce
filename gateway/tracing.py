"""Traces: OpenTelemetry spans for each request, its operation and its upstream calls.

``configure_tracing`` installs the process's tracer provider once, from the
``tracing`` settings: a ratio of requests sampled (``sample_ratio``), spans sent by
OTLP over HTTP (``otlp_endpoint``). With tracing off, nothing is installed and every
span below is OpenTelemetry's no-op: a few hundred nanoseconds a request.

Spans (all under the request's):
- ``graphql <operation>`` (server): the request, with the operation's name, type,
  document hash, cost, status and outcome;
- ``LDAP search`` (client, ``connectors.directory``), ``GET``/``PROPFIND``/``REPORT``
  (client: the HTTP upstreams through ``instrument_http_client``, which also passes
  W3C ``traceparent`` on to them), ``SQL <verb>`` (client: ``instrument_engine``),
  each with ``townhall.source``: directory, hr, documents or social;
- resolver spans (``<Type>.<field>`` of each resolver that waits on something), for
  a further ratio of the sampled requests (``resolver_sample_ratio``), at most
  ``resolver_span_limit`` a request (``schema.execution`` makes them).

A caller's ``traceparent`` is followed only when ``trust_incoming`` is on (a proxy of
the council's own sends it); otherwise every request starts its own trace, so an
outside caller cannot choose what is sampled.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from typing import Any, Literal

import httpx
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.propagate import extract
from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic import BaseModel, Field
from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger("townhall.tracing")
tracer = trace.get_tracer("townhall")
_SPAN_KEY = "townhall_span"


class TracingSettings(BaseModel):
    """OpenTelemetry traces."""

    enabled: bool = Field(False, description="Make spans and export them by OTLP.")
    otlp_endpoint: str = Field(
        "http://127.0.0.1:4318/v1/traces",
        description="The OTLP/HTTP traces endpoint of the collector (protobuf).",
    )
    service_name: str = Field("townhall", description="`service.name` of every span.")
    sample_ratio: float = Field(
        1.0, ge=0, le=1, description="Share of requests traced (upstream calls included)."
    )
    resolver_sample_ratio: float = Field(
        0.01, ge=0, le=1, description="Share of traced requests that also get resolver spans."
    )
    resolver_span_limit: int = Field(
        200, ge=0, description="Most resolver spans in one request's trace."
    )
    trust_incoming: bool = Field(
        False, description="Continue a caller's W3C `traceparent` (only behind your own proxy)."
    )
    exporter: Literal["otlp", "none"] = Field(
        "otlp", description="`none`: spans are made but not sent (for tests and benchmarks)."
    )


def configure_tracing(settings: TracingSettings) -> bool:
    """Install the process's tracer provider when tracing is on and none is installed
    yet; True when spans are recorded."""
    if not settings.enabled:
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):  # one provider a process: keep the first
        return True
    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.service_name}),
        sampler=ParentBased(TraceIdRatioBased(settings.sample_ratio)),
    )
    if settings.exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(settings.otlp_endpoint)))
    trace.set_tracer_provider(provider)
    log.info("tracing: %s of requests, exported %s", settings.sample_ratio, settings.exporter)
    return True


def incoming_context(headers: Mapping[str, str], settings: TracingSettings) -> Any:
    """The context a request's span starts in: the caller's trace when trusted."""
    if settings.enabled and settings.trust_incoming and "traceparent" in headers:
        return extract(headers)
    return otel_context.Context()  # a root: the sampler decides afresh


def traces_resolvers(span: trace.Span, settings: TracingSettings) -> int:
    """How many resolver spans this request may make (0: none)."""
    if not span.is_recording() or settings.resolver_span_limit == 0:
        return 0
    if random.random() >= settings.resolver_sample_ratio:
        return 0
    return settings.resolver_span_limit


def instrument_http_client(client: httpx.AsyncClient, source: str) -> None:
    """Spans for each request ``client`` sends, named by method, with ``townhall.source``,
    and W3C ``traceparent`` passed on to the upstream."""

    async def name_source(span: trace.Span, _request: Any) -> None:
        if span.is_recording():
            span.set_attribute("townhall.source", source)

    HTTPXClientInstrumentor.instrument_client(client, request_hook=name_source)


def instrument_engine(engine: Engine, source: str = "social") -> None:
    """A client span per SQL statement on ``engine`` (the statement text, never its
    parameters)."""

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not trace.get_current_span().is_recording():
            return  # an untraced request: not even a no-op span
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        span = tracer.start_span(
            f"SQL {verb}",
            kind=SpanKind.CLIENT,
            attributes={
                "townhall.source": source,
                "db.system": engine.dialect.name,
                "db.statement": statement[:2000],
            },
        )
        conn.info.setdefault(_SPAN_KEY, []).append(span)

    @event.listens_for(engine, "after_cursor_execute")
    def _end(conn: Any, *_: Any) -> None:
        spans = conn.info.get(_SPAN_KEY)
        if spans:
            spans.pop().end()

    @event.listens_for(engine, "handle_error")
    def _failed(context: Any) -> None:
        spans = context.connection.info.get(_SPAN_KEY) if context.connection else None
        if spans:
            span = spans.pop()
            span.set_status(Status(StatusCode.ERROR, type(context.original_exception).__name__))
            span.end()
