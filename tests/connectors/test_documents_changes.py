"""The change feed, and failure and recovery, against a wsgidav of this module's own.

Changes are made over WebDAV with PUT and DELETE; the server is killed and
restarted. The session's shared server is left alone.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from servers import WEBDAV_PASSWORD, WEBDAV_USER, Council, WebDavServer, start_test_webdav

from connectors.documents import (
    ChangeFeed,
    Checkpoint,
    DocumentCircuitOpen,
    DocumentConnector,
    DocumentUnavailable,
    RetryPolicy,
)
from connectors.resilience import CircuitBreaker

NAMESPACE = "urn:townhall:dav:props"
PLAN = "Planning/Plans/Local Plan 2026.md"


@pytest.fixture(scope="module")
async def own_webdav(
    tmp_path_factory: pytest.TempPathFactory, council: Council
) -> AsyncIterator[WebDavServer]:
    server = await start_test_webdav(council, tmp_path_factory.mktemp("webdav-changes"))
    yield server
    server.stop()


@pytest.fixture
async def http(own_webdav: WebDavServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=own_webdav.url.rstrip("/") + "/", auth=(WEBDAV_USER, WEBDAV_PASSWORD), timeout=10
    ) as client:
        yield client


async def put(http: httpx.AsyncClient, path: str, body: bytes) -> None:
    response = await http.put(path, content=body)
    assert response.status_code in (201, 204), response.text


async def test_a_put_shows_up_in_the_change_feed(http: httpx.AsyncClient) -> None:
    feed = ChangeFeed(DocumentConnector(http, namespace=NAMESPACE))
    before, records = await feed.checkpoint()
    assert PLAN in before.entries and len(records) == len(before.entries)
    plan = next(r for r in records if r.path == PLAN)

    await put(http, PLAN, b"# Local Plan 2026\n\nRevised after consultation.\n")
    await put(http, "Planning/Plans/Local Plan 2027.md", b"# Local Plan 2027\n")
    assert (
        await http.request("DELETE", "Planning/Policies/Planning Enforcement Policy.md")
    ).is_success

    changes, after, _ = await feed.changes_since(Checkpoint.loads(before.dumps()))
    by_path = {c.path: c for c in changes}
    assert set(by_path) == {
        PLAN,
        "Planning/Plans/Local Plan 2027.md",
        "Planning/Policies/Planning Enforcement Policy.md",
    }
    updated = by_path[PLAN]
    assert updated.kind == "updated" and updated.verb == "updated"
    # The dead properties survive a PUT: the feed says who and what, for activity.
    assert updated.title == "Local Plan 2026" and updated.actor == plan.last_editor
    assert updated.record is not None and updated.record.etag != plan.etag
    assert by_path["Planning/Plans/Local Plan 2027.md"].kind == "created"
    assert by_path["Planning/Policies/Planning Enforcement Policy.md"].kind == "deleted"
    # Nothing changed since: an empty feed.
    again, _, _ = await feed.changes_since(after)
    assert again == []


async def test_a_same_size_rewrite_within_one_second_is_still_seen(
    http: httpx.AsyncClient, own_webdav: WebDavServer
) -> None:
    """wsgidav keeps the ETag (inode-mtime-size, whole seconds): the digest catches it."""
    connector = DocumentConnector(http, namespace=NAMESPACE)
    feed = ChangeFeed(connector)
    path = "Planning/Plans/Rewritten.txt"
    await put(http, path, b"version one")
    on_disk = Path(own_webdav.root) / path
    first = on_disk.stat()
    checkpoint, _ = await feed.checkpoint()
    digests = feed.digests
    await put(http, path, b"version two")
    # A rewrite within the same second, made certain: the file keeps the first one's times.
    os.utime(on_disk, ns=(first.st_atime_ns, first.st_mtime_ns))
    [record] = await connector.documents([path])
    assert record is not None
    assert record.etag == checkpoint.entries[path].etag  # wsgidav cannot tell them apart
    assert checkpoint.entries[path].digest is not None and digests > 0
    changes, _, _ = await feed.changes_since(checkpoint)
    assert [(c.kind, c.path) for c in changes] == [("updated", path)]


async def test_a_killed_store_fails_fast_then_recovers_after_restart(
    own_webdav: WebDavServer,
) -> None:
    breaker = CircuitBreaker(failure_threshold=2, reset_after=0.5)
    async with httpx.AsyncClient(
        base_url=own_webdav.url.rstrip("/") + "/", auth=(WEBDAV_USER, WEBDAV_PASSWORD), timeout=5
    ) as client:
        connector = DocumentConnector(
            client,
            namespace=NAMESPACE,
            retry=RetryPolicy(attempts=2, base_delay=0.01),
            breaker=breaker,
        )
        assert await connector.list_folder("Planning")
        own_webdav.kill()
        for _ in range(2):
            with pytest.raises(DocumentUnavailable) as failed:
                await connector.list_folder("Planning")
            assert not isinstance(failed.value, DocumentCircuitOpen)
        assert breaker.state == "open"
        sent = connector.calls
        with pytest.raises(DocumentCircuitOpen):
            await connector.crawl()
        with pytest.raises(DocumentCircuitOpen):
            await connector.open(PLAN)
        assert "127.0.0.1" not in str(failed.value)  # messages name no URL
        await own_webdav.restart()
        await asyncio.sleep(0.6)  # the breaker lets one probe through: it succeeds
        assert await connector.list_folder("Planning")
        assert breaker.state == "closed" and connector.calls > sent
        assert (Path(own_webdav.root) / PLAN).exists()
