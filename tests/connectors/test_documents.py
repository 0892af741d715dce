"""The document connector against a real wsgidav over the sample council's documents."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from servers import WEBDAV_PASSWORD, WEBDAV_USER, Council

from connectors.documents import (
    DocumentConnector,
    DocumentNotFound,
    DocumentRejected,
    DocumentUnavailable,
)
from gateway.upstreams import WebDavServer


@pytest.fixture
async def documents(webdav_server: WebDavServer) -> AsyncIterator[DocumentConnector]:
    async with httpx.AsyncClient(
        base_url=webdav_server.url.rstrip("/") + "/",
        auth=(WEBDAV_USER, WEBDAV_PASSWORD),
        timeout=10,
    ) as client:
        yield DocumentConnector(client, namespace=council_namespace())


def council_namespace() -> str:
    return "urn:townhall:dav:props"


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
        assert record.etag and '"' not in record.etag
        assert record.size and record.modified_at is not None


async def test_listing_a_folder(documents: DocumentConnector, council: Council) -> None:
    listing = await documents.list_folder("Planning")
    assert listing and all(
        r.path.startswith("Planning/") and r.path.count("/") == 1 for r in listing
    )
    assert any(r.is_folder for r in listing)
    with pytest.raises(DocumentNotFound):
        await documents.list_folder("No Such Folder")


async def test_a_batch_costs_one_request_per_folder(
    documents: DocumentConnector, council: Council
) -> None:
    paths = [d["path"] for d in council.documents["documents"]][:60]
    folders = {p.rsplit("/", 1)[0] for p in paths}
    found = await documents.documents([*paths, "Planning/nope.md", "../etc/passwd"])
    assert documents.calls == len(folders | {"Planning"})
    assert [r.path if r else None for r in found] == [*paths, None, None]


async def test_bad_credentials_are_rejected(webdav_server: WebDavServer) -> None:
    async with httpx.AsyncClient(base_url=webdav_server.url, auth=(WEBDAV_USER, "wrong")) as client:
        with pytest.raises(DocumentRejected):
            await DocumentConnector(client).list_folder("")


async def test_an_unreachable_store_is_unavailable() -> None:
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9/dav/", timeout=2) as client:
        with pytest.raises(DocumentUnavailable):
            await DocumentConnector(client).crawl()
