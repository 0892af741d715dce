"""Trusted documents: the registry, APQ by mode, the stores (memory and a real Redis), the CLI."""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio
from graphql import OperationDefinitionNode, parse, print_ast
from servers.redis import RedisServer

from gateway.apq import MemoryPersistedQueries, RedisPersistedQueries
from gateway.cli import main
from gateway.settings import Settings
from gateway.trusted import (
    DocumentResolver,
    RefusalCode,
    Resolved,
    TrustedDocuments,
    TrustedDocumentsError,
    document_hash,
)
from townhall_client import TownhallClient

REPO = Path(__file__).resolve().parents[2]
QUERIES = REPO / "client" / "queries"

ME = "query Me { me { id displayName } }"
OWN = "query Own { people(first: 1) { totalCount } }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apq(text: str, *, version: object = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha(text)}}


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis-apq"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client_registry() -> TrustedDocuments:
    return TrustedDocuments.load()


async def sent_by_typed_client() -> dict[str, str]:
    """The ``query`` of every request the generated client sends, by operation name."""
    sent: dict[str, str] = {}

    def record(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        sent[body["operationName"]] = body["query"]
        return httpx.Response(200, json={"data": None, "errors": [{"message": "recorded"}]})

    async with httpx.AsyncClient(transport=httpx.MockTransport(record)) as http:
        # The generated client's HttpClient protocol is narrower than httpx's own signature.
        client = TownhallClient(url="http://townhall.test/graphql", http_client=http)  # type: ignore[arg-type]
        for name, method in inspect.getmembers(client, inspect.iscoroutinefunction):
            if name.startswith("_") or name in dir(TownhallClient.__mro__[1]):
                continue
            required = [
                p.name
                for p in inspect.signature(method).parameters.values()
                if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD
            ]
            with pytest.raises(Exception, match="recorded"):
                await method(**dict.fromkeys(required, "x"))
    return sent


# The registry


async def test_every_operation_the_typed_client_sends_is_registered_by_its_hash(
    client_registry: TrustedDocuments,
) -> None:
    sent = await sent_by_typed_client()
    assert len(sent) >= 9
    for name, query in sent.items():
        operation = client_registry.operation(sha(query))
        assert operation is not None, f"{name} is not registered as the client sends it"
        assert operation.name == name and client_registry.get(sha(query)) == query
    assert set(client_registry.names()) == set(sent)


def test_the_typed_client_registers_exactly_the_operations_of_client_queries(
    client_registry: TrustedDocuments,
) -> None:
    from_files = TrustedDocuments.load(QUERIES, typed_client=False)
    assert from_files.names() == client_registry.names()
    printed = {op.name: op for op in from_files.operations()}
    for op in client_registry.operations():
        assert op.source == "townhall_client"
        # The same operation, only laid out differently on the wire.
        assert print_ast(parse(op.document)) == printed[op.name].document, op.name
        assert op.kind == printed[op.name].kind
    assert {op.kind for op in client_registry.operations()} == {"query", "mutation"}


def test_graphql_files_register_each_operation_with_the_fragments_it_uses(
    tmp_path: Path,
) -> None:
    (tmp_path / "fragments.graphql").write_text(
        "fragment Card on Person { id displayName ...Job }\n"
        "fragment Job on Person { title }\n"
        "fragment Unused on Person { office }\n"
    )
    (tmp_path / "ops.graphql").write_text(
        "# the widget's operations\n"
        "query Card($id: ID!) { person(id: $id) { ...Card } }\n"
        "mutation Follow($id: ID!) { followPerson(personId: $id) { __typename } }\n"
    )
    registry = TrustedDocuments.load(tmp_path, typed_client=False)
    assert registry.names() == ["Card", "Follow"]
    card = next(op for op in registry.operations() if op.name == "Card")
    assert card.kind == "query" and card.sha256 == sha(card.document)
    assert card.document == (
        "query Card($id: ID!) {\n  person(id: $id) {\n    ...Card\n  }\n}\n\n"
        "fragment Card on Person {\n  id\n  displayName\n  ...Job\n}\n\n"
        "fragment Job on Person {\n  title\n}"
    )
    assert list(registry) == [(op.name, op.sha256) for op in registry.operations()]
    assert registry.get(card.sha256.upper()) == card.document
    assert card.sha256 in registry and sha("nothing") not in registry
    assert registry.get(sha("nothing")) is None


def test_manifests_are_checked_and_registered(tmp_path: Path) -> None:
    plain = tmp_path / "persisted-documents.json"
    plain.write_text(json.dumps({sha(ME): ME}))
    apollo = tmp_path / "apollo.json"
    apollo.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [{"id": sha(OWN), "name": "Own", "type": "query", "body": OWN}],
            }
        )
    )
    registry = TrustedDocuments.load(plain, apollo, typed_client=False)
    assert registry.names() == ["Me", "Own"]
    assert registry.get(sha(ME)) == ME and registry.get(sha(OWN)) == OWN
    assert registry.manifest() == {sha(ME): ME, sha(OWN): OWN}

    lying = tmp_path / "lying.json"
    lying.write_text(json.dumps({sha(ME): OWN}))
    with pytest.raises(TrustedDocumentsError, match="not the SHA-256"):
        TrustedDocuments.load(lying, typed_client=False)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.graphql", "query { me { id }", "Expected Name"),
        ("nofragment.graphql", "query A { me { ...Missing } }", "Missing is not defined"),
        ("list.json", "[]", "a JSON object"),
        ("bad.json", "{", "not a readable JSON manifest"),
        (
            "onlyfragment.json",
            json.dumps({sha("fragment F on Person { id }"): "fragment F on Person { id }"}),
            "without an operation",
        ),
        ("notes.txt", "hello", "not a folder"),
    ],
)
def test_a_broken_source_stops_loading(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(TrustedDocumentsError, match=message):
        TrustedDocuments.load(tmp_path / name, typed_client=False)


def test_document_hash_is_sha256_hex_of_utf8() -> None:
    text = "query Café { me { id } }"
    assert document_hash(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()


# Resolving requests (memory store)


def resolver(mode: str, store: MemoryPersistedQueries | None = None) -> DocumentResolver:
    registry = TrustedDocuments()
    registry.add(ME, source="test")
    return DocumentResolver(registry, mode=mode, store=store)  # type: ignore[arg-type]


def refusal_code(resolved: Resolved) -> RefusalCode | None:
    return resolved.refusal.code if resolved.refusal else None


async def test_allow_mode_remembers_a_text_sent_with_its_hash() -> None:
    docs = resolver("allow")
    first = await docs.resolve(None, apq(OWN), may_register=False)
    assert first.refusal is not None and first.document is None
    code, message, status = first.refusal
    assert (code, message, status) == ("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound", 200)
    assert first.refusal.error() == {
        "message": "PersistedQueryNotFound",
        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
    }
    assert first.refusal.headers()["Cache-Control"].startswith("private, no-cache")

    second = await docs.resolve(OWN, apq(OWN), may_register=False)
    assert (second.document, second.source, second.sha256) == (OWN, "text", sha(OWN))
    third = await docs.resolve(None, apq(OWN), may_register=False)
    assert (third.document, third.source) == (OWN, "persisted")


async def test_registered_hashes_and_texts_resolve_in_every_mode() -> None:
    for mode in ("off", "allow", "registered_only"):
        docs = resolver(mode)
        as_text = await docs.resolve(ME, None, may_register=False)
        assert as_text.registered and as_text.document == ME, mode
        assert as_text.operation is not None and as_text.operation.name == "Me"
        with_hash = await docs.resolve(ME, apq(ME), may_register=False)
        assert with_hash.registered and with_hash.document == ME, mode
        if mode != "off":
            by_hash = await docs.resolve(None, apq(ME), may_register=False)
            assert by_hash.registered and by_hash.document == ME, mode


async def test_off_mode_supports_no_persisted_queries() -> None:
    docs = resolver("off")
    refused = await docs.resolve(None, apq(ME), may_register=True)
    assert refusal_code(refused) == "PERSISTED_QUERY_NOT_SUPPORTED"
    assert refused.refusal is not None and refused.refusal.message == "PersistedQueryNotSupported"
    # A text is run as it is; the extension is ignored, and nothing is remembered.
    ran = await docs.resolve(OWN, apq(OWN), may_register=False)
    assert (ran.document, ran.source) == (OWN, "text")
    assert len(docs.store) == 0  # type: ignore[arg-type]
    assert (await docs.resolve(OWN, {"other": 1}, may_register=False)).document == OWN


async def test_registered_only_refuses_unregistered_texts_except_to_analysts() -> None:
    store = MemoryPersistedQueries()
    docs = resolver("registered_only", store)
    refused = await docs.resolve(OWN, None, may_register=False)
    assert refused.refusal is not None
    assert refused.refusal.code == "OPERATION_NOT_REGISTERED" and refused.refusal.status == 403
    refused = await docs.resolve(OWN, apq(OWN), may_register=False)
    assert refusal_code(refused) == "OPERATION_NOT_REGISTERED" and len(store) == 0

    analyst = await docs.resolve(OWN, None, may_register=True)
    assert (analyst.document, analyst.source) == (OWN, "text")
    # An analyst's APQ is remembered, and found again only for analysts.
    assert (await docs.resolve(OWN, apq(OWN), may_register=True)).document == OWN
    assert len(store) == 1
    assert (await docs.resolve(None, apq(OWN), may_register=True)).source == "persisted"
    other = await docs.resolve(None, apq(OWN), may_register=False)
    assert refusal_code(other) == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    "extensions",
    [
        apq(ME, version=2),
        apq(ME, version="1"),
        {"persistedQuery": {"version": 1, "sha256Hash": sha(ME)[:63]}},
        {"persistedQuery": {"version": 1, "sha256Hash": "z" * 64}},
        {"persistedQuery": {"version": 1}},
        {"persistedQuery": "abc"},
    ],
)
async def test_a_badly_shaped_persisted_query_is_a_bad_request(extensions: object) -> None:
    for query in (None, ME):
        resolved = await resolver("allow").resolve(query, extensions, may_register=True)
        assert resolved.refusal is not None and resolved.document is None
        assert resolved.refusal.code == "PERSISTED_QUERY_INVALID"
        assert resolved.refusal.status == 400 and resolved.refusal.headers() == {}


async def test_a_hash_that_is_not_the_querys_is_a_bad_request() -> None:
    store = MemoryPersistedQueries()
    docs = resolver("allow", store)
    lying = {"persistedQuery": {"version": 1, "sha256Hash": sha(ME)}}
    resolved = await docs.resolve(OWN, lying, may_register=True)
    assert refusal_code(resolved) == "PERSISTED_QUERY_HASH_MISMATCH"
    assert resolved.refusal is not None and resolved.refusal.status == 400
    assert len(store) == 0
    assert (await docs.resolve(None, apq(OWN), may_register=True)).refusal is not None


async def test_a_request_without_a_query_is_a_bad_request() -> None:
    docs = resolver("allow")
    for query, extensions in [(None, None), (None, {}), (42, None), (["q"], {"x": 1})]:
        resolved = await docs.resolve(query, extensions, may_register=True)
        assert refusal_code(resolved) == "QUERY_MISSING"
    hashed = apq(ME) | {}
    hashed["persistedQuery"]["sha256Hash"] = hashed["persistedQuery"]["sha256Hash"].upper()
    assert (await docs.resolve(None, hashed, may_register=False)).registered


async def test_the_memory_store_keeps_the_most_recently_used() -> None:
    store = MemoryPersistedQueries(max_entries=3)
    for n in range(3):
        await store.set(f"h{n}", f"doc {n}")
    assert await store.get("h0") == "doc 0"  # h0 is now the most recent
    await store.set("h3", "doc 3")
    assert len(store) == 3
    assert await store.get("h1") is None
    assert [await store.get(h) for h in ("h0", "h2", "h3")] == ["doc 0", "doc 2", "doc 3"]

    by_size = MemoryPersistedQueries(max_entries=100, max_bytes=25)
    for n in range(5):
        await by_size.set(f"h{n}", "x" * 10)
    assert len(by_size) == 2 and await by_size.get("h4") == "x" * 10


async def test_documents_too_large_to_remember_still_run() -> None:
    store = MemoryPersistedQueries()
    registry = TrustedDocuments()
    docs = DocumentResolver(registry, mode="allow", store=store, max_remembered_bytes=40)
    big = "query Big { " + "me { id } " * 10 + "}"
    assert (await docs.resolve(big, apq(big), may_register=False)).document == big
    assert len(store) == 0
    small = "query S { me { id } }"
    assert (await docs.resolve(small, apq(small), may_register=False)).document == small
    assert len(store) == 1


# The Redis store


@pytest.fixture
async def redis_client(redis_server: RedisServer) -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


async def test_instances_share_persisted_queries_through_redis(
    redis_server: RedisServer, redis_client: redis.asyncio.Redis
) -> None:
    first = DocumentResolver(
        TrustedDocuments(), mode="allow", store=RedisPersistedQueries(redis_server.url, "apq1")
    )
    second = DocumentResolver(
        TrustedDocuments(), mode="allow", store=RedisPersistedQueries(redis_server.url, "apq1")
    )
    try:
        assert refusal_code(await second.resolve(None, apq(OWN), may_register=False)) == (
            "PERSISTED_QUERY_NOT_FOUND"
        )
        assert (await first.resolve(OWN, apq(OWN), may_register=False)).source == "text"
        found = await second.resolve(None, apq(OWN), may_register=False)
        assert (found.document, found.source) == (OWN, "persisted")
        keys = [k.decode() async for k in redis_client.scan_iter("apq1:*")]
        assert keys == [f"apq1:apq:{sha(OWN)}"]
        assert 0 < await redis_client.ttl(keys[0]) <= 86_400
    finally:
        await first.close()
        await second.close()


async def test_redis_entries_expire_unless_used(
    redis_server: RedisServer, redis_client: redis.asyncio.Redis
) -> None:
    store = RedisPersistedQueries(redis_server.url, "apq2", ttl=100)
    try:
        await store.set(sha(OWN), OWN)
        await redis_client.expire(f"apq2:apq:{sha(OWN)}", 5)
        assert await store.get(sha(OWN)) == OWN  # a use keeps it another ttl
        assert await redis_client.ttl(f"apq2:apq:{sha(OWN)}") > 50
    finally:
        await store.close()


async def test_settings_remember_in_redis_when_the_cache_is_redis(
    redis_server: RedisServer, redis_client: redis.asyncio.Redis
) -> None:
    settings = Settings(
        environment="test",
        cache={"backend": "redis", "redis_url": redis_server.url, "namespace": "apq3"},
        limits={"trusted_documents": "registered_only"},
    )
    docs = DocumentResolver.from_settings(settings, TrustedDocuments())
    try:
        assert docs.mode == "registered_only"
        await docs.resolve(OWN, apq(OWN), may_register=True)
        assert await redis_client.get(f"apq3:apq:{sha(OWN)}") == OWN.encode()
    finally:
        await docs.close()
    in_memory = DocumentResolver.from_settings(Settings(environment="test"), TrustedDocuments())
    assert isinstance(in_memory.store, MemoryPersistedQueries) and in_memory.mode == "allow"


async def test_a_stopped_redis_forgets_and_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = RedisServer(tmp_path / "redis")
    server.start()
    docs = DocumentResolver(
        TrustedDocuments(), mode="allow", store=RedisPersistedQueries(server.url, "down")
    )
    try:
        await docs.resolve(OWN, apq(OWN), may_register=False)
        assert (await docs.resolve(None, apq(OWN), may_register=False)).source == "persisted"
        server.stop()
        with caplog.at_level(logging.WARNING, logger="gateway.apq"):
            lost = await docs.resolve(None, apq(OWN), may_register=False)
            ran = await docs.resolve(OWN, apq(OWN), may_register=False)
        assert refusal_code(lost) == "PERSISTED_QUERY_NOT_FOUND"
        assert ran.document == OWN
        warnings = [r for r in caplog.records if r.name == "gateway.apq"]
        assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
        assert server.url not in warnings[0].getMessage()
    finally:
        server.stop()
        await docs.close()


# The CLI


def test_cli_lists_the_registered_operations(
    capsys: pytest.CaptureFixture[str], client_registry: TrustedDocuments
) -> None:
    assert main(["operations"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(client_registry)
    for line, (name, hash_) in zip(lines, client_registry, strict=True):
        assert line.split() == [name, client_registry.operation(hash_).kind, hash_]  # type: ignore[union-attr]


def test_cli_lists_as_json_with_extra_sources_and_writes_a_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    widgets = tmp_path / "widgets"
    widgets.mkdir()
    (widgets / "card.graphql").write_text("query WidgetCard { me { displayName } }")
    manifest = tmp_path / "manifest.json"
    assert main(["operations", "--json", "--from", str(widgets), "--manifest", str(manifest)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {
        "name": "WidgetCard",
        "type": "query",
        "sha256": sha("query WidgetCard {\n  me {\n    displayName\n  }\n}"),
    } in listed
    assert {o["name"] for o in listed} >= {"Me", "FollowPerson", "WidgetCard"}
    written = json.loads(manifest.read_text())
    assert set(written) == {o["sha256"] for o in listed}
    assert all(sha(document) == hash_ for hash_, document in written.items())
    # The manifest loads back as the same registry.
    again = TrustedDocuments.load(manifest, typed_client=False)
    assert sorted(again) == sorted((o["name"], o["sha256"]) for o in listed)


def test_cli_reports_a_broken_source_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.graphql").write_text("query {")
    assert main(["operations", "--from", str(tmp_path / "broken.graphql")]) == 2
    err = capsys.readouterr().err
    assert "broken.graphql" in err and "Traceback" not in err


def test_the_installed_command_runs() -> None:
    townhall = Path(sys.executable).with_name("townhall")
    done = subprocess.run(
        [str(townhall), "operations", "--json"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    operations = {o["name"]: o for o in json.loads(done.stdout)}
    parsed = parse(TrustedDocuments.load().get(operations["Me"]["sha256"]) or "")
    assert isinstance(parsed.definitions[0], OperationDefinitionNode)
