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

import pytest
from servers import Council, start_test_webdav

from gateway.settings import Settings
from gateway.upstreams import ScimServer, WebDavServer
from schema.ids import global_id

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
    cells = [(v, d["path"]) for v in matrix.viewers for d in matrix.documents]
    results = await asyncio.gather(*(fetch(v, p) for v, p in cells))
    for (viewer, path), (status, body) in zip(cells, results, strict=True):
        if path in matrix.readable[viewer]:
            assert status == 200 and body, (viewer, path)
        else:
            assert (status, body) == missing, (viewer, path)
