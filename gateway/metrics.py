"""Prometheus metrics: the metric objects, what records into them, and ``/metrics``.

Owns every ``townhall_*`` metric (prometheus-client), the cheap recording calls the
request path, the loaders and the record cache make, and the scrape endpoint. The
endpoint needs no sign-in: it is for the council's Prometheus, on the internal
network, and should not be exposed publicly (``server.metrics = false`` turns it off).

Label values are bounded by construction, so no client can grow the series count: an
operation is labelled with its name only when the name is a registered one (the trusted
documents' registry, ``register_operations``), else ``anonymous`` or ``other``; outcomes
and refusal reasons are Townhall's own codes; sources and kinds are the loaders' fixed set.

With ``townhall serve --workers N`` each worker is a process of its own: ``serving``
sets ``PROMETHEUS_MULTIPROC_DIR`` to a fresh directory before the workers start
(``multiprocess_dir``), every worker writes its values there, and a scrape of any
worker sums them all (``MultiProcessCollector``). prometheus-client picks its value
store when first imported, so the variable must be set before a worker imports this.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .trusted import DocumentResolver, TrustedDocuments, TrustedDocumentsError

if TYPE_CHECKING:
    from .settings import Settings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "townhall_requests",
    "GraphQL requests answered, by operation, HTTP status and outcome.",
    ["operation", "status", "outcome"],
)
REQUEST_SECONDS = Histogram(
    "townhall_request_seconds",
    "Time to answer a GraphQL request, by operation.",
    ["operation"],
    buckets=_SECONDS,
)
REFUSED = Counter(
    "townhall_refused",
    "GraphQL requests refused, by reason (the refusal code: QUERY_TOO_COSTLY, "
    "RATE_LIMITED, UNAUTHENTICATED, ...).",
    ["reason"],
)
UPSTREAM_CALLS = Counter(
    "townhall_upstream_calls",
    "Calls to an upstream (one per loader batch that missed the cache), by source and kind.",
    ["source", "kind"],
)
UPSTREAM_ERRORS = Counter(
    "townhall_upstream_errors",
    "Upstream calls that failed, by source, kind and error class.",
    ["source", "kind", "error"],
)
UPSTREAM_SECONDS = Histogram(
    "townhall_upstream_seconds",
    "Time an upstream call took, by source and kind.",
    ["source", "kind"],
    buckets=_SECONDS,
)
CACHE_LOOKUPS = Counter(
    "townhall_cache_lookups",
    "Record cache lookups, by record kind and result (hit, stale, miss).",
    ["kind", "result"],
)
CACHE_EVICTIONS = Counter(
    "townhall_cache_evictions",
    "Records the in-memory record cache dropped to stay within "
    "cache.memory_max_entries (not expired ones): a steady rise means the bound is too low.",
)
RESPONSE_CACHE = Counter(
    "townhall_response_cache_lookups",
    "Response cache lookups of registered queries, by result (hit, miss).",
    ["result"],
)
BATCH_SIZE = Histogram(
    "townhall_loader_batch_size",
    "Keys in one DataLoader batch, by record kind.",
    ["kind"],
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500),
)
CIRCUIT_STATE = Gauge(
    "townhall_circuit_state",
    "An upstream's circuit breaker as last read: 0 closed, 1 half-open, 2 open.",
    ["source"],
    multiprocess_mode="mostrecent",
)
FEED_SUCCESS = Gauge(
    "townhall_feed_last_success_timestamp_seconds",
    "When a change feed last completed a round (Unix time): its lag is time() minus this.",
    ["feed"],
    multiprocess_mode="max",
)
WORKER_ACTIVE = Gauge(
    "townhall_worker_active",
    "1 while this process runs the background jobs (the active `townhall worker`, or a web "
    "process with worker.mode 'embedded'), else 0.",
    multiprocess_mode="livesum",
)
_CIRCUIT_VALUES = {"closed": 0.0, "half-open": 1.0, "open": 2.0}
LIVE_CONNECTIONS = Gauge(
    "townhall_live_connections",
    "Open WebSocket connections on /graphql (graphql-transport-ws).",
    multiprocess_mode="livesum",
)
LIVE_SUBSCRIPTIONS = Gauge(
    "townhall_live_subscriptions",
    "Running GraphQL subscriptions over WebSocket.",
    multiprocess_mode="livesum",
)
LIVE_CLOSED = Counter(
    "townhall_live_closed",
    "WebSocket connections ended, by close code (the gateway's codes; 'other' for the "
    "rest a client may send).",
    ["code"],
)
# The close codes worth a series of their own: the gateway's, and the clients' usual ones.
_LIVE_CODES = frozenset(
    {1000, 1001, 1005, 1006, 1009, 1011, 1013, 4029, 4400, 4401, 4403, 4406, 4408, 4409, 4429}
)

# Outcomes that are the gateway failing, not a request refused.
_NOT_REFUSALS = frozenset({"ok", "partial", "page", "INTERNAL_ERROR", "AUDIT_UNAVAILABLE"})
_operations: set[str] = set()
# Bound children by (operation label, status, outcome): every part is bounded, so is this.
_request_children: dict[tuple[str, int, str], tuple[Any, Any, Any]] = {}
# Label children found once: ``labels()`` costs a lock and a tuple, the hot path would
# pay it several times a request. Kinds are the loaders' fixed set.
_upstream_children: dict[str, tuple[Any, Any]] = {}
_cache_children: dict[str, tuple[Any, ...]] = {}
_batch_children: dict[str, Any] = {}


def register_operations(names: Iterable[str]) -> None:
    """Names that may appear as an ``operation`` label (the trusted registry's)."""
    _operations.update(names)


def operation_label(name: str) -> str:
    """The label for an operation name: itself when registered, else ``anonymous``/``other``."""
    if name in _operations:
        return name
    return "anonymous" if name in ("anonymous", "-") else "other"


def observe_request(operation: str, status: int, outcome: str, seconds: float) -> None:
    """One answered GraphQL request (called once per request, from its log line)."""
    key = (operation, status, outcome)
    children = _request_children.get(key)
    if children is None:
        label = operation_label(operation)
        key = (label, status, outcome)
        children = _request_children.get(key)
        if children is None:
            children = (
                REQUESTS.labels(label, str(status), outcome),
                REQUEST_SECONDS.labels(label),
                REFUSED.labels(outcome) if outcome not in _NOT_REFUSALS else None,
            )
            _request_children[key] = children
    requests, duration, refused = children
    requests.inc()
    duration.observe(seconds)
    if refused is not None:
        refused.inc()


def observe_upstream(source: str, kind: str, seconds: float, error: BaseException | None) -> None:
    """One upstream call of a loader (its source, the kind of record it fetched)."""
    children = _upstream_children.get(kind)
    if children is None:
        children = (UPSTREAM_CALLS.labels(source, kind), UPSTREAM_SECONDS.labels(source, kind))
        _upstream_children[kind] = children
    children[0].inc()
    children[1].observe(seconds)
    if error is not None:
        UPSTREAM_ERRORS.labels(source, kind, type(error).__name__).inc()


def observe_cache(kind: str, hits: int, stale: int, misses: int) -> None:
    """One record-cache lookup of many keys."""
    children = _cache_children.get(kind)
    if children is None:
        children = tuple(CACHE_LOOKUPS.labels(kind, r) for r in ("hit", "stale", "miss"))
        _cache_children[kind] = children
    if hits:
        children[0].inc(hits)
    if stale:
        children[1].inc(stale)
    if misses:
        children[2].inc(misses)


_response_children = {r: RESPONSE_CACHE.labels(r) for r in ("hit", "miss")}


def observe_evictions(count: int) -> None:
    """Records dropped by the in-memory cache's bound."""
    CACHE_EVICTIONS.inc(count)


def observe_response_cache(result: str) -> None:
    """One response cache lookup: ``hit`` or ``miss``."""
    _response_children[result].inc()


def observe_batch(kind: str, size: int) -> None:
    """One DataLoader batch of ``size`` keys."""
    child = _batch_children.get(kind)
    if child is None:
        child = _batch_children[kind] = BATCH_SIZE.labels(kind)
    child.observe(size)


def observe_circuit(source: str, state: str) -> None:
    """A circuit breaker's state (``closed``, ``half-open``, ``open``)."""
    CIRCUIT_STATE.labels(source).set(_CIRCUIT_VALUES.get(state, 0.0))


def observe_feed_round(feed: str) -> None:
    """A change feed (``directory-sync``, ``document-sync``, ...) completed a round now."""
    FEED_SUCCESS.labels(feed).set_to_current_time()


def observe_worker_active(active: bool) -> None:
    """This process started (``True``) or stopped running the background jobs."""
    WORKER_ACTIVE.set(1.0 if active else 0.0)


def observe_live_connection(delta: int) -> None:
    """A WebSocket connection opened (1) or ended (-1)."""
    LIVE_CONNECTIONS.inc(delta)


def observe_live_subscription(delta: int) -> None:
    """A subscription started (1) or ended (-1)."""
    LIVE_SUBSCRIPTIONS.inc(delta)


def observe_live_closed(code: int) -> None:
    """A WebSocket connection ended with ``code``."""
    LIVE_CLOSED.labels(str(code) if code in _LIVE_CODES else "other").inc()


def registry() -> CollectorRegistry:
    """What a scrape reads: every worker's values in multiprocess mode, else this process's."""
    if os.environ.get(MULTIPROC_ENV):
        collected = CollectorRegistry()
        MultiProcessCollector(collected)  # type: ignore[no-untyped-call]
        return collected
    return REGISTRY


def metrics_routes(settings: Settings, documents: DocumentResolver | None) -> list[Route]:
    """``/metrics`` (none when ``server.metrics`` is off). The operations of ``documents``'
    registry (else the typed client's) become the operation labels."""
    if documents is not None:
        register_operations(documents.registry.names())
    else:
        with contextlib.suppress(TrustedDocumentsError):
            register_operations(TrustedDocuments.load().names())
    if not settings.server.metrics:
        return []

    async def metrics(request: Request) -> Response:
        _read_circuits(getattr(request.app.state, "upstreams", None))
        return Response(generate_latest(registry()), media_type=CONTENT_TYPE_LATEST)

    return [Route("/metrics", metrics, methods=["GET"])]


def _read_circuits(upstreams: object) -> None:
    """The breakers' states as this process sees them now (they change with time alone:
    an open circuit turns half-open when its reset time has passed)."""
    for source in ("hr", "documents"):
        breaker = getattr(getattr(upstreams, source, None), "breaker", None)
        state = getattr(breaker, "state", None)
        if isinstance(state, str):
            observe_circuit(source, state)


@contextlib.contextmanager
def multiprocess_dir() -> Iterator[str]:
    """A fresh ``PROMETHEUS_MULTIPROC_DIR`` for worker processes (one already set is kept,
    as prometheus-client's docs ask it be wiped between runs by whoever set it)."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        yield given
        return
    path = tempfile.mkdtemp(prefix="townhall-metrics-")
    os.environ[MULTIPROC_ENV] = path
    try:
        yield path
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(path, ignore_errors=True)
