"""One consistent API for frontends, against the real demo gateway: one form of key,
`changed` when a follow's notify choice changes, too-long input and malformed ids refused
as InvalidInputError naming the field (nothing written), mentions that were not notified
said so, `totalCount` on every connection (through the access gate, counted in batches),
summaries that name their object, a failing `Group.members` that nulls only itself, and
refusals logged at INFO without a traceback."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from servers import Council

from connectors.directory import DirectoryUnavailable
from schema.ids import global_id

from .conftest import Gateway

ACTOR, OTHER = "alina.novak", "ailsa.drummond"  # Libraries and Culture: not in Planning
PLANNER, PLANNER2 = "priya.shah", "alice.iqbal"
MODERATOR, DATA_PROTECTION = "sam.whitfield", "abena.oyelaran"
OPEN_DOC = "Planning/Plans/Local Plan 2026.md"  # all staff
TEAM_DOC = "Planning/Team/Building Control - Onboarding Checklist.md"  # Staff - Planning only
LONG = "a" * 65  # one more than a tag may hold

FOLLOW = """mutation($input: FollowInput!) { follow(input: $input) { __typename
  ... on FollowTargetSuccess { kind key following notify changed }
  ... on InvalidInputError { field message } ... on NotFoundError { message } } }"""
UNFOLLOW = FOLLOW.replace("follow(input", "unfollow(input")
REFUSAL = "__typename ... on InvalidInputError { field message }"


def pid(council: Council, account: str) -> str:
    guid = next(p["guid"] for p in council.people if p["sAMAccountName"] == account)
    return global_id("Person", guid)


async def ok(
    gateway: Gateway, query: str, variables: dict[str, Any] | None = None, *, user: str = ACTOR
) -> dict[str, Any]:
    body = await gateway.query(query, variables, user=user)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_a_group_has_one_key_whichever_way_it_is_followed(demo_gateway: Gateway) -> None:
    group = (await ok(demo_gateway, '{ group(name: "Staff - Housing") { id guid } }'))["group"]
    try:
        followed = await ok(demo_gateway, FOLLOW, {"input": {"groupId": group["guid"]}})
        assert followed["follow"]["key"] == group["id"]
        listed = await ok(demo_gateway, "{ myFollows(kind: GROUP, first: 50) { nodes { key } } }")
        assert group["id"] in {n["key"] for n in listed["myFollows"]["nodes"]}
        assert group["guid"] not in {n["key"] for n in listed["myFollows"]["nodes"]}
    finally:
        stopped = await ok(demo_gateway, UNFOLLOW, {"input": {"groupId": group["guid"]}})
    assert stopped["unfollow"]["key"] == group["id"] and stopped["unfollow"]["changed"]


async def test_switching_notify_on_an_existing_follow_is_a_change(demo_gateway: Gateway) -> None:
    tag = {"tag": "api-fit-notify"}
    try:
        steps = [
            ({**tag, "notify": False}, True, False),  # a new follow
            ({**tag, "notify": True}, True, True),  # the choice switched
            ({**tag, "notify": True}, False, True),  # already so
            (tag, False, True),  # no choice given: kept
            ({**tag, "notify": False}, True, False),
        ]
        for given, changed, notify in steps:
            result = (await ok(demo_gateway, FOLLOW, {"input": given}))["follow"]
            assert (result["changed"], result["notify"]) == (changed, notify), given
    finally:
        await ok(demo_gateway, UNFOLLOW, {"input": tag})


async def test_too_long_input_is_refused_naming_the_field_and_nothing_is_written(
    demo_gateway: Gateway, council: Council
) -> None:
    profile = "{ me { profile { about { value } skills { name } interests askMeAbout } } }"
    before = await ok(demo_gateway, profile)
    document = global_id("Document", OPEN_DOC)
    count = "query($id: ID!) { document(id: $id) { commentCount } }"
    comments_before = await ok(demo_gateway, count, {"id": document})
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("updateProfile", {"skills": ["planning", LONG]}, "skills"),
        ("updateProfile", {"interests": [LONG]}, "interests"),
        ("updateProfile", {"askMeAbout": [LONG]}, "askMeAbout"),
        ("updateProfile", {"about": "x" * 2001, "skills": ["ok"]}, "about"),
        ("updateProfile", {"pronouns": "x" * 2001}, "pronouns"),
        ("follow", {"tag": LONG}, "tag"),
        ("endorseSkill", {"personId": pid(council, PLANNER), "skill": LONG}, "skill"),
        ("addComment", {"targetId": document, "body": f"see #{LONG}"}, "body"),
        ("addComment", {"targetId": document, "body": "x" * 5001}, "body"),
        ("addComment", {"targetId": document, "body": "hi", "clientMutationId": LONG}, "clientMutationId"),
        ("reportItem", {"itemId": global_id("Comment", "1"), "reason": "x" * 1001}, "reason"),
    ]  # fmt: skip
    kinds = {
        "updateProfile": "UpdateProfileInput", "follow": "FollowInput",
        "endorseSkill": "EndorseInput", "addComment": "AddCommentInput", "reportItem": "ReportInput",
    }  # fmt: skip
    for mutation, given, field in cases:
        query = (
            f"mutation($input: {kinds[mutation]}!) {{ {mutation}(input: $input) {{ {REFUSAL} }} }}"
        )
        result = (await ok(demo_gateway, query, {"input": given}))[mutation]
        assert result["__typename"] == "InvalidInputError", (mutation, given, result)
        assert result["field"] == field, (mutation, result)
    assert await ok(demo_gateway, profile) == before
    assert await ok(demo_gateway, count, {"id": document}) == comments_before
    tag = await ok(
        demo_gateway, "query($n: String!) { tag(name: $n) { viewerIsFollowing } }", {"n": LONG[:64]}
    )
    assert tag["tag"]["viewerIsFollowing"] is False  # not followed under a cut-short name
    for query in ('{ tag(name: "%s") { name } }', '{ tagFeed(tag: "%s") { totalCount } }'):
        body = await demo_gateway.query(query % LONG, user=ACTOR)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body


async def test_a_malformed_id_is_invalid_input_everywhere(
    demo_gateway: Gateway, council: Council
) -> None:
    document = global_id("Document", OPEN_DOC)
    wrong_kind = global_id("Document", "x")  # a well-formed id of the wrong type
    cases: list[tuple[str, str, str, dict[str, Any], str, str]] = [
        ("followPerson", "personId: ID!", "personId: $v", {"v": "bad"}, "personId", ACTOR),
        ("unfollowPerson", "personId: ID!", "personId: $v", {"v": wrong_kind}, "personId", ACTOR),
        ("follow", "input: FollowInput!", "input: $v", {"v": {"targetId": "bad"}}, "targetId", ACTOR),
        ("unfollow", "input: FollowInput!", "input: $v", {"v": {"targetId": global_id("Group", "x")}}, "targetId", ACTOR),
        ("addComment", "input: AddCommentInput!", "input: $v", {"v": {"targetId": "%%%", "body": "x"}}, "targetId", ACTOR),
        ("addComment", "input: AddCommentInput!", "input: $v", {"v": {"targetId": document, "body": "x", "replyToId": "bad"}}, "replyToId", ACTOR),
        ("editComment", "input: EditCommentInput!", "input: $v", {"v": {"commentId": "bad", "body": "x"}}, "commentId", ACTOR),
        ("deleteComment", "input: DeleteCommentInput!", "input: $v", {"v": {"commentId": wrong_kind}}, "commentId", ACTOR),
        ("react", "input: ReactInput!", "input: $v", {"v": {"itemId": "bad", "reaction": "LIKE"}}, "itemId", ACTOR),
        ("unreact", "input: ReactInput!", "input: $v", {"v": {"itemId": pid(council, OTHER), "reaction": "LIKE"}}, "itemId", ACTOR),
        ("reportItem", "input: ReportInput!", "input: $v", {"v": {"itemId": "bad", "reason": "spam"}}, "itemId", ACTOR),
        ("endorseSkill", "input: EndorseInput!", "input: $v", {"v": {"personId": "bad", "skill": "x"}}, "personId", ACTOR),
        ("unendorseSkill", "input: EndorseInput!", "input: $v", {"v": {"personId": wrong_kind, "skill": "x"}}, "personId", ACTOR),
        ("markNotificationsRead", "input: MarkReadInput!", "input: $v", {"v": {"ids": ["bad"]}}, "ids", ACTOR),
        ("decideReport", "input: DecideReportInput!", "input: $v", {"v": {"reportId": "bad", "outcome": "DISMISS"}}, "reportId", MODERATOR),
        ("exportPersonData", "input: ExportPersonDataInput!", "input: $v", {"v": {"personId": "bad"}}, "personId", DATA_PROTECTION),
    ]  # fmt: skip
    for mutation, declared, argument, variables, field, user in cases:
        name = declared.split(":")[0]
        query = f"mutation(${declared}) {{ {mutation}({argument.replace('$v', '$' + name)}) {{ {REFUSAL} }} }}"
        result = (await ok(demo_gateway, query, {name: variables["v"]}, user=user))[mutation]
        assert result == {
            "__typename": "InvalidInputError",
            "field": field,
            "message": result["message"],
        }, (mutation, result)
    # Queries answer a malformed id as bad input too (never as a miss).
    for query in ("person(id: $id) { id }", "comment(id: $id) { id }", "document(id: $id) { id }",
                  "node(id: $id) { id }", "group(id: $id) { id }"):  # fmt: skip
        body = await demo_gateway.query(f"query($id: ID!) {{ {query} }}", {"id": "bad"}, user=ACTOR)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", (query, body)
    bad_group = global_id("Group", "x")
    group = await demo_gateway.query(f'{{ group(id: "{bad_group}") {{ id }} }}')
    assert group["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}


async def test_the_writer_is_told_which_mentions_were_not_notified_and_why(
    demo_gateway: Gateway,
) -> None:
    unread = "{ unreadNotificationCount }"
    before = (await ok(demo_gateway, unread, user=ACTOR))["unreadNotificationCount"]
    add = """mutation($input: AddCommentInput!) { addComment(input: $input) { __typename
      ... on CommentSuccess { comment { mentions { accountName } }
        notNotified { person { accountName } reason message } } } }"""
    body = f"@{ACTOR} and @{PLANNER2}: the checklist is updated"
    result = await ok(
        demo_gateway,
        add,
        {"input": {"targetId": global_id("Document", TEAM_DOC), "body": body}},
        user=PLANNER,
    )
    success = result["addComment"]
    assert {m["accountName"] for m in success["comment"]["mentions"]} == {ACTOR, PLANNER2}
    assert success["notNotified"] == [
        {"person": {"accountName": ACTOR}, "reason": "MAY_NOT_READ", "message": "may not read this"}
    ]
    assert (await ok(demo_gateway, unread, user=ACTOR))["unreadNotificationCount"] == before
    told = await ok(
        demo_gateway,
        add,
        {"input": {"targetId": global_id("Document", OPEN_DOC), "body": f"@{ACTOR} see this"}},
        user=PLANNER,
    )
    assert told["addComment"]["notNotified"] == []


async def test_every_connection_counts_what_the_viewer_may_see(
    demo_gateway: Gateway, council: Council
) -> None:
    tags = ["api-fit-a", "api-fit-b", "api-fit-c"]
    for tag in tags:
        await ok(demo_gateway, FOLLOW, {"input": {"tag": tag}})
    try:
        mine = await ok(
            demo_gateway, "{ myFollows(kind: TAG, first: 1) { totalCount nodes { key } } }"
        )
        everything = await ok(
            demo_gateway, "{ myFollows(kind: TAG, first: 100) { nodes { key } } }"
        )
        assert mine["myFollows"]["totalCount"] == len(everything["myFollows"]["nodes"]) >= 3
    finally:
        for tag in tags:
            await ok(demo_gateway, UNFOLLOW, {"input": {"tag": tag}})

    # A feed counted by a viewer who may not read one of its documents leaves it out.
    feed = (
        "query($id: ID!) { person(id: $id) { activity(first: 100) { totalCount nodes { id } } } }"
    )
    planner = pid(council, PLANNER)
    for user in (PLANNER2, ACTOR):
        activity = (await ok(demo_gateway, feed, {"id": planner}, user=user))["person"]["activity"]
        assert activity["totalCount"] == len(activity["nodes"]), user
    seen_by_team = await ok(demo_gateway, feed, {"id": planner}, user=PLANNER2)
    seen_by_other = await ok(demo_gateway, feed, {"id": planner}, user=ACTOR)
    assert (
        seen_by_other["person"]["activity"]["totalCount"]
        < seen_by_team["person"]["activity"]["totalCount"]
    )  # priya commented on TEAM_DOC, which ACTOR may not read

    lists = """query($id: ID!, $doc: ID!) {
      notifications(first: 100) { totalCount nodes { id } }
      unread: notifications(first: 1, unreadOnly: true) { totalCount }
      unreadNotificationCount
      homeFeed(first: 100) { totalCount nodes { id } }
      tagFeed(tag: "local-plan", first: 100) { totalCount nodes { id } }
      document(id: $doc) { commentThread(first: 1) { totalCount } all: commentThread(first: 100) { nodes { id } }
        activity(first: 100) { totalCount nodes { id } } }
      person(id: $id) { followerCount followingCount followers(first: 1) { totalCount } following(first: 1) { totalCount }
        profileComments(first: 1) { totalCount } } }"""
    data = await ok(
        demo_gateway, lists, {"id": planner, "doc": global_id("Document", OPEN_DOC)}, user=PLANNER
    )
    assert data["notifications"]["totalCount"] == len(data["notifications"]["nodes"])
    assert data["unread"]["totalCount"] == data["unreadNotificationCount"]
    for feed_name in ("homeFeed", "tagFeed"):
        assert data[feed_name]["totalCount"] == len(data[feed_name]["nodes"]), feed_name
    document = data["document"]
    assert document["commentThread"]["totalCount"] == len(document["all"]["nodes"]) > 1
    assert document["activity"]["totalCount"] == len(document["activity"]["nodes"]) > 0
    person = data["person"]
    assert person["followers"]["totalCount"] == person["followerCount"]
    assert person["following"]["totalCount"] == person["followingCount"]
    assert person["profileComments"]["totalCount"] >= 0

    await ok(demo_gateway, "{ auditLog(first: 1) { totalCount } }", user=DATA_PROTECTION)
    audit = await ok(  # the read before was recorded
        demo_gateway,
        "{ auditLog(first: 0) { totalCount } all: auditLog(first: 100) { nodes { requestId } } }",
        user=DATA_PROTECTION,
    )
    total = audit["auditLog"]["totalCount"]
    assert total >= len(audit["all"]["nodes"]) > 0
    assert total == len(audit["all"]["nodes"]) or len(audit["all"]["nodes"]) == 100


async def _statements(gateway: Gateway, query: str) -> int:
    """The fewest social-store statements of three runs of ``query``: the background
    jobs (document sync, the change feeds) share the counter and may add to one run."""
    await ok(gateway, query)  # warm: the documents and the viewer's groups
    social = gateway.upstreams.social
    runs = []
    for _ in range(3):
        before = social.calls
        data = await ok(gateway, query)
        runs.append(social.calls - before)
        assert len(data["documents"]["nodes"]) == 20
    return min(runs)


async def test_counts_of_a_page_of_parents_are_batched(demo_gateway: Gateway) -> None:
    """Twenty documents' thread and feed counts cost one COUNT per connection kind; a
    count-only page (`first: 0`) reads no items."""
    counts = """{ documents(first: 20) { nodes { commentThread(first: 0) { totalCount }
      activity(first: 0) { totalCount } } } }"""
    data = await ok(demo_gateway, counts)
    assert all(n["commentThread"]["totalCount"] is not None for n in data["documents"]["nodes"])
    assert await _statements(demo_gateway, counts) == 2  # unbatched: 80; reading items: 42
    asked = """{ documents(first: 20) { nodes {
      commentThread(first: 0) { totalCount pageInfo { hasNextPage } }
      activity(first: 0) { pageInfo { hasNextPage } } } } }"""
    assert await _statements(demo_gateway, asked) <= 41  # hasNextPage asked: the probes read
    threads = await _statements(
        demo_gateway,
        "{ documents(first: 20) { nodes { commentThread(first: 1) { totalCount } } } }",
    )
    assert threads <= 3, threads  # the first pages in one read, one COUNT (unbatched: 40)


async def test_count_only_pages_still_say_whether_items_follow(demo_gateway: Gateway) -> None:
    """`first: 0` answers `hasNextPage` as a page of one would, for threads and feeds."""
    query = """{ documents(first: 20) { nodes { path
      zero: commentThread(first: 0) { totalCount pageInfo { hasNextPage endCursor } }
      one: commentThread(first: 1) { pageInfo { hasNextPage } edges { cursor } }
      feedZero: activity(first: 0) { totalCount pageInfo { hasNextPage } }
      feedOne: activity(first: 1) { edges { cursor } } } } }"""
    nodes = (await ok(demo_gateway, query))["documents"]["nodes"]
    assert any(n["zero"]["totalCount"] for n in nodes), "the demo has commented documents"
    assert any(not n["zero"]["totalCount"] for n in nodes), "and documents without comments"
    for n in nodes:
        assert n["zero"]["pageInfo"]["hasNextPage"] == bool(n["one"]["edges"]), n["path"]
        assert n["zero"]["pageInfo"]["hasNextPage"] == (n["zero"]["totalCount"] > 0), n["path"]
        assert n["zero"]["pageInfo"]["endCursor"] is None
        assert n["feedZero"]["pageInfo"]["hasNextPage"] == bool(n["feedOne"]["edges"]), n["path"]


async def test_feed_summaries_name_their_object(demo_gateway: Gateway, council: Council) -> None:
    group = (await ok(demo_gateway, '{ group(name: "Staff - Housing") { id } }'))["group"]
    await ok(demo_gateway, FOLLOW, {"input": {"targetId": group["id"]}}, user=OTHER)
    add = "mutation($input: AddCommentInput!) { addComment(input: $input) { __typename } }"
    profile = {"targetId": pid(council, PLANNER), "body": "Thanks for the planning advice"}
    await ok(demo_gateway, add, {"input": profile}, user=OTHER)
    try:
        feed = "query($id: ID!) { person(id: $id) { displayName activity(first: 10) { nodes { summary } } } }"
        person = (await ok(demo_gateway, feed, {"id": pid(council, OTHER)}))["person"]
        summaries = [n["summary"] for n in person["activity"]["nodes"]]
        name = person["displayName"]
        assert f"{name} followed group Staff - Housing" in summaries, summaries
        assert f"{name} commented on Priya Shah's profile" in summaries, summaries
    finally:
        await ok(demo_gateway, UNFOLLOW, {"input": {"targetId": group["id"]}}, user=OTHER)


async def test_a_failing_member_list_nulls_only_members(
    demo_gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The directory answers the group but fails listing its members (a real connector with
    one call made to fail): the group's name survives, the error is on `members`."""
    directory = demo_gateway.upstreams.directory

    async def failing(*_: Any, **__: Any) -> Any:
        raise DirectoryUnavailable("the directory stopped answering")

    query = '{ group(name: "Staff - Finance") { name members(first: 3) { totalCount } } }'
    await ok(demo_gateway, '{ group(name: "Staff - Finance") { name } }')  # the group is cached
    await demo_gateway.upstreams.cache.delete(
        "group-members", list(await _member_keys(demo_gateway))
    )
    monkeypatch.setattr(directory, "members_of", failing)
    try:
        body = await demo_gateway.query(query, user=ACTOR)
    finally:
        monkeypatch.undo()
    assert body["data"] == {"group": {"name": "Staff - Finance", "members": None}}, body
    [error] = body["errors"]
    assert error["path"] == ["group", "members"]
    assert error["extensions"]["code"] == "SOURCE_UNAVAILABLE"
    assert error["extensions"]["source"] == "directory"


async def _member_keys(gateway: Gateway) -> list[str]:
    from connectors.directory import normalise_dn

    found = await gateway.query('{ group(name: "Staff - Finance") { guid } }')
    group = await gateway.upstreams.directory.groups_by("guid", [found["data"]["group"]["guid"]])
    return [normalise_dn(g.dn) for g in group if g is not None]


async def test_refusals_are_logged_at_info_without_a_traceback(
    demo_gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    forbidden = await demo_gateway.query("{ moderationQueue { id } }", user=ACTOR)
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    bad = await demo_gateway.query("{ people(first: 1000) { totalCount } }", user=ACTOR)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    audit = await demo_gateway.query("{ auditLog { totalCount } }", user=ACTOR)
    assert audit["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    records = caplog.records
    assert not [r for r in records if r.levelno >= logging.WARNING], caplog.text
    assert not [r for r in records if r.exc_info or r.stack_info], caplog.text
    requests = [r.getMessage() for r in records if r.name == "townhall.requests"]
    assert len([m for m in requests if "errors=1" in m]) >= 3, requests
