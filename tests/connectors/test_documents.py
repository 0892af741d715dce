"""The document connector against a real wsgidav over the sample council's documents.

These tests only read: the shared ``webdav_server`` stays as seeded. Changes,
kills and restarts run against a server of their own (test_documents_changes.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from servers import (
    WEBDAV_PASSWORD,
    WEBDAV_READER,
    WEBDAV_READER_PASSWORD,
    WEBDAV_USER,
    Council,
    WebDavServer,
    reader_folder,
)

from connectors.documents import (
    DocumentConnector,
    DocumentNotFound,
    DocumentRejected,
    DocumentUnavailable,
    RetryPolicy,
)

NAMESPACE = "urn:townhall:dav:props"


def client(server: WebDavServer, user: str = WEBDAV_USER, password: str = WEBDAV_PASSWORD):  # type: ignore[no-untyped-def]
    return httpx.AsyncClient(
        base_url=server.url.rstrip("/") + "/", auth=(user, password), timeout=10
    )


@pytest.fixture
async def documents(webdav_server: WebDavServer) -> AsyncIterator[DocumentConnector]:
    async with client(webdav_server) as http:
        yield DocumentConnector(http, namespace=NAMESPACE)


async def test_a_crawl_finds_every_document_with_its_properties(
    documents: DocumentConnector, council: Council
) -> None:
    records = await documents.crawl()
    expected = {d["path"]: d for d in council.documents["documents"]}
    assert {r.path for r in records} == set(expected)
    assert documents.calls == 1  # one PROPFIND, depth infinity
    for record in records:
        meta = expected[record.path]
        assert record.author == meta["author"] and record.last_editor == meta["lastEditor"]
        assert list(record.tags) == meta["tags"]
        assert record.title == meta["title"]
        assert record.etag and '"' not in record.etag
        assert record.size and record.modified_at is not None
        assert record.readers is None  # no ACL asked for


async def test_listing_a_folder(documents: DocumentConnector, council: Council) -> None:
    listing = await documents.list_folder("Planning")
    assert listing and all(
        r.path.startswith("Planning/") and r.path.count("/") == 1 for r in listing
    )
    assert any(r.is_folder for r in listing)
    with pytest.raises(DocumentNotFound):
        await documents.list_folder("No Such Folder")
    with pytest.raises(DocumentNotFound):
        await documents.list_folder("Planning/../..")


async def test_a_batch_costs_one_request_per_folder(
    documents: DocumentConnector, council: Council
) -> None:
    paths = [d["path"] for d in council.documents["documents"]][:60]
    folders = {p.rsplit("/", 1)[0] for p in paths}
    found = await documents.documents([*paths, "Planning/nope.md", "../etc/passwd"])
    assert documents.calls == len(folders | {"Planning"})
    assert [r.path if r else None for r in found] == [*paths, None, None]


async def test_the_etag_of_a_listing_is_the_etag_of_the_content(
    documents: DocumentConnector, webdav_server: WebDavServer
) -> None:
    [record] = await documents.documents(["Planning/Plans/Local Plan 2026.md"])
    assert record is not None and record.etag
    download = await documents.open(record.path)
    try:
        body = b"".join([chunk async for chunk in download.chunks])
    finally:
        await download.aclose()
    assert download.status == 200
    assert download.headers["etag"] == f'"{record.etag}"'
    assert body == (webdav_server.root / record.path).read_bytes()
    assert len(body) == record.size


async def test_content_is_streamed_by_range(
    documents: DocumentConnector, webdav_server: WebDavServer
) -> None:
    path = "Planning/Plans/Local Plan 2026.md"
    whole = (webdav_server.root / path).read_bytes()
    download = await documents.open(path, range="bytes=10-29")
    try:
        part = b"".join([chunk async for chunk in download.chunks])
    finally:
        await download.aclose()
    assert download.status == 206
    assert download.headers["content-range"] == f"bytes 10-29/{len(whole)}"
    assert part == whole[10:30]
    assert await documents.read(path, limit=16) == whole[:16]
    unchanged = await documents.open(path, if_none_match=download.headers["etag"])
    await unchanged.aclose()
    assert unchanged.status == 304
    beyond = await documents.open(path, range=f"bytes={len(whole) + 10}-")
    await beyond.aclose()
    assert beyond.status == 416
    with pytest.raises(DocumentNotFound):
        await documents.open("Planning/Plans/None such.md")
    with pytest.raises(DocumentNotFound):
        await documents.open("../outside.md")


async def test_bad_credentials_are_rejected(webdav_server: WebDavServer) -> None:
    async with client(webdav_server, WEBDAV_USER, "wrong") as http:
        connector = DocumentConnector(http)
        with pytest.raises(DocumentRejected):
            await connector.list_folder("")
        with pytest.raises(DocumentRejected):
            await connector.open("Planning/Plans/Local Plan 2026.md")
        # A refusal is an answer: it does not count against the circuit breaker.
        assert connector.breaker.state == "closed"


async def test_a_reader_sees_only_their_folder(
    webdav_server: WebDavServer, council: Council
) -> None:
    folder = reader_folder(council)
    async with client(webdav_server, WEBDAV_READER, WEBDAV_READER_PASSWORD) as http:
        connector = DocumentConnector(http, namespace=NAMESPACE)
        mine = await connector.crawl(folder)
        assert mine and all(r.path.startswith(folder + "/") for r in mine)
        with pytest.raises(DocumentRejected):
            await connector.crawl("")


async def test_wsgidav_keeps_no_access_control_lists(documents: DocumentConnector) -> None:
    """Asked for ``DAV:acl``, wsgidav answers 404 for it: readers come from the folder map."""
    async with client_for(documents) as http:
        acl = DocumentConnector(http, namespace=NAMESPACE, read_acl=True)
        records = await acl.list_folder("Planning/Plans")
    assert records and all(r.readers is None for r in records)


def client_for(documents: DocumentConnector) -> httpx.AsyncClient:
    base = documents._client.base_url  # the same server, a fresh client
    return httpx.AsyncClient(base_url=base, auth=(WEBDAV_USER, WEBDAV_PASSWORD), timeout=10)


async def test_an_unreachable_store_is_unavailable() -> None:
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9/dav/", timeout=2) as http:
        connector = DocumentConnector(http, retry=RetryPolicy(attempts=2, base_delay=0.01))
        with pytest.raises(DocumentUnavailable):
            await connector.crawl()
        with pytest.raises(DocumentUnavailable):
            await connector.open("Planning/x.md")
