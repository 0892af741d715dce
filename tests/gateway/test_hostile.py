"""The hostile corpus over real HTTP: bombs, broken requests, bad tokens, injection into
every String and ID argument, and other viewers' ids in every mutation.

Every case must be answered within ``ANSWER_WITHIN`` seconds, never with a 5xx, with
nothing internal in the body (directory DNs, upstream URLs, file paths, SQL, tracebacks,
Python exception names), with the outcome its case names, and a plain ``{ __typename }``
must still be answered afterwards.

The cases are data (``hostile_corpus``); the gateways are the demo's (``demo_gateway``)
and two of this module's own: one signing in by bearer token (RSA key made here) with
short body and header timeouts, one for writes (so the demo's store stays as other
suites expect it).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from servers import Council
from servers.oidc import AUDIENCE, ISSUER, public_pem, rsa_key

from schema.ids import global_id
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import Gateway, base_settings, serve
from .hostile_corpus import BOMBS, OK, REQUESTS, SLOW, Case, assert_clean
from .hostile_inputs import PAYLOADS, TOKEN, TOKENS, WIRE, Signer, TokenCase, WireCase
from .hostile_schema import B_STATE, ID_PAYLOADS, REFUSED, THEFTS, Site, Theft, schema, sites

ANSWER_WITHIN = 2.0
# The demo's cases sign in as someone no other suite uses, so that no budget or cache
# another test counts on is touched.
HOSTILE_USER = "aled.hughes"


def outcome(response: httpx.Response) -> frozenset[str]:
    """``OK``, or the error codes an answer carries (``EMPTY``/``NOT_JSON`` otherwise)."""
    if not response.content:
        return frozenset({"EMPTY"})
    try:
        body = response.json()
    except ValueError:
        return frozenset({"NOT_JSON"})
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        return frozenset({OK})
    return frozenset(str((e.get("extensions") or {}).get("code")) for e in errors)


def assert_answered(response: httpx.Response, elapsed: float, sent: Iterable[str] = ()) -> None:
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    assert elapsed < ANSWER_WITHIN, f"answered in {elapsed:.2f} s"
    assert_clean(response.text, sent)
    assert "INTERNAL_ERROR" not in outcome(response), response.text[:500]


def strings_in(value: Any) -> Iterable[str]:
    """Every string a request body holds (keys too): what an answer may quote."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


async def still_answers(client: httpx.AsyncClient, **headers: str) -> None:
    response = await client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
    assert response.status_code == 200, response.text[:300]
    assert response.json() == {"data": {"__typename": "Query"}}


async def send(client: httpx.AsyncClient, case: Case) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await client.request(
        case.method, "/graphql", content=case.body(), headers=dict(case.headers),
        params=dict(case.params) if case.params is not None else None,
    )  # fmt: skip
    return response, time.perf_counter() - started


def marks(case: Case) -> list[pytest.MarkDecorator]:
    return [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []


def cases(*groups: list[Case]) -> list[Any]:
    return [pytest.param(c, id=c.id, marks=marks(c)) for group in groups for c in group]


@pytest.fixture(scope="module")
async def demo_client(demo_gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with demo_gateway.client(HOSTILE_USER) as client:
        client.timeout = httpx.Timeout(ANSWER_WITHIN * 5)
        await still_answers(client)  # signed in once: the viewer's records are cached
        yield client


@pytest.mark.parametrize("case", cases(BOMBS, REQUESTS))
async def test_hostile_request(demo_client: httpx.AsyncClient, case: Case) -> None:
    response, elapsed = await send(demo_client, case)
    sent = list(strings_in(case.json)) if case.json is not None else []
    assert_answered(response, elapsed, sent)
    assert response.status_code in case.status, f"{response.status_code}: {response.text[:300]}"
    assert outcome(response) <= case.expect, response.text[:500]
    await still_answers(demo_client)


# -- bearer tokens, and the connection itself --------------------------------------------

ME = b'{"query": "{ me { accountName } }"}'


def upn(council: Council, account: str) -> str:
    return str(
        next(p["userPrincipalName"] for p in council.people if p["sAMAccountName"] == account)
    )


@pytest.fixture(scope="module")
def signer(council: Council) -> Signer:
    return Signer(rsa_key(), rsa_key(), upn(council, "priya.shah"))


@pytest.fixture(scope="module")
async def bearer_gateway(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
    signer: Signer,
) -> AsyncIterator[Gateway]:
    """Signing in by bearer token only (as production does), with short body and header
    timeouts so that slow clients are cut off within a case's time."""
    settings = base_settings(council, scim_server, webdav_server, tmp_path_factory.mktemp("bearer"))
    settings.auth.dev_sign_in = False
    settings.auth.jwt_public_key = SecretStr(public_pem(signer.key))
    settings.auth.jwt_issuer = ISSUER
    settings.auth.jwt_audience = AUDIENCE
    settings.auth.max_token_lifetime = 3600
    settings.server.body_timeout = 1.0
    settings.server.header_timeout = 1.0
    async with serve(settings) as gateway:
        yield gateway


@pytest.fixture(scope="module")
async def bearer_client(
    bearer_gateway: Gateway, signer: Signer
) -> AsyncIterator[httpx.AsyncClient]:
    async with bearer_gateway.client() as client:
        client.timeout = httpx.Timeout(ANSWER_WITHIN * 5)
        client.headers["Authorization"] = f"Bearer {signer.token()}"
        await still_answers(client)
        del client.headers["Authorization"]
        yield client


async def signed_in_still_answers(client: httpx.AsyncClient, signer: Signer) -> None:
    await still_answers(client, Authorization=f"Bearer {signer.token()}")


def encoded(headers: Iterable[tuple[str | bytes, str | bytes]]) -> list[tuple[bytes, bytes]]:
    return [
        (k.encode() if isinstance(k, str) else k, v.encode("latin-1") if isinstance(v, str) else v)
        for k, v in headers
    ]


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else [])
     for c in TOKENS],
)  # fmt: skip
async def test_bad_tokens_are_refused(
    bearer_client: httpx.AsyncClient, signer: Signer, case: TokenCase
) -> None:
    headers = case.headers(signer)
    started = time.perf_counter()
    response = await bearer_client.post(
        "/graphql", content=ME, headers=[(b"content-type", b"application/json"), *encoded(headers)]
    )
    elapsed = time.perf_counter() - started
    sent = [v.decode("latin-1") if isinstance(v, bytes) else v for _, v in headers]
    assert_answered(response, elapsed, sent)
    assert response.status_code in case.status, f"{response.status_code}: {response.text[:300]}"
    for value in sent:  # a token is never shown back
        token = value.partition(" ")[2]
        assert len(token) < 20 or token not in response.text
    code = {401: "UNAUTHENTICATED", 403: "FORBIDDEN", 431: "HEADERS_TOO_LARGE"}
    assert outcome(response) == {code[response.status_code]}, response.text[:300]
    if response.status_code == 401:
        assert response.headers["www-authenticate"] == "Bearer"
    await signed_in_still_answers(bearer_client, signer)


async def exchange(
    gateway: Gateway, parts: Iterable[bytes | float], within: float
) -> tuple[bytes, float]:
    """What the server sends back on a fresh connection given ``parts``, until it closes
    the connection or ``within`` + 1 s pass; and when it finished (from the connect)."""
    host, _, port = gateway.url.removeprefix("http://").partition(":")
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, int(port))
    received = b""
    try:
        for part in parts:
            if isinstance(part, float):
                await asyncio.sleep(part)
            else:
                writer.write(part)
                await writer.drain()
    except ConnectionError:  # the server answered and closed while we were still sending
        pass
    try:
        async with asyncio.timeout(within + 1.0):
            while chunk := await reader.read(65_536):
                received += chunk
    except (TimeoutError, ConnectionError):
        pass
    finished = time.perf_counter() - started
    writer.close()
    return received, finished


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in WIRE])
async def test_the_connection_itself(
    bearer_gateway: Gateway, bearer_client: httpx.AsyncClient, signer: Signer, case: WireCase
) -> None:
    token = signer.token().encode()
    parts = [p.replace(TOKEN, token) if isinstance(p, bytes) else p for p in case.parts]
    received, finished = await exchange(bearer_gateway, parts, case.within)
    statuses = [int(s) for s in re.findall(rb"HTTP/1\.1 (\d{3}) ", received)]
    answered: set[int | None] = set(statuses) if statuses else {None}
    assert answered <= case.status, received[:300]
    assert finished < case.within + sum(p for p in case.parts if isinstance(p, float)), finished
    assert all(s < 500 for s in statuses)
    assert_clean(received.decode("latin-1"))
    if case.answers:
        assert len(statuses) == case.answers
    await signed_in_still_answers(bearer_client, signer)


# -- injection into every String and ID argument --------------------------------------

SCHEMA = schema()
SITES = list(sites(SCHEMA))
OPEN_DOC = "Planning/Plans/Local Plan 2026.md"  # readable by all staff
INJECTOR = "jane.evans"  # a moderator, so that moderators' paths are reached too
# What an injected value may be answered with: a refusal, or nothing found. Never an
# unexpected error, nor an upstream failing on what it was sent.
REFUSALS = frozenset({OK, "BAD_USER_INPUT", "FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED"})


def guid(council: Council, account: str) -> str:
    return str(next(p["guid"] for p in council.people if p["sAMAccountName"] == account))


@pytest.fixture(scope="module")
async def writes_gateway(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    """The demo's settings with a store of its own (the writes here leave the demo's alone),
    and no change feeds (nothing but the cases writes to it)."""
    settings = base_settings(council, scim_server, webdav_server, tmp_path_factory.mktemp("writes"))
    settings.hr.sync_interval = 0
    settings.documents.sync_interval = 3600
    async with serve(settings) as gateway:
        yield gateway


@pytest.fixture(scope="module")
async def writes_client(writes_gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with writes_gateway.client(INJECTOR) as client:
        client.timeout = httpx.Timeout(ANSWER_WITHIN * 5)
        yield client


async def graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, **headers: str
) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    response = await client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json", **headers}
    )
    return response, time.perf_counter() - started


async def known_ids(client: httpx.AsyncClient, council: Council) -> dict[str, str]:
    """Real ids for the required id fields beside the one a payload goes into."""
    document = global_id("Document", OPEN_DOC)
    response, _ = await graphql(
        client,
        "mutation($i: AddCommentInput!) { addComment(input: $i) { ... on CommentSuccess "
        "{ comment { id } } } }",
        {"i": {"targetId": document, "body": "A comment for the hostile corpus to aim at."}},
    )
    comment = response.json()["data"]["addComment"]["comment"]["id"]
    # Filing a report finds the moderators (a walk of their groups): done once here, cold,
    # so that the cases measure what they send, not the first walk.
    await graphql(
        client,
        'mutation($c: ID!) { reportItem(input: {itemId: $c, reason: "warm"}) { __typename } }',
        {"c": comment},
    )
    person = global_id("Person", guid(council, "priya.shah"))
    return {"targetId": document, "commentId": comment, "itemId": comment, "personId": person,
            "reportId": global_id("Report", "1")}  # fmt: skip


async def inject(client: httpx.AsyncClient, site: Site, known: dict[str, str]) -> None:
    payloads = {**PAYLOADS, **(ID_PAYLOADS if site.is_id else {})}
    for name, payload in payloads.items():
        variables = site.variables(payload, known, SCHEMA)
        response, elapsed = await graphql(client, site.document, variables)
        try:
            assert_answered(response, elapsed, [payload, *strings_in(variables)])
            assert response.status_code == 200, response.text[:300]
            assert outcome(response) <= REFUSALS, response.text[:500]
        except AssertionError as error:
            raise AssertionError(f"{site.id} <- {name}: {error}") from None
    await still_answers(client)


@pytest.mark.parametrize("site", [pytest.param(s, id=s.id) for s in SITES if not s.is_mutation])
async def test_injection_into_query_arguments(demo_client: httpx.AsyncClient, site: Site) -> None:
    await inject(demo_client, site, {})


@pytest.fixture(scope="module")
async def injection_targets(writes_client: httpx.AsyncClient, council: Council) -> dict[str, str]:
    return await known_ids(writes_client, council)


@pytest.mark.parametrize("site", [pytest.param(s, id=s.id) for s in SITES if s.is_mutation])
async def test_injection_into_mutation_inputs(
    writes_client: httpx.AsyncClient, injection_targets: dict[str, str], site: Site
) -> None:
    await inject(writes_client, site, injection_targets)


@pytest.fixture(scope="module")
async def deadline_client(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway whose operations have a 1.5 s deadline: what runs longer is answered in
    time (OPERATION_TIMEOUT), so that a slow case costs the run 1.5 s, not 20."""
    settings = base_settings(council, scim_server, webdav_server, tmp_path_factory.mktemp("slow"))
    settings.limits.operation_timeout = 1.5
    async with serve(settings) as gateway, gateway.client(HOSTILE_USER) as client:
        client.timeout = httpx.Timeout(ANSWER_WITHIN * 5)
        yield client


@pytest.mark.parametrize("case", cases(SLOW))
async def test_cheap_but_slow(deadline_client: httpx.AsyncClient, case: Case) -> None:
    response, elapsed = await send(deadline_client, case)
    assert_answered(response, elapsed, list(strings_in(case.json)))
    assert outcome(response) <= case.expect, response.text[:500]
    await still_answers(deadline_client)


# -- other viewers' ids in every mutation ------------------------------------------------

A, B, C = "alice.iqbal", "priya.shah", "alex.morgan"  # none of them a moderator
ADD = (
    "mutation($i: AddCommentInput!) { addComment(input: $i) { __typename "
    "... on CommentSuccess { comment { id } } } }"
)
B_FOLLOWS = """
mutation($p: ID!, $d: ID!, $g: String!) {
  a: followPerson(personId: $p) { __typename }
  b: follow(input: {targetId: $d}) { __typename }
  c: follow(input: {groupId: $g}) { __typename }
  d: follow(input: {tag: "hostile-tag"}) { __typename }
  e: endorseSkill(input: {personId: $p, skill: "GIS"}) { __typename }
}
"""


async def as_viewer(
    client: httpx.AsyncClient, user: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response, _ = await graphql(client, query, variables, **{"X-Townhall-User": user})
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


@pytest.fixture(scope="module")
async def b_ids(writes_gateway: Gateway, council: Council) -> dict[str, Any]:
    """What B owns: a comment, a reaction and a report on C's comment, follows of a person,
    a document, a group and a tag, an endorsement, notifications, retry keys."""
    doc = global_id("Document", OPEN_DOC)
    p_b, p_c = (global_id("Person", guid(council, who)) for who in (B, C))
    async with writes_gateway.client() as client:
        await as_viewer(
            client, C, 'mutation { updateProfile(input: {skills: ["GIS"]}) { __typename } }'
        )
        c_c = await as_viewer(client, C, ADD, {"i": {"targetId": doc, "body": "C writes"}})
        c_b = await as_viewer(client, B, ADD, {"i": {"targetId": doc, "body": "B writes",
                                                     "clientMutationId": "b-comment-key"}})  # fmt: skip
        await as_viewer(client, C, ADD, {"i": {"targetId": p_b, "body": "Hello @priya.shah"}})
        ids = {"doc": doc, "pC": p_c, "pA": global_id("Person", guid(council, A)),
               "pB": p_b, "accountB": B,
               "cB": c_b["addComment"]["comment"]["id"],
               "cC": c_c["addComment"]["comment"]["id"]}  # fmt: skip
        reacted = await as_viewer(
            client,
            B,
            "mutation($c: ID!) { react(input: {itemId: $c, reaction: LIKE}) "
            '{ __typename } reportItem(input: {itemId: $c, reason: "B reports", '
            'clientMutationId: "b-report-key"}) { ... on ReportSuccess { report { id } } } }',
            {"c": ids["cC"]},
        )
        ids["rB"] = reacted["reportItem"]["report"]["id"]
        group = await as_viewer(client, B, '{ group(name: "Townhall Moderators") { guid } }')
        ids["group"] = group["group"]["guid"]
        follows = await as_viewer(client, B, B_FOLLOWS, {"p": p_c, "d": doc, "g": ids["group"]})
        assert {v["__typename"] for v in follows.values()} == {
            "FollowSuccess",
            "FollowTargetSuccess",
            "EndorseSuccess",
        }
        notes = await as_viewer(client, B, "{ notifications(first: 50) { nodes { id } } }")
        await as_viewer(client, A, "{ me { groups { name } } }")  # A signed in once, warm
    ids["nB_all"] = [n["id"] for n in notes["notifications"]["nodes"]]
    assert ids["nB_all"], "B has notifications to aim at"
    ids["nB"] = ids["nB_all"][0]
    key = base64.urlsafe_b64decode(ids["nB"] + "==").decode().partition(":")[2]
    ids["cB_from_notification"] = global_id("Comment", key)
    ids["cB_padded"] = base64.b64encode(base64.urlsafe_b64decode(ids["cB"] + "==")).decode()
    return ids


async def state_of_b(client: httpx.AsyncClient, ids: dict[str, Any]) -> dict[str, Any]:
    return await as_viewer(client, B, B_STATE, {k: ids[k] for k in ("cB", "cC", "pC")})


def assert_only_own(theft: Theft, answer: dict[str, Any], ids: dict[str, Any]) -> None:
    """A success may only have touched A's own rows."""
    if theft.own == "unchanged":
        assert answer.get("changed", answer.get("marked")) in (False, 0), answer
    elif theft.own == "author":
        assert not answer["replayed"] and answer["comment"]["author"]["accountName"] == A, answer
    elif theft.own == "not-b-report":
        assert answer["report"]["id"] != ids["rB"], answer
    elif theft.own == "self":
        assert answer["person"]["accountName"] == A, answer
    else:
        assert theft.own == "any", f"{theft.id}: answered {answer}"


@pytest.mark.parametrize("theft", [pytest.param(t, id=t.id) for t in THEFTS])
async def test_other_viewers_ids_in_every_mutation(
    writes_gateway: Gateway, b_ids: dict[str, Any], theft: Theft
) -> None:
    async with writes_gateway.client() as client:
        before = await state_of_b(client, b_ids)
        variables = {"v": theft.filled(b_ids)}
        response, elapsed = await graphql(
            client, theft.document(SCHEMA), variables, **{"X-Townhall-User": A}
        )
        assert_answered(response, elapsed, list(strings_in(variables)))
        assert outcome(response) <= REFUSALS, response.text[:500]
        answer = (response.json().get("data") or {}).get(theft.mutation)
        if answer is not None and answer["__typename"] not in REFUSED:
            assert_only_own(theft, answer, b_ids)
        assert await state_of_b(client, b_ids) == before
        await still_answers(client)


def test_every_mutation_is_tried_with_other_viewers_ids() -> None:
    assert SCHEMA.mutation_type is not None
    assert {t.mutation for t in THEFTS} == set(SCHEMA.mutation_type.fields)


async def test_the_corpus_is_large_enough() -> None:
    assert len(BOMBS) + len(REQUESTS) >= 150
    ids = [c.id for c in BOMBS + REQUESTS]
    assert len(ids) == len(set(ids))
    await asyncio.sleep(0)
