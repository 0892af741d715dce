"""The GraphQL-over-HTTP specification, checked by its community audit suite.

``graphql-http`` (the reference implementation's npm package) audits a server's
``/graphql`` against every MUST, SHOULD and MAY of the specification. The suite is
installed from the npm registry (pinned in ``tests/servers/graphql_http_audit``) and
run with the machine's Node.js against the demo gateway over HTTP.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from .conftest import Gateway

AUDIT = Path(__file__).parents[1] / "servers" / "graphql_http_audit"


@pytest.fixture(scope="session")
async def audit_suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("graphql-http")
    for name in ("package.json", "package-lock.json", "audit.mjs"):
        shutil.copy(AUDIT / name, folder / name)
    npm = await asyncio.create_subprocess_exec(
        "npm", "ci", "--silent", "--no-audit", "--no-fund", cwd=folder,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(npm.communicate(), 180)
    assert npm.returncode == 0, output.decode()
    return folder


async def test_graphql_over_http_audits_pass(demo_gateway: Gateway, audit_suite: Path) -> None:
    node = await asyncio.create_subprocess_exec(
        "node", "audit.mjs", f"{demo_gateway.url}/graphql", "alex.morgan", cwd=audit_suite,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    output, errors = await asyncio.wait_for(node.communicate(), 120)
    assert node.returncode == 0, errors.decode()
    audits = [json.loads(line) for line in output.decode().splitlines() if line.startswith("{")]
    assert len(audits) > 50  # the suite ran whole
    failed = [f"{a['id']} {a['name']}: {a['reason']}" for a in audits if a["status"] != "ok"]
    assert failed == []
