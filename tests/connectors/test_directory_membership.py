"""Every group's nested membership, computed from one listing, is what the connector answers.

``connectors.directory.membership`` lets a warm-up fill the group caches in one search;
here its answers are compared with the connector's own ``members_of`` and ``groups_of``
for every group and every person of the sample council, on the embedded directory, both
with AD's in-chain rule and with the level-by-level walk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from servers import Council

from connectors.directory import DirectoryConnector, DirectoryFeatures, open_embedded
from connectors.directory.entries import normalise_dn
from connectors.directory.membership import group_graph

BASE = "DC=ad,DC=northshire,DC=test"


@pytest.fixture(params=["in_chain", "walk"])
async def directory(
    request: pytest.FixtureRequest, council: Council
) -> AsyncIterator[DirectoryConnector]:
    connector = open_embedded(
        council.ldif, BASE, features=DirectoryFeatures(nested_groups=request.param)
    )
    yield connector
    await connector.close()


async def test_every_groups_members_are_the_connectors(directory: DirectoryConnector) -> None:
    graph = await group_graph(directory)
    assert len(graph.groups) > 50
    everyone = await directory.search_people(None, include_leavers=True)
    people = {normalise_dn(p.dn): p for p in everyone}
    dns = [g.dn for g in graph.groups.values()]
    expected = await directory.members_of(dns)
    nested = 0
    for dn in dns:
        assert graph.members(dn, people) == expected[dn], dn
        nested += any(normalise_dn(m) in graph.groups for m in graph.children[normalise_dn(dn)])
    assert nested, "the sample council nests groups"
    assert max(len(v) for v in expected.values()) > 1500  # All Staff: every department


async def test_every_persons_groups_are_the_connectors(directory: DirectoryConnector) -> None:
    graph = await group_graph(directory)
    everyone = await directory.search_people(None, include_leavers=True)
    sample = everyone[::25]
    expected = await directory.groups_of([p.dn for p in sample])
    assert any(len(v) > 2 for v in expected.values())
    for person in sample:
        assert graph.groups_of(person.dn) == expected[person.dn], person.dn
