"""Operation limits over real HTTP: refused before anything runs, in linear time, never 5xx.

The gateway is the demo's (embedded directory, real scim2-server and wsgidav),
served by uvicorn; the limits are measured in ``schema.limits`` and enforced by
``gateway.operations`` and ``gateway.graphql_http``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import Undefined, parse
from servers import Council

from gateway.settings import Settings
from schema import build_schema
from schema.limits import FIELD_COSTS, measure
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import Gateway, base_settings, serve

GRAPHQL_RESPONSE = "application/graphql-response+json"
BOMB = (
    "{ people(first:100){edges{node{manager{directReports{employment{grade} "
    "colleagues{employment{workingPattern}}}}}}} }"
)
# A cancelled sibling once escaped graphql-core's error handling as a 500.
CANCELLED_SIBLINGS = (
    '{ person(id: "UGVyc29uOmFjNzNkMjgxLWFiNDMtNDIzNi1hMzdlLTI1Mjc2MGNjZjYzZA") { '
    "directReports(includeLeavers: false) { managementChain { colleagues(includeLeavers: true) "
    "{ viewerIsFollowing activity(first: -1) { totalCount } } } colleagues(includeLeavers: false) "
    "{ managementChain { directReports(includeLeavers: false) { viewerIsFollowing } } } } } }"
)


def doubling_fragments(levels: int, field: bool = False) -> str:
    """Each fragment spreads the next twice: 2^levels walks for a naive limiter."""
    parts = ["query Bomb { me { ...F0 } }"]
    for i in range(levels):
        if i == levels - 1:
            inner = "displayName"
        elif field:
            inner = f"a: manager {{ ...F{i + 1} }} b: manager {{ ...F{i + 1} }}"
        else:
            inner = f"...F{i + 1} ...F{i + 1}"
        parts.append(f"fragment F{i} on Person {{ {inner} }}")
    return " ".join(parts)


def upstream_calls(gateway: Gateway) -> tuple[int, int]:
    """Directory and HR calls (the document store's background crawl counts too, so not it)."""
    calls = gateway.calls()
    return calls["directory"], calls["hr"]


async def post(
    gateway: Gateway, body: Any, *, accept: str | None = None, user: str = "alex.morgan"
) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    async with gateway.client(user) as client:
        return await client.post("/graphql", json=body, headers=headers)


@pytest.fixture(scope="module")
async def strict_gateway(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    """A gateway as production runs it: discovery only for analysts, small caps."""
    settings: Settings = base_settings(
        council, scim_server, webdav_server, tmp_path_factory.mktemp("strict")
    )
    settings.limits.discovery = False
    settings.limits.analyst_groups = ["Staff - IT and Digital"]
    settings.limits.max_objects = 300
    settings.limits.max_response_bytes = 3_000
    async with serve(settings) as gateway:
        yield gateway


def test_measure_is_linear_in_the_document() -> None:
    schema = build_schema()._schema  # type: ignore[attr-defined]
    document = parse(doubling_fragments(30, field=True))
    started = time.perf_counter()
    shape = measure(schema, document, None)
    assert time.perf_counter() - started < 0.05
    assert shape is not None and shape.depth == 31 and shape.cost > 2**30
    # A spread repeated in one selection set runs once: so it is counted once.
    merged = measure(schema, parse(doubling_fragments(30)), None)
    assert merged is not None and merged.depth == 2 and merged.cost == 1


def test_every_priced_field_exists() -> None:
    schema = build_schema()._schema  # type: ignore[attr-defined]
    for name in FIELD_COSTS:
        type_name, field = name.split(".")
        assert field in schema.get_type(type_name).fields, name  # type: ignore[union-attr]


def test_lists_multiply_by_their_page() -> None:
    schema = build_schema()._schema  # type: ignore[attr-defined]
    query = "query($n: Int! = 20) { people(first: $n) { totalCount nodes { displayName } } }"
    small = measure(schema, parse(query), None, {"n": 5})
    large = measure(schema, parse(query), None, {"n": 100})
    default = measure(schema, parse(query), None)
    assert small and large and default
    assert (small.cost, default.cost, large.cost) == (10 + 5, 10 + 20, 10 + 100)


async def test_a_doubling_fragment_chain_is_refused_at_once(demo_gateway: Gateway) -> None:
    async with demo_gateway.client("alex.morgan") as client:
        await client.post("/graphql", json={"query": "{ __typename }"})  # connection warm
        started = time.perf_counter()
        bomb, probe = await asyncio.gather(
            client.post("/graphql", json={"query": doubling_fragments(30, field=True)}),
            client.post("/graphql", json={"query": "{ __typename }"}),
        )
        elapsed = time.perf_counter() - started
    assert bomb.status_code == 200
    error = bomb.json()["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_DEEP"
    assert probe.json() == {"data": {"__typename": "Query"}}
    assert elapsed < 0.5  # both answered; the refusal itself is measured below
    started = time.perf_counter()
    again = await post(demo_gateway, {"query": doubling_fragments(30)})
    assert time.perf_counter() - started < 0.5
    assert again.json()["data"]["me"]["displayName"]


async def test_a_costly_query_is_refused_before_any_upstream_call(
    demo_gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    # The viewer signed in and their groups read (document trimming waits on them): cached.
    await post(demo_gateway, {"query": "{ documents(first: 1) { totalCount } }"})
    before = upstream_calls(demo_gateway)
    with caplog.at_level(logging.INFO):
        response = await post(demo_gateway, {"query": BOMB}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    error = body["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] > error["extensions"]["limit"] == 20_000
    assert upstream_calls(demo_gateway) == before
    lines = [r for r in caplog.records if r.name == "townhall.requests"]
    assert len(lines) == 1 and "QUERY_TOO_COSTLY" in lines[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_cancelled_sibling_is_not_a_server_error(
    council: Council, scim_server: ScimServer, webdav_server: WebDavServer, tmp_path: Path
) -> None:
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.limits.max_cost = 10**9  # the query is costly: let it run to the cancellation
    async with serve(settings) as gateway:
        response = await post(gateway, {"query": CANCELLED_SIBLINGS})
    assert response.status_code == 200
    body = response.json()
    codes = {e["extensions"]["code"] for e in body.get("errors", [])}
    assert "INTERNAL_ERROR" not in codes
    assert "BAD_USER_INPUT" in codes  # first: -1


async def test_too_many_values_fail_as_one_error(strict_gateway: Gateway) -> None:
    query = "{ people(first: 100) { nodes { displayName title department office } } }"
    body = (await post(strict_gateway, {"query": query})).json()
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "The operation resolved more than 300 values; ask for smaller pages.",
                "extensions": {"code": "TOO_MANY_OBJECTS"},
            }
        ],
    }
    fine = (await post(strict_gateway, {"query": "{ me { displayName } }"})).json()
    assert fine["data"]["me"]["displayName"]


async def test_an_oversized_response_is_refused_whole(strict_gateway: Gateway) -> None:
    query = "{ people(first: 30) { nodes { displayName title department office mail } } }"
    body = (await post(strict_gateway, {"query": query})).json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["RESPONSE_TOO_LARGE"]


async def test_an_operation_past_its_deadline_fails_as_one_error(
    council: Council, scim_server: ScimServer, webdav_server: WebDavServer, tmp_path: Path
) -> None:
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.limits.operation_timeout = 0.001
    async with serve(settings) as gateway:
        body = (await post(gateway, {"query": "{ me { employment { grade } } }"})).json()
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "The operation ran past its 0.001 s limit; ask for less.",
                "extensions": {"code": "OPERATION_TIMEOUT"},
            }
        ],
    }


async def test_discovery_is_for_analysts_only(strict_gateway: Gateway) -> None:
    introspect = {"query": "{ __schema { queryType { name } } }"}
    analyst = (await post(strict_gateway, introspect, user="alex.morgan")).json()
    assert analyst == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
    staff = (await post(strict_gateway, introspect, user="priya.shah")).json()
    assert staff["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "introspection" in staff["errors"][0]["message"].lower()
    typo = {"query": "{ me { employmnt { grade } } }"}
    hidden = (await post(strict_gateway, typo, user="priya.shah")).json()
    assert "Did you mean" not in hidden["errors"][0]["message"]
    shown = (await post(strict_gateway, typo, user="alex.morgan")).json()
    assert "Did you mean 'employment'" in shown["errors"][0]["message"]


@pytest.mark.parametrize(
    ("accept", "status", "has_data"),
    [(GRAPHQL_RESPONSE, 400, False), ("application/json", 200, False), (None, 200, False)],
)
async def test_request_errors_follow_the_graphql_over_http_spec(
    demo_gateway: Gateway, accept: str | None, status: int, has_data: bool
) -> None:
    for query in ("{ me { ", "{ me { nosuchfield } }"):
        response = await post(demo_gateway, {"query": query}, accept=accept)
        assert response.status_code == status
        assert ("data" in response.json()) is has_data
        expected = accept or "application/json"
        assert response.headers["content-type"] == f"{expected}; charset=utf-8"
    variables = {
        "query": "query($n: Int!) { people(first: $n) { totalCount } }",
        "variables": {"n": "many"},
    }
    response = await post(demo_gateway, variables, accept=accept)
    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_field_error_is_still_a_200_with_data(demo_gateway: Gateway) -> None:
    response = await post(
        demo_gateway, {"query": "{ people(first: -1) { totalCount } }"}, accept=GRAPHQL_RESPONSE
    )
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("content", "headers", "status", "code"),
    [
        (b"not json", {"Content-Type": "application/json"}, 400, "BAD_REQUEST"),
        (b'{"query": "\xff"}', {"Content-Type": "application/json"}, 400, "BAD_REQUEST"),
        (
            b'[{"query": "{ me { displayName } }"}]',
            {"Content-Type": "application/json"},
            400,
            "BAD_REQUEST",
        ),
        (b'"{ me { displayName } }"', {"Content-Type": "application/json"}, 400, "BAD_REQUEST"),
        (b'{"query": 5}', {"Content-Type": "application/json"}, 400, "BAD_REQUEST"),
        (
            b'{"query": "{ __typename }", "variables": []}',
            {"Content-Type": "application/json"},
            400,
            "BAD_REQUEST",
        ),
        (
            b'{"query": "{ __typename }", "operationName": 1}',
            {"Content-Type": "application/json"},
            400,
            "BAD_REQUEST",
        ),
        (b"[" * 100_000, {"Content-Type": "application/json"}, 400, "BAD_REQUEST"),
        (
            b'{"query": "{ __typename }"}',
            {"Content-Type": "text/plain"},
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (b'{"query": "{ __typename }"}', {}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        (
            b'{"query": "{ __typename }"}',
            {"Content-Type": "application/json", "Accept": "text/html"},
            406,
            "NOT_ACCEPTABLE",
        ),
        (
            b'{"query": "subscription { x }"}',
            {"Content-Type": "application/json"},
            200,
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ],
)
async def test_malformed_requests_are_client_errors(
    demo_gateway: Gateway, content: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    async with demo_gateway.client("alex.morgan") as client:
        response = await client.post("/graphql", content=content, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_get_runs_queries_only(demo_gateway: Gateway) -> None:
    async with demo_gateway.client("alex.morgan") as client:
        query = await client.get("/graphql", params={"query": "{ me { displayName } }"})
        mutation = await client.get(
            "/graphql",
            params={"query": "mutation { markNotificationsRead(input: {}) { __typename } }"},
        )
        put = await client.put("/graphql", json={"query": "{ __typename }"})
    assert query.status_code == 200 and query.json()["data"]["me"]["displayName"]
    assert mutation.status_code == 405 and mutation.headers["allow"] == "POST"
    assert put.status_code == 405 and put.headers["allow"] == "GET, POST"


async def test_request_ids_are_made_by_the_server(
    demo_gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    async with demo_gateway.client("alex.morgan") as client:
        with caplog.at_level(logging.INFO):
            response = await client.post(
                "/graphql",
                json={"query": "{ __typename }"},
                headers={"X-Request-Id": "portal-42"},
            )
    ours = response.headers["x-request-id"]
    assert ours != "portal-42" and len(ours) == 16
    line = next(r.getMessage() for r in caplog.records if r.name == "townhall.requests")
    assert f"id={ours}" in line and "client_id=portal-42" in line


def test_the_readme_lists_the_cost_of_every_root_field() -> None:
    schema = build_schema()._schema  # type: ignore[attr-defined]
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("The root fields", 1)[1].split("### Budgets", 1)[0]
    listed = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            listed[cells[0].strip("`")] = (int(cells[1]), cells[2])
    expected = {}
    for root in (schema.query_type, schema.mutation_type):
        for name, field in root.fields.items():
            # What measure() charges for the field alone, selecting only __typename.
            shape = measure(
                schema,
                parse(_minimal(root.name, name, field)),
                None,
            )
            assert shape is not None
            first = field.args.get("first")
            items = f"\u00d7 `first` ({first.default_value})" if first is not None else ""
            expected[name] = (shape.cost, items)
    assert listed == expected


def _minimal(root: str, name: str, field: Any) -> str:
    """The field with its required arguments (dummy values) and the least selection."""
    from graphql import get_named_type, is_non_null_type

    args = ["first: 0"] if "first" in field.args else []  # the field alone, no items
    for arg_name, arg in field.args.items():
        if is_non_null_type(arg.type) and arg.default_value is Undefined:
            args.append(f"{arg_name}: $v_{arg_name}")
    variables = ", ".join(
        f"$v_{a}: {field.args[a].type}" for a in field.args if f"$v_{a}" in " ".join(args)
    )
    named = get_named_type(field.type)
    selection = " { __typename }" if hasattr(named, "fields") or hasattr(named, "types") else ""
    keyword = "mutation" if root == "Mutation" else "query"
    head = f"{keyword} ({variables})" if variables else keyword
    call = f"{name}({', '.join(args)})" if args else name
    return f"{head} {{ {call}{selection} }}"
