"""GraphQL fuzzing of ``/graphql`` with schemathesis: documents generated from the committed
SDL (``schema.graphql``), valid and invalid, sent over real HTTP as three signed-in roles
(staff, HR, moderator). No answer may be a 5xx, an unexpected error, or show internals.

Queries go to the demo gateway; mutations to a gateway of this module's own, so that
the demo's store stays as the other suites expect it. Generation is derandomized
(Hypothesis derives the seed from the test) and bounded, so a run is the same every
time and takes about a minute.

The gateways run in the session's event loop, and Hypothesis and schemathesis are
synchronous (``requests``): each role's run is handed to a worker thread
(``asyncio.to_thread``) while the loop goes on serving the gateway.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.generation.case import Case
from servers import Council

from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import Gateway, base_settings, serve
from .hostile_corpus import assert_clean

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"
SCHEMA = schemathesis.graphql.from_path(SDL)
# Signed-in roles (dev sign-in): nobody another suite counts on, so that their budgets
# and caches are the fuzzer's alone.
ROLES = {
    "staff": "minh.le",
    "hr": "robin.sadowski",  # HR Confidential
    "moderator": "cillian.obrien",  # Townhall Moderators
}
QUERY_EXAMPLES = 300
MUTATION_EXAMPLES = 150


@dataclass
class Finding:
    """What a fuzzed request got that it must not have."""

    case: Case[Any]
    status: int
    body: str

    def __str__(self) -> str:
        sent = self.case.body if isinstance(self.case.body, str) else repr(self.case.body)
        return f"{self.status} for\n{sent}\n-> {self.body[:500]}"


def fuzz(base_url: str, user: str, root: str, examples: int) -> list[Finding]:
    """Send ``examples`` generated documents of ``root`` (Query or Mutation) as ``user``;
    the answers that fail the checks (Hypothesis keeps going past each one). Valid
    documents are drawn twice as often as invalid ones."""
    findings: list[Finding] = []
    session = requests.Session()
    session.headers["X-Townhall-User"] = user
    operations = SCHEMA[root]
    valid = operations.as_strategy()
    strategy = st.one_of(
        valid, valid, operations.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    )

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Case[Any]) -> None:
        response = case.call(base_url=f"{base_url}/graphql", session=session, timeout=30)
        try:
            assert response.status_code < 500
            assert "INTERNAL_ERROR" not in response.text
            # The gateway's own links (photos, downloads) are on its own URL.
            assert_clean(response.text, [base_url, case.body if isinstance(case.body, str) else ""])
        except AssertionError:
            findings.append(Finding(case, response.status_code, response.text))

    run()
    session.close()
    return findings


@pytest.fixture(scope="module")
async def mutations_gateway(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    settings = base_settings(council, scim_server, webdav_server, tmp_path_factory.mktemp("fuzz"))
    settings.hr.sync_interval = 0
    async with serve(settings) as gateway:
        yield gateway


@pytest.mark.parametrize("role", ROLES)
async def test_fuzzed_queries(demo_gateway: Gateway, role: str) -> None:
    findings = await asyncio.to_thread(fuzz, demo_gateway.url, ROLES[role], "Query", QUERY_EXAMPLES)
    assert not findings, "\n\n".join(map(str, findings))


@pytest.mark.parametrize("role", ROLES)
async def test_fuzzed_mutations(mutations_gateway: Gateway, role: str) -> None:
    findings = await asyncio.to_thread(
        fuzz, mutations_gateway.url, ROLES[role], "Mutation", MUTATION_EXAMPLES
    )
    assert not findings, "\n\n".join(map(str, findings))
