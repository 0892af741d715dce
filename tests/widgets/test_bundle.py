"""The widget bundle as committed: small, rebuilt exactly from its sources, and served right.

The bundle (``gateway/static/widgets/v1/townhall.js``) is committed, so this checks that
it is what ``widgets/build.mjs`` makes from the sources and the pinned npm packages (a
rebuild into a temporary folder; npm and node are on every machine that runs the tests:
missing, the test fails), that it stays within 60 KB gzipped, that its operations
manifest holds exactly the widgets' operations, each valid against the schema the
gateway serves now and registered (a hash-only request runs), and that the gateway serves
it with the headers a page on another origin needs.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import httpx
from graphql import OperationDefinitionNode, parse, validate

from gateway.trusted import TrustedDocuments
from gateway.widgets import WIDGET_OPERATIONS, WIDGETS_DIR
from schema import build_schema

from .conftest import WidgetServers

REPO = Path(__file__).resolve().parents[2]
WIDGETS = REPO / "widgets"
BUNDLE = WIDGETS_DIR / "townhall.js"
MAX_GZIPPED = 60 * 1024


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which(command[0])
    assert executable, f"{command[0]} is not installed: the widget bundle cannot be checked"
    return subprocess.run(
        [executable, *command[1:]], cwd=WIDGETS, capture_output=True, text=True, timeout=600
    )


def _manifest() -> dict[str, str]:
    data: dict[str, str] = json.loads(WIDGET_OPERATIONS.read_text(encoding="utf-8"))
    return data


def _module_operations() -> dict[str, tuple[str, str]]:
    """``widgets/src/core/operations.js`` as the build wrote it: name -> (hash, kind)."""
    text = (WIDGETS / "src" / "core" / "operations.js").read_text(encoding="utf-8")
    pattern = r"(\w+): \{ hash: '([0-9a-f]{64})', kind: '(query|mutation|subscription)' \}"
    return {name: (sha, kind) for name, sha, kind in re.findall(pattern, text)}


def test_the_bundle_is_at_most_60_kb_gzipped() -> None:
    raw = BUNDLE.read_bytes()
    size = len(gzip.compress(raw, compresslevel=9))
    print(f"townhall.js: {len(raw)} bytes, {size} bytes gzipped (limit {MAX_GZIPPED})")
    assert size <= MAX_GZIPPED, f"townhall.js is {size} bytes gzipped, over {MAX_GZIPPED}"
    # A control for the measure: the limit is about the bundle, not an empty file.
    assert size > 5_000


def test_the_committed_bundle_is_what_the_sources_build() -> None:
    if not (WIDGETS / "node_modules" / "esbuild").is_dir():
        installed = _run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
        assert installed.returncode == 0, installed.stderr
    checked = _run("node", "build.mjs", "--check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    sums = (WIDGETS_DIR / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256((WIDGETS_DIR / name).read_bytes()).hexdigest() == digest, name


def test_the_bundle_is_one_module_with_its_licences() -> None:
    text = BUNDLE.read_text(encoding="utf-8")
    assert "import(" not in text and not re.search(r"^import\s", text, re.M), "code splitting"
    assert "eval(" not in text and "new Function" not in text
    licences = (WIDGETS_DIR / "LICENSES.txt").read_text(encoding="utf-8")
    for package in ("lit", "lit-html", "lit-element", "@lit/reactive-element"):
        assert f"==== {package} " in licences, package
    assert "BSD-3-Clause" in licences


def test_the_manifest_holds_each_operation_by_its_hash() -> None:
    manifest = _manifest()
    files = sorted((WIDGETS / "operations").glob("*.graphql"))
    assert len(manifest) == len(files) >= 8
    names = {}
    for sha, document in manifest.items():
        assert hashlib.sha256(document.encode()).hexdigest() == sha
        operations = [
            d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)
        ]
        assert len(operations) == 1 and operations[0].name is not None
        names[operations[0].name.value] = (sha, operations[0].operation.value)
    assert names == _module_operations()
    assert {f.stem for f in files} == set(names)


def test_every_widget_operation_is_valid_against_the_schema() -> None:
    schema = build_schema()._schema
    for document in _manifest().values():
        ast = parse(document)
        operation = next(d for d in ast.definitions if isinstance(d, OperationDefinitionNode))
        name = operation.name.value if operation.name else "?"
        assert schema.get_root_type(operation.operation) is not None, (
            f"{name}: the schema has no {operation.operation.value} type"
        )
        errors = validate(schema, ast)
        assert not errors, f"{name}: {[e.message for e in errors]}"


def test_the_gateway_registers_the_widget_operations() -> None:
    registry = TrustedDocuments.load(WIDGET_OPERATIONS, typed_client=False)
    assert set(_manifest()) <= {sha for _, sha in registry}


async def test_a_widget_operation_runs_by_hash_alone(widget_servers: WidgetServers) -> None:
    sha, kind = _module_operations()["PeopleSearch"]
    assert kind == "query"
    body = {
        "operationName": "PeopleSearch",
        "variables": {"search": "planning", "first": 3},
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}},
    }
    async with widget_servers.client("alex.morgan") as client:
        response = await client.post("/graphql", json=body)
        unknown = await client.post(
            "/graphql",
            json={**body, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
        )
    assert response.status_code == 200, response.text
    people = response.json()["data"]["people"]["nodes"]
    assert people and all(p["displayName"] for p in people)
    # The control: a hash nobody registered is not found.
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_the_bundle_is_served_to_allowed_origins(widget_servers: WidgetServers) -> None:
    portal = widget_servers.pages.origin
    url = f"{widget_servers.gateway.url}/widgets/v1/townhall.js"
    async with httpx.AsyncClient(timeout=30) as client:
        served = await client.get(url, headers={"Origin": portal})
        stranger = await client.get(url, headers={"Origin": "http://intranet.example"})
        again = await client.get(url, headers={"If-None-Match": served.headers["etag"]})
        plain = await client.get(url, headers={"Accept-Encoding": "identity"})
        refused_gzip = await client.get(url, headers={"Accept-Encoding": "gzip;q=0, br"})
        licences = await client.get(f"{widget_servers.gateway.url}/widgets/v1/LICENSES.txt")
        missing = [
            (await client.get(f"{widget_servers.gateway.url}/widgets/v1/{name}")).status_code
            for name in ("operations.json", "SHA256SUMS", "..%2Fwidgets.py", "townhall.js.map")
        ]
    assert served.status_code == 200
    assert served.content == BUNDLE.read_bytes()  # httpx asks for gzip and unpacks it
    assert served.headers["content-encoding"] == "gzip"
    assert int(served.headers["content-length"]) == len(gzip.compress(BUNDLE.read_bytes(), 9))
    assert "content-encoding" not in plain.headers and plain.content == BUNDLE.read_bytes()
    assert "content-encoding" not in refused_gzip.headers
    assert "Accept-Encoding" in served.headers["vary"]
    assert served.headers["content-type"] == "text/javascript; charset=utf-8"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["cross-origin-resource-policy"] == "cross-origin"
    assert served.headers["access-control-allow-origin"] == portal
    assert re.fullmatch(r'"[0-9a-f]{32}"', served.headers["etag"])
    assert "access-control-allow-origin" not in stranger.headers
    assert again.status_code == 304 and again.headers["etag"] == served.headers["etag"]
    assert licences.status_code == 200 and licences.text.startswith("Townhall widgets")
    assert licences.headers["content-type"] == "text/plain; charset=utf-8"
    assert missing == [404, 404, 404, 404]


async def test_graphql_allows_the_portal_origin(widget_servers: WidgetServers) -> None:
    portal = widget_servers.pages.origin
    async with httpx.AsyncClient(base_url=widget_servers.gateway.url, timeout=30) as client:
        preflight = await client.options(
            "/graphql",
            headers={
                "Origin": portal,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        refused = await client.options(
            "/graphql",
            headers={"Origin": "http://intranet.example", "Access-Control-Request-Method": "POST"},
        )
    async with widget_servers.client("alex.morgan") as client:
        answered = await client.post(
            "/graphql", json={"query": "{ me { id } }"}, headers={"Origin": portal}
        )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == portal
    assert preflight.headers["access-control-allow-credentials"] == "true"
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert refused.status_code == 400
    exposed = answered.headers["access-control-expose-headers"].lower()
    for header in ("x-request-id", "ratelimit", "ratelimit-policy", "retry-after"):
        assert header in exposed, header
