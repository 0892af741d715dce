"""The typed Python client (townhall_client) against a running gateway, over HTTP: what
analysts script with, and what these end-to-end tests read typed results through."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from servers import Council

from schema.ids import global_id
from townhall_client import (
    ExpertReasonKind,
    GraphQLClientGraphQLMultiError,
    TownhallClient,
)

from .conftest import Gateway

READER = "adam.cooke"  # Finance


@pytest.fixture
async def client(demo_gateway: Gateway) -> AsyncIterator[TownhallClient]:
    async with httpx.AsyncClient(headers={"X-Townhall-User": READER}, timeout=60) as http:
        yield TownhallClient(url=f"{demo_gateway.url}/graphql", http_client=http)


def person_id(council: Council, account: str) -> str:
    guid = next(p["guid"] for p in council.people if p["sAMAccountName"] == account)
    return global_id("Person", guid)


async def test_typed_reads(client: TownhallClient, council: Council) -> None:
    me = (await client.me()).me
    assert me.display_name and me.department == "Finance" and me.manager is not None

    found = (await client.find_people(search="planning officer", first=5)).people
    assert found.total_count >= len(found.nodes) > 0 and found.page_info.has_next_page in (
        True,
        False,
    )
    assert all("planning" in f"{n.title} {n.department}".lower() for n in found.nodes)

    card = (await client.person_card(id=person_id(council, "priya.shah"))).person
    assert card is not None and card.display_name == "Priya Shah"
    assert card.employment is not None and card.employment.grade is None  # not Adam's to see
    assert "Staff - Planning" in {g.name for g in card.groups}

    group = (await client.group_members(name="Staff - Planning", first=3)).group
    assert group is not None and len(group.members.nodes) == 3 and group.members.total_count > 3

    experts = (await client.experts(topic="planning", first=5)).experts
    assert experts and all(e.reasons for e in experts)
    assert all(isinstance(r.kind, ExpertReasonKind) for e in experts for r in e.reasons)


async def test_typed_mutations_and_errors(client: TownhallClient, council: Council) -> None:
    target = person_id(council, "aled.llewellyn")
    followed = (await client.follow_person(id=target)).follow_person
    assert followed.typename__ == "FollowSuccess" and followed.person.viewer_is_following
    stopped = (await client.unfollow_person(id=target)).unfollow_person
    assert stopped.typename__ == "FollowSuccess" and not stopped.person.viewer_is_following
    assert stopped.person.follower_count == followed.person.follower_count - 1
    missing = (await client.follow_person(id=global_id("Person", "0" * 32))).follow_person
    assert missing.typename__ == "NotFoundError"
    with pytest.raises(GraphQLClientGraphQLMultiError) as refused:
        await client.find_people(first=1000)
    assert refused.value.errors[0].extensions == {"code": "BAD_USER_INPUT", "field": "first"}
