"""Trusted documents and viewer budgets through the real gateway (uvicorn over HTTP).

Registered operations (the typed client's) run by hash; in registered-only mode an
unregistered document is refused, except for analysts; Apollo's APQ protocol
remembers a document sent with its hash; a viewer over budget gets 429 with
``Retry-After`` and the IETF RateLimit fields while another viewer is served.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from servers import Council

from gateway.trusted import TrustedDocuments, document_hash
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import Gateway, base_settings, serve

OWN_QUERY = "query MyOwn { me { displayName } }"


def by_hash(sha: str, **extra: Any) -> dict[str, Any]:
    return {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}, **extra}


async def post(gateway: Gateway, user: str, body: dict[str, Any]) -> httpx.Response:
    async with gateway.client(user) as client:
        return await client.post("/graphql", json=body)


@pytest.fixture(scope="module")
async def registered_only(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    settings = base_settings(
        council, scim_server, webdav_server, tmp_path_factory.mktemp("registered")
    )
    settings.limits.trusted_documents = "registered_only"
    settings.limits.discovery = False
    settings.limits.analyst_groups = ["Staff - IT and Digital"]  # alex.morgan's team
    async with serve(settings) as gateway:
        yield gateway


async def test_a_registered_operation_runs_by_hash(registered_only: Gateway) -> None:
    me = next(op for op in TrustedDocuments.load().operations() if op.name == "Me")
    response = await post(registered_only, "priya.shah", by_hash(me.sha256))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["me"]["displayName"] == "Priya Shah"
    # The same document sent as text is registered too.
    as_text = await post(registered_only, "priya.shah", {"query": me.document})
    assert as_text.json()["data"]["me"]["displayName"] == "Priya Shah"


async def test_registered_only_refuses_other_documents_but_for_analysts(
    registered_only: Gateway,
) -> None:
    refused = await post(registered_only, "priya.shah", {"query": OWN_QUERY})
    assert refused.status_code == 403
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "OPERATION_NOT_REGISTERED"
    assert "registered" in error["message"]
    unknown = await post(registered_only, "priya.shah", by_hash("0" * 64))
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    analyst = await post(registered_only, "alex.morgan", {"query": OWN_QUERY})
    assert analyst.status_code == 200
    assert analyst.json() == {"data": {"me": {"displayName": "Alex Morgan"}}}


async def test_apq_remembers_a_document_sent_with_its_hash(demo_gateway: Gateway) -> None:
    text = "query Apq { me { title } }"
    sha = document_hash(text)
    first = await post(demo_gateway, "priya.shah", by_hash(sha))
    assert first.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert first.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    sent = await post(demo_gateway, "priya.shah", by_hash(sha, query=text))
    assert sent.json()["data"]["me"]["title"]
    again = await post(demo_gateway, "priya.shah", by_hash(sha))
    assert again.json() == sent.json()
    forged = await post(demo_gateway, "priya.shah", by_hash("1" * 64, query=text))
    assert forged.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"


async def test_a_viewer_over_budget_waits_while_others_are_served(
    council: Council, scim_server: ScimServer, webdav_server: WebDavServer, tmp_path: Path
) -> None:
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.limits.budget_per_minute = 100
    query = {"query": "{ people(first: 20) { nodes { displayName } } }"}  # costs 30
    async with serve(settings) as gateway:
        spent = [await post(gateway, "priya.shah", query) for _ in range(3)]
        assert [r.status_code for r in spent] == [200, 200, 200]
        assert spent[0].headers["ratelimit-policy"] == '"viewer";q=100;w=60'
        assert spent[-1].headers["ratelimit"].startswith('"viewer";r=10;')
        refused, other = await asyncio.gather(
            post(gateway, "priya.shah", query), post(gateway, "alex.morgan", query)
        )
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert refused.headers["ratelimit"].startswith('"viewer";r=10;')
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] == int(refused.headers["retry-after"])
    assert other.status_code == 200 and other.json()["data"]["people"]["nodes"]
