"""The file-share source: the same records from a local folder and a sidecar JSON file.

Compared with what the real wsgidav serves over the same tree, so both
sources are held to one shape.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import httpx
import pytest
from servers import WEBDAV_PASSWORD, WEBDAV_USER, Council, WebDavServer

from connectors.documents import ChangeFeed, DocumentConnector, DocumentNotFound, FolderConnector

PLAN = "Planning/Plans/Local Plan 2026.md"


@pytest.fixture
def share(tmp_path: Path, council: Council) -> FolderConnector:
    shutil.copytree(council.documents_root, tmp_path / "share")
    shutil.copy(council.root / "documents.json", tmp_path / "documents.json")
    return FolderConnector(tmp_path / "share", metadata_file=tmp_path / "documents.json")


async def test_the_same_records_as_the_webdav_store(
    share: FolderConnector, webdav_server: WebDavServer
) -> None:
    async with httpx.AsyncClient(
        base_url=webdav_server.url.rstrip("/") + "/", auth=(WEBDAV_USER, WEBDAV_PASSWORD)
    ) as client:
        served = {r.path: r for r in await DocumentConnector(client).crawl()}
    local = {r.path: r for r in await share.crawl()}
    assert set(local) == set(served)
    fields = ("name", "title", "size", "author", "last_editor", "tags", "content_type", "is_folder")
    for path, record in local.items():
        assert {f: getattr(record, f) for f in fields} == {
            f: getattr(served[path], f) for f in fields
        }, path
        assert record.created_at == served[path].created_at
        assert record.etag and record.modified_at


async def test_listing_batches_and_missing_paths(share: FolderConnector) -> None:
    listing = await share.list_folder("Planning")
    assert {r.path for r in listing if r.is_folder} >= {"Planning/Plans", "Planning/Team"}
    found = await share.documents([PLAN, "Planning/none.md", "../documents.json", "Planning"])
    assert [r.path if r else None for r in found] == [PLAN, None, None, None]
    with pytest.raises(DocumentNotFound):
        await share.list_folder("No Such Folder")
    with pytest.raises(DocumentNotFound):
        await share.list_folder("../..")


async def test_nothing_outside_the_share_is_reachable(
    share: FolderConnector, tmp_path: Path
) -> None:
    (tmp_path / "secret.md").write_text("outside")
    os.symlink(tmp_path / "secret.md", tmp_path / "share" / "Planning" / "link.md")
    (tmp_path / "share" / "Planning" / ".hidden.md").write_text("bookkeeping")
    paths = {r.path for r in await share.list_folder("Planning")}
    assert "Planning/link.md" not in paths and "Planning/.hidden.md" not in paths
    with pytest.raises(DocumentNotFound):
        await share.open("Planning/link.md")
    assert await share.documents(["Planning/link.md"]) == [None]


async def test_content_by_range(share: FolderConnector, council: Council) -> None:
    whole = (council.documents_root / PLAN).read_bytes()
    download = await share.open(PLAN, range="bytes=5-14")
    body = b"".join([c async for c in download.chunks])
    assert download.status == 206 and body == whole[5:15]
    assert download.headers["content-range"] == f"bytes 5-14/{len(whole)}"
    tail = await share.open(PLAN, range="bytes=-7")
    assert b"".join([c async for c in tail.chunks]) == whole[-7:]
    full = await share.open(PLAN)
    assert full.status == 200 and b"".join([c async for c in full.chunks]) == whole
    same = await share.open(PLAN, if_none_match=full.headers["etag"])
    assert same.status == 304
    beyond = await share.open(PLAN, range=f"bytes={len(whole)}-")
    assert beyond.status == 416 and beyond.headers["content-range"] == f"bytes */{len(whole)}"
    assert await share.read(PLAN, limit=10) == whole[:10]


async def test_changes_to_files_and_to_the_sidecar(share: FolderConnector, tmp_path: Path) -> None:
    feed = ChangeFeed(share, settle=0)  # nanosecond mtimes: no digests needed
    before, _ = await feed.checkpoint()
    assert feed.digests == 0
    target = tmp_path / "share" / PLAN
    target.write_bytes(target.read_bytes().upper())  # the same size, at once
    (tmp_path / "share" / "Planning" / "New.md").write_text("new")
    meta = json.loads((tmp_path / "documents.json").read_text())
    for doc in meta["documents"]:
        if doc["path"] == PLAN:
            doc["lastEditor"] = "priya.shah@northshire.test"
    (tmp_path / "documents.json").write_text(json.dumps(meta))
    changes, _, _ = await feed.changes_since(before)
    assert [(c.kind, c.path) for c in sorted(changes, key=lambda c: c.path)] == [
        ("created", "Planning/New.md"),
        ("updated", PLAN),
    ]
    updated = next(c for c in changes if c.path == PLAN)
    assert updated.actor == "priya.shah@northshire.test"  # the sidecar was read again
