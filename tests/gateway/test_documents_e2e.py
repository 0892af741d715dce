"""Documents end to end: every path that can reveal a document, for a viewer-by-document matrix.

The gateway is served by uvicorn over a wsgidav of this module's own (so
changes made with PUT do not disturb other tests), and again over a local
folder (``documents.source = folder``). Who may read what is worked out here
from the fixture files alone (directory.ldif group nesting and
document_access.json), independently of the gateway's code, then asserted
through ``document(id)``, ``node(id)``, ``documents`` listings,
``searchDocuments``, ``Person.documents``, comments and the download route.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from servers import WEBDAV_PASSWORD, WEBDAV_USER, Council, start_test_webdav

from gateway.settings import Settings
from schema.ids import global_id
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import Gateway, base_settings, serve

SIGNING_KEY = "test-download-signing-key"


@dataclass(frozen=True)
class Matrix:
    viewers: dict[str, set[str]]  # sAMAccountName -> every group, nested included
    readable: dict[str, set[str]]  # sAMAccountName -> every path they may read
    documents: list[dict[str, Any]]  # the documents whose cells are checked path by path
    all_paths: set[str]


def _folder_readers(rules: list[dict[str, Any]], path: str) -> set[str]:
    best = None
    for rule in rules:
        folder = rule["folder"].strip("/")
        if (path == folder or path.startswith(folder + "/")) and (
            best is None or len(folder) > len(best["folder"].strip("/"))
        ):
            best = rule
    return {g.casefold() for g in best["groups"]} if best else set()


def _nested_groups(council: Council) -> dict[str, set[str]]:
    parents: dict[str, set[str]] = {}
    names = {g.dn.casefold(): name for name, g in council.groups.items()}
    for group in council.groups.values():
        for member in group.attrs.get("member", []):
            parents.setdefault(member.decode().casefold(), set()).add(group.dn.casefold())
    result = {}
    for account, user in council.users.items():
        seen: set[str] = set()
        queue = deque(parents.get(user.dn.casefold(), ()))
        while queue:
            dn = queue.popleft()
            if dn not in seen:
                seen.add(dn)
                queue.extend(parents.get(dn, ()))
        result[account] = {names[dn].casefold() for dn in seen if dn in names}
    return result


@pytest.fixture(scope="module")
def matrix(council: Council) -> Matrix:
    groups = _nested_groups(council)
    active = {p["sAMAccountName"] for p in council.people if p["enabled"] and p["hasAd"]}
    rules = json.loads((council.root / "document_access.json").read_text())["rules"]
    docs = council.documents["documents"]
    chosen: dict[str, set[str]] = {}
    special = {"hr confidential", "senior leadership team"}
    for group in sorted({g for gs in groups.values() for g in gs if g.startswith("staff - ")}):
        plain = [a for a in sorted(active) if group in groups[a] and not groups[a] & special]
        if plain:  # (a group of senior leaders only is covered by the next loop)
            chosen[plain[0]] = groups[plain[0]]
    for group in sorted(special):
        account = next(a for a in sorted(active) if group in groups[a])
        chosen[account] = groups[account]
    readable = {
        a: {d["path"] for d in docs if _folder_readers(rules, d["path"]) & g}
        for a, g in chosen.items()
    }
    # One document per second-level folder: every department's Team folder, the
    # confidential HR folder, the senior leadership folder, and the open folders.
    sample: dict[str, dict[str, Any]] = {}
    for doc in docs:
        sample.setdefault("/".join(doc["path"].split("/")[:2]), doc)
    return Matrix(chosen, readable, list(sample.values()), {d["path"] for d in docs})


def test_the_matrix_has_people_in_and_out_of_every_restricted_folder(matrix: Matrix) -> None:
    confidential = [d for d in matrix.documents if "/Confidential/" in d["path"]]
    team = [d for d in matrix.documents if "/Team/" in d["path"]]
    assert confidential and len(team) >= 10
    for doc in [*confidential, *team]:
        allowed = {v for v in matrix.viewers if doc["path"] in matrix.readable[v]}
        assert allowed and allowed != set(matrix.viewers), doc["path"]
    for doc in confidential:
        hr_staff = [
            v for v, g in matrix.viewers.items() if "staff - hr and organisational development" in g
        ]
        assert any(doc["path"] not in matrix.readable[v] for v in hr_staff)


# -- the gateways ---------------------------------------------------------------


@pytest.fixture(scope="module")
async def own_webdav(
    tmp_path_factory: pytest.TempPathFactory, council: Council
) -> AsyncIterator[WebDavServer]:
    server = await start_test_webdav(council, tmp_path_factory.mktemp("webdav-e2e"))
    yield server
    server.stop()


def _settings(council: Council, scim: ScimServer, dav: WebDavServer, tmp: Any) -> Settings:
    settings = base_settings(council, scim, dav, tmp)
    settings.server.url_signing_key = settings.server.url_signing_key.__class__(SIGNING_KEY)
    settings.documents.sync_interval = 3600  # the tests poll the change feed themselves
    settings.documents.breaker_reset = 1.0
    settings.documents.retries = 1
    return settings


@pytest.fixture(scope="module", params=["webdav", "folder"])
async def gateway(
    request: pytest.FixtureRequest,
    council: Council,
    scim_server: ScimServer,
    own_webdav: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    tmp = tmp_path_factory.mktemp(f"gateway-{request.param}")
    settings = _settings(council, scim_server, own_webdav, tmp)
    if request.param == "folder":
        shutil.copytree(council.documents_root, tmp / "share")
        settings.documents.source = "folder"
        settings.documents.folder = tmp / "share"
        settings.documents.metadata_file = council.root / "documents.json"
    async with serve(settings) as served:
        sync = served.upstreams.document_sync
        assert sync is not None
        await asyncio.wait_for(sync.ready.wait(), 60)
        yield served


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def ask(gateway: Gateway, query: str, user: str) -> dict[str, Any]:
    body = await gateway.query(query, user=user)
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


# -- every path ------------------------------------------------------------------


async def test_document_and_node_show_only_readable_documents(
    gateway: Gateway, matrix: Matrix
) -> None:
    missing = global_id("Document", "Planning/Plans/No such plan.md")
    for viewer in matrix.viewers:
        for batch in chunks(matrix.documents, 14):
            fields = "".join(
                f'd{i}: document(id: "{global_id("Document", d["path"])}") {{ path commentCount }}'
                f'n{i}: node(id: "{global_id("Document", d["path"])}") {{ ... on Document {{ path }} }}'
                for i, d in enumerate(batch)
            )
            data = await ask(
                gateway, f'{{ {fields} m: document(id: "{missing}") {{ path }} }}', viewer
            )
            assert data["m"] is None
            for i, doc in enumerate(batch):
                expected = {"path": doc["path"]} if doc["path"] in matrix.readable[viewer] else None
                got_doc = data[f"d{i}"] and {"path": data[f"d{i}"]["path"]}
                assert got_doc == expected, (viewer, doc["path"])
                assert data[f"n{i}"] == expected, (viewer, doc["path"])


async def test_listings_hold_exactly_the_readable_documents(
    gateway: Gateway, matrix: Matrix
) -> None:
    for viewer in matrix.viewers:
        seen: list[str] = []
        after = None
        while True:
            cursor = f', after: "{after}"' if after else ""
            data = await ask(
                gateway,
                f"{{ documents(first: 100{cursor}) {{ totalCount nodes {{ path }} "
                "pageInfo { hasNextPage endCursor } } }",
                viewer,
            )
            page = data["documents"]
            assert page["totalCount"] == len(matrix.readable[viewer])
            seen += [n["path"] for n in page["nodes"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert len(seen) == len(set(seen)) and set(seen) == matrix.readable[viewer], viewer
        # A folder filter cannot reveal a hidden folder's size either.
        data = await ask(
            gateway,
            '{ documents(folder: "HR and Organisational Development/Confidential") '
            "{ totalCount } }",
            viewer,
        )
        expected = {
            p for p in matrix.readable[viewer]
            if p.startswith("HR and Organisational Development/Confidential/")
        }  # fmt: skip
        assert data["documents"]["totalCount"] == len(expected)


async def test_search_finds_only_readable_documents(gateway: Gateway, matrix: Matrix) -> None:
    for viewer in matrix.viewers:
        for batch in chunks(matrix.documents, 25):
            fields = "".join(
                f"s{i}: searchDocuments(query: {json.dumps(d['title'])}, first: 100) "
                "{ totalCount nodes { path } }"
                for i, d in enumerate(batch)
            )
            data = await ask(gateway, f"{{ {fields} }}", viewer)
            for i, doc in enumerate(batch):
                result = data[f"s{i}"]
                paths = {n["path"] for n in result["nodes"]}
                assert (doc["path"] in paths) == (doc["path"] in matrix.readable[viewer]), (
                    viewer,
                    doc["path"],
                )
                assert paths <= matrix.readable[viewer]  # nothing hidden, ever
                assert result["totalCount"] == len(paths)  # and no count of hidden ones


async def test_a_persons_documents_are_trimmed(
    gateway: Gateway, matrix: Matrix, council: Council
) -> None:
    guids = {p["userPrincipalName"].casefold(): p["guid"] for p in council.people}
    authors = sorted(
        {d["author"].casefold() for d in matrix.documents if d["author"].casefold() in guids}
    )
    written: dict[str, set[str]] = {}
    for d in council.documents["documents"]:
        written.setdefault(d["author"].casefold(), set()).add(d["path"])
    for viewer in matrix.viewers:
        for batch in chunks(authors, 25):
            fields = "".join(
                f'p{i}: person(id: "{global_id("Person", guids[a])}") '
                "{ documents(first: 100) { totalCount nodes { path } } }"
                for i, a in enumerate(batch)
            )
            data = await ask(gateway, f"{{ {fields} }}", viewer)
            for i, author in enumerate(batch):
                docs = data[f"p{i}"]["documents"]
                expected = written[author] & matrix.readable[viewer]
                assert {n["path"] for n in docs["nodes"]} == expected, (viewer, author)
                assert docs["totalCount"] == len(expected)


async def test_comments_only_on_readable_documents(
    gateway: Gateway, matrix: Matrix, council: Council
) -> None:
    social = json.loads((council.root / "social.json").read_text())
    counts: dict[str, int] = {}
    for comment in social["comments"]:
        counts[comment["path"]] = counts.get(comment["path"], 0) + 1
    commented = sorted(counts, key=lambda p: (-counts[p], p))[:10]
    for viewer in matrix.viewers:
        fields = "".join(
            f'c{i}: document(id: "{global_id("Document", p)}") '
            "{ commentCount comments(first: 200) { body } }"
            for i, p in enumerate(commented)
        )
        data = await ask(gateway, f"{{ {fields} }}", viewer)
        for i, path in enumerate(commented):
            if path in matrix.readable[viewer]:
                assert data[f"c{i}"]["commentCount"] == counts[path]
                assert len(data[f"c{i}"]["comments"]) == counts[path]
            else:
                assert data[f"c{i}"] is None


async def test_downloads_are_trimmed_and_hidden_looks_missing(
    gateway: Gateway, matrix: Matrix
) -> None:
    limit = asyncio.Semaphore(8)

    async def fetch(viewer: str, path: str) -> tuple[int, bytes]:
        async with limit, gateway.client(viewer) as client:
            response = await client.get(f"/documents/content/{path}")
            return response.status_code, response.content

    missing = await fetch(next(iter(matrix.viewers)), "Planning/Plans/No such plan.md")
    assert missing[0] == 404
    # Per viewer: every restricted folder's sample (Team folders, the confidential HR
    # folder, senior leadership) and two open documents: cells both in and out.
    restricted = [
        d["path"]
        for d in matrix.documents
        if d["path"].count("/") >= 2
        and d["path"].split("/")[1] in {"Team", "Confidential", "Senior Leadership"}
    ]
    open_ = [d["path"] for d in matrix.documents if d["path"] not in restricted][:2]
    cells = [(v, p) for v in matrix.viewers for p in [*restricted, *open_]]
    results = await asyncio.gather(*(fetch(v, p) for v, p in cells))
    for (viewer, path), (status, body) in zip(cells, results, strict=True):
        if path in matrix.readable[viewer]:
            assert status == 200 and body, (viewer, path)
        else:
            assert (status, body) == missing, (viewer, path)


# -- links, and the change feed (these run last: they change the store) -----------


async def test_a_signed_link_streams_ranges_to_a_reader_only(
    gateway: Gateway, matrix: Matrix, council: Council
) -> None:
    from gateway.downloads import DownloadSigner

    viewer = next(iter(matrix.viewers))
    guid = next(p["guid"] for p in council.people if p["sAMAccountName"] == viewer)
    path = next(d["path"] for d in matrix.documents if d["path"] in matrix.readable[viewer])
    hidden = next(d["path"] for d in matrix.documents if d["path"] not in matrix.readable[viewer])
    data = await ask(
        gateway,
        f'{{ document(id: "{global_id("Document", path)}") {{ downloadUrl size }} }}',
        viewer,
    )
    url = data["document"]["downloadUrl"]
    assert url.startswith(gateway.url + "/documents/content/") and guid in url
    async with httpx.AsyncClient(timeout=30) as anonymous:  # an <a href>: no token, no header
        whole = await anonymous.get(url)
        assert whole.status_code == 200 and len(whole.content) == data["document"]["size"]
        assert whole.headers["content-disposition"].startswith("attachment;")
        assert "sandbox" in whole.headers["content-security-policy"]
        part = await anonymous.get(url, headers={"Range": "bytes=3-12"})
        assert part.status_code == 206 and part.content == whole.content[3:13]
        assert part.headers["content-range"] == f"bytes 3-12/{len(whole.content)}"
        tampered = await anonymous.get(url.replace("sig=", "sig=0"))
        assert tampered.status_code == 403
        other = await anonymous.get(url.replace(quote(path), quote(hidden)))
        assert other.status_code == 403  # the signature covers the path
        # A validly signed link to a document the viewer may not read looks missing.
        signer = DownloadSigner(SIGNING_KEY.encode(), gateway.url, 900)
        forged = await anonymous.get(signer.url(guid, hidden))
        missing = await anonymous.get(signer.url(guid, "Planning/Plans/No such plan.md"))
        assert (forged.status_code, forged.content) == (missing.status_code, missing.content)
        assert missing.status_code == 404


async def test_a_change_reaches_search_the_cache_and_subscribers(
    gateway: Gateway, matrix: Matrix, council: Council, own_webdav: WebDavServer
) -> None:
    sync = gateway.upstreams.document_sync
    assert sync is not None
    await sync.poll()  # settle anything left from earlier turns
    plan = "Planning/Plans/Local Plan 2026.md"
    viewer = next(v for v in matrix.viewers if plan in matrix.readable[v])
    query = f'{{ document(id: "{global_id("Document", plan)}") {{ size }} }}'
    before = (await ask(gateway, query, viewer))["document"]["size"]
    received: list[Any] = []

    async def collect(changes: Any) -> None:
        received.extend(changes)

    sync.subscribe(collect)
    content = b"# Local Plan 2026\n\nRevised after the quokkaforest consultation.\n"
    if gateway.settings.documents.source == "folder":
        assert gateway.settings.documents.folder is not None
        (gateway.settings.documents.folder / plan).write_bytes(content)
    else:
        async with httpx.AsyncClient(
            base_url=own_webdav.url, auth=(WEBDAV_USER, WEBDAV_PASSWORD)
        ) as client:
            assert (await client.put("/" + quote(plan), content=content)).is_success
    changes = await sync.poll()
    assert [(c.kind, c.path) for c in changes] == [("updated", plan)]
    assert received == changes
    names = {p["userPrincipalName"].casefold(): p["displayName"] for p in council.people}
    meta = next(d for d in council.documents["documents"] if d["path"] == plan)
    change = changes[0]
    line = f"{names[(change.actor or '').casefold()]} {change.verb} {change.title}"
    assert line == f"{names[meta['lastEditor'].casefold()]} updated Local Plan 2026"
    # The cached record was dropped, and the index holds the new text.
    after = (await ask(gateway, query, viewer))["document"]["size"]
    assert before != after == len(content)
    found = await ask(
        gateway, '{ searchDocuments(query: "quokkaforest") { totalCount nodes { path } } }', viewer
    )
    assert found["searchDocuments"] == {"totalCount": 1, "nodes": [{"path": plan}]}
    outsider = next((v for v in matrix.viewers if plan not in matrix.readable[v]), None)
    if outsider is not None:
        hidden = await ask(
            gateway, '{ searchDocuments(query: "quokkaforest") { totalCount } }', outsider
        )
        assert hidden["searchDocuments"]["totalCount"] == 0


@pytest.mark.parametrize("gateway", ["webdav"], indirect=True)  # a file share has no server
async def test_a_killed_store_fails_only_its_fields_and_recovers(
    gateway: Gateway, matrix: Matrix, own_webdav: WebDavServer
) -> None:
    viewer = next(iter(matrix.viewers))
    query = "{ me { displayName } documents(first: 1) { totalCount } }"
    await gateway.clear_cache()
    own_webdav.kill()
    try:
        body = await gateway.query(query, user=viewer)
        assert body["data"]["me"]["displayName"]  # the directory still answers
        [error] = body["errors"]
        assert error["extensions"]["code"] == "SOURCE_UNAVAILABLE"
        assert error["extensions"]["source"] == "documents"
        assert own_webdav.url.split("//")[1] not in json.dumps(body)  # no internal address
    finally:
        await own_webdav.restart()
    for _ in range(40):  # the breaker lets a probe through after breaker_reset
        body = await gateway.query(query, user=viewer)
        if "errors" not in body:
            break
        await asyncio.sleep(0.25)
    assert body["data"]["documents"]["totalCount"] == len(matrix.readable[viewer])
