"""The typed Python client (townhall_client) against a running gateway, over HTTP: what
analysts script with, and what these end-to-end tests read typed results through."""

from __future__ import annotations

import asyncio
import csv
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from servers import Council

from schema.ids import global_id
from townhall_client import (
    AddCommentAddCommentCommentSuccess,
    AddCommentInput,
    ExpertReasonKind,
    FollowFollowFollowTargetSuccess,
    FollowInput,
    FollowKind,
    GraphQLClientGraphQLMultiError,
    HeadcountDimension,
    MarkReadInput,
    PeopleFilter,
    TownhallClient,
    UpdateProfileInput,
    UpdateProfileUpdateProfileInvalidInputError,
)

from .conftest import Gateway

READER = "adam.cooke"  # Finance
RECIPE = Path(__file__).resolve().parents[2] / "client" / "examples" / "department_csv.py"


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
    assert group is not None and group.members is not None  # null only if the directory fails
    assert len(group.members.nodes) == 3 and (group.members.total_count or 0) > 3

    experts = (await client.experts(topic="planning", first=5)).experts
    assert experts and all(e.reasons for e in experts)
    assert all(isinstance(r.kind, ExpertReasonKind) for e in experts for r in e.reasons)

    housing = (await client.find_people(filter_=PeopleFilter(department="Housing"), first=5)).people
    assert housing.total_count and all(n.department == "Housing" for n in housing.nodes)
    table = (await client.headcount(by=[HeadcountDimension.DEPARTMENT])).headcount
    assert table.total and all((c.count is None) == c.suppressed for c in table.cells)
    assert {"Housing"} <= {c.values[0] for c in table.cells}


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


async def test_typed_social_operations(client: TownhallClient, council: Council) -> None:
    """A few of the social layer's operations, typed: follow a tag and list it, comment with
    a mention that cannot be notified, read the thread, notifications and profile refusals."""
    followed = (await client.follow(input=FollowInput(tag="client-typed"))).follow
    assert isinstance(followed, FollowFollowFollowTargetSuccess)
    assert (followed.kind, followed.key, followed.changed) == (FollowKind.TAG, "client-typed", True)
    try:
        mine = (await client.my_follows(kind=FollowKind.TAG, first=100)).my_follows
        assert "client-typed" in {n.key for n in mine.nodes}
        assert mine.total_count == len(mine.nodes)
    finally:
        await client.unfollow(input=FollowInput(tag="client-typed"))

    team_doc = global_id("Document", "Planning/Team/Building Control - Onboarding Checklist.md")
    open_doc = global_id("Document", "Planning/Plans/Local Plan 2026.md")
    added = (
        await client.add_comment(
            input=AddCommentInput(target_id=open_doc, body="Typed client says hi to @priya.shah")
        )
    ).add_comment
    assert isinstance(added, AddCommentAddCommentCommentSuccess)
    assert [m.display_name for m in added.comment.mentions] == ["Priya Shah"]
    assert added.not_notified == []
    hidden = (
        await client.add_comment(input=AddCommentInput(target_id=team_doc, body="not mine"))
    ).add_comment
    assert hidden.typename__ == "NotFoundError"  # Adam may not read the Planning team's file

    thread = (await client.comment_thread(id=open_doc, first=100)).document
    assert thread is not None and thread.comment_thread.total_count == len(
        thread.comment_thread.nodes
    )
    assert added.comment.id in {c.id for c in thread.comment_thread.nodes}
    found = (await client.comment_by_id(id=added.comment.id)).comment
    assert found is not None and found.body_text == "Typed client says hi to @priya.shah"

    notes = await client.notifications(first=5)
    assert notes.notifications.total_count is not None
    assert notes.notifications.total_count >= len(notes.notifications.nodes)
    read = await client.mark_notifications_read(input=MarkReadInput(all=True))
    assert read.mark_notifications_read.typename__ == "MarkReadSuccess"

    refused = (
        await client.update_profile(input=UpdateProfileInput(skills=["x" * 65]))
    ).update_profile
    assert isinstance(refused, UpdateProfileUpdateProfileInvalidInputError)
    assert refused.field == "skills"
    bad_id = (await client.follow_person(id="not-an-id")).follow_person
    assert bad_id.typename__ == "InvalidInputError"


async def test_the_readme_recipe_writes_a_department_to_csv(
    demo_gateway: Gateway, tmp_path: Path
) -> None:
    """client/examples/department_csv.py, as the README shows it, run as a script."""
    out = tmp_path / "housing.csv"
    recipe = RECIPE
    done = await asyncio.create_subprocess_exec(
        sys.executable, str(recipe), f"{demo_gateway.url}/graphql", "Staff - Housing", str(out),
        cwd=recipe.parents[2], stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(done.communicate(), 120)
    assert done.returncode == 0, stderr.decode()
    with out.open(encoding="utf-8", newline="") as file:
        header, *rows = list(csv.reader(file))
    assert header == ["name", "job title", "working pattern"]
    members = await demo_gateway.query(
        '{ group(name: "Staff - Housing") { members(first: 0) { totalCount } } }'
    )
    assert len(rows) == members["data"]["group"]["members"]["totalCount"] > 50  # more than one page
    assert len({r[0] for r in rows}) == len(rows)
    patterns = {r[2] for r in rows}
    assert "Full time" in patterns and len(patterns) > 1, patterns
