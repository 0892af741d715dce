"""The social layer end to end: HTTP through uvicorn, real scim2-server and wsgidav, the
social store on SQLite and on PostgreSQL (one gateway each)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from servers import Council
from servers.postgres import PostgresServer

from schema.ids import global_id
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import Gateway, base_settings, serve

OPEN_DOC = "Planning/Plans/Local Plan 2026.md"  # All Staff
TEAM_DOC = "Planning/Team/Building Control - Onboarding Checklist.md"  # Staff - Planning only
VIEWER, PLANNER, PLANNER2, MODERATOR = "alex.morgan", "priya.shah", "alice.iqbal", "sam.whitfield"

ADD = """
mutation Add($input: AddCommentInput!) {
  addComment(input: $input) {
    __typename
    ... on CommentSuccess {
      replayed comment { id bodyText bodyHtml state tags mentions { accountName } author { accountName } }
    }
    ... on InvalidInputError { field message }
    ... on NotFoundError { message }
  }
}
"""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def gateway(
    request: pytest.FixtureRequest,
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    settings = base_settings(council, scim_server, webdav_server, tmp_path_factory.mktemp("s"))
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres")
        settings.social.database_url = await server.create_database()
    async with serve(settings) as gateway:
        yield gateway


def guid(council: Council, account: str) -> str:
    return next(p["guid"] for p in council.people if p["sAMAccountName"] == account)


def pid(council: Council, account: str) -> str:
    return global_id("Person", guid(council, account))


async def ok(
    gateway: Gateway, query: str, variables: dict[str, Any] | None = None, *, user: str = VIEWER
) -> dict[str, Any]:
    body = await gateway.query(query, variables, user=user)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def comment(
    gateway: Gateway, target: str, text: str, *, user: str = VIEWER, **extra: Any
) -> dict[str, Any]:
    data = await ok(gateway, ADD, {"input": {"targetId": target, "body": text, **extra}}, user=user)
    result: dict[str, Any] = data["addComment"]
    return result


async def unread(gateway: Gateway, user: str) -> int:
    data = await ok(gateway, "{ unreadNotificationCount }", user=user)
    return int(data["unreadNotificationCount"])


async def test_comments_are_stored_as_written_and_rendered_safely(
    gateway: Gateway, council: Council
) -> None:
    text = '<script>alert("x")</script><img src=x onerror=alert(1)> see #Local-Plan, @priya.shah'
    result = await comment(gateway, global_id("Document", OPEN_DOC), text)
    assert result["__typename"] == "CommentSuccess"
    c = result["comment"]
    assert c["bodyText"] == text
    html = c["bodyHtml"]
    assert (
        "<script" not in html
        and "<img" not in html
        and "onerror=" not in html.replace("onerror=alert(1)&gt;", "")
    )
    assert "&lt;script&gt;" in html
    assert '<a class="tag" data-tag="local-plan">#Local-Plan</a>' in html
    assert '<a class="mention" data-account="priya.shah">@priya.shah</a>' in html
    assert (c["tags"], c["mentions"]) == (["local-plan"], [{"accountName": PLANNER}])
    follow = 'mutation { follow(input: {tag: "#Local Plan"}) { __typename } }'
    assert (await ok(gateway, follow, user=PLANNER2))["follow"][
        "__typename"
    ] == "FollowTargetSuccess"
    tag = await ok(
        gateway,
        '{ tag(name: "LOCAL-plan") { name followerCount viewerIsFollowing } }',
        user=PLANNER2,
    )
    assert tag["tag"] == {"name": "local-plan", "followerCount": 1, "viewerIsFollowing": True}
    data = await ok(
        gateway,
        "query($t: String!) { tagFeed(tag: $t) { nodes { verb comment { id } } } }",
        {"t": "local-plan"},
    )
    assert {"verb": "commented", "comment": {"id": c["id"]}} in data["tagFeed"]["nodes"]


async def test_mentions_notify_only_people_who_may_see_the_item(
    gateway: Gateway, council: Council
) -> None:
    before_viewer, before_planner = await unread(gateway, VIEWER), await unread(gateway, PLANNER2)
    result = await comment(
        gateway,
        global_id("Document", TEAM_DOC),
        "@alex.morgan @alice.iqbal please check",
        user=PLANNER,
    )
    assert result["__typename"] == "CommentSuccess"
    assert await unread(gateway, PLANNER2) == before_planner + 1
    assert await unread(gateway, VIEWER) == before_viewer  # may not open the team folder
    # ... and the document, its comments and its activity stay out of the viewer's reach.
    denied = await comment(gateway, global_id("Document", TEAM_DOC), "let me in")
    assert denied["__typename"] == "NotFoundError"
    data = await ok(
        gateway, "query($id: ID!) { comment(id: $id) { id } }", {"id": result["comment"]["id"]}
    )
    assert data["comment"] is None


async def test_retries_edits_history_and_who_may_change(gateway: Gateway, council: Council) -> None:
    target = pid(council, PLANNER)
    first = await comment(gateway, target, "Thanks for the help", clientMutationId="retry-1")
    again = await comment(gateway, target, "Thanks for the help", clientMutationId="retry-1")
    assert (again["replayed"], again["comment"]["id"]) == (True, first["comment"]["id"])
    cid = first["comment"]["id"]
    edit = """mutation($input: EditCommentInput!) { editComment(input: $input) {
      __typename ... on CommentSuccess { comment { bodyText editedAt revisions { bodyText } } }
      ... on NotAllowedError { message } } }"""
    denied = await ok(
        gateway, edit, {"input": {"commentId": cid, "body": "hijacked"}}, user=PLANNER
    )
    assert denied["editComment"]["__typename"] == "NotAllowedError"
    mine = await ok(gateway, edit, {"input": {"commentId": cid, "body": "Thanks a lot"}})
    assert mine["editComment"]["comment"]["revisions"] == [{"bodyText": "Thanks for the help"}]
    delete = """mutation($input: DeleteCommentInput!) { deleteComment(input: $input) {
      __typename ... on CommentSuccess { comment { state bodyText } } } }"""
    by_moderator = await ok(gateway, delete, {"input": {"commentId": cid}}, user=MODERATOR)
    assert by_moderator["deleteComment"]["comment"] == {"state": "DELETED", "bodyText": None}
    thread = await ok(
        gateway,
        "query($id: ID!) { node(id: $id) { ... on Person { profileComments { nodes { id state } } } } }",
        {"id": target},
    )
    assert {"id": cid, "state": "DELETED"} in thread["node"]["profileComments"]["nodes"]


async def test_input_limits_name_the_field(gateway: Gateway, council: Council) -> None:
    long = await comment(gateway, pid(council, PLANNER), "x" * 5001)
    assert (long["__typename"], long["field"]) == ("InvalidInputError", "body")
    tags = await comment(gateway, pid(council, PLANNER), " ".join(f"#t{i}" for i in range(11)))
    assert (tags["__typename"], tags["field"]) == ("InvalidInputError", "body")
    empty = await comment(gateway, pid(council, PLANNER), "   ")
    assert empty["field"] == "body"
    skills = await ok(
        gateway,
        "mutation($s: [String!]) { updateProfile(input: {skills: $s}) { __typename ... on InvalidInputError { field } } }",
        {"s": [f"skill {i}" for i in range(31)]},
    )
    assert skills["updateProfile"] == {"__typename": "InvalidInputError", "field": "skills"}


async def test_reactions_one_of_each_per_person(gateway: Gateway, council: Council) -> None:
    c = await comment(gateway, pid(council, PLANNER2), "Welcome!", user=PLANNER)
    react = """mutation($input: ReactInput!) { react(input: $input) {
      __typename ... on ReactionSuccess { changed reactions { kind count viewerReacted } } } }"""
    variables = {"input": {"itemId": c["comment"]["id"], "reaction": "THANKS"}}
    first = await ok(gateway, react, variables)
    again = await ok(gateway, react, variables)
    other = await ok(gateway, react, variables, user=PLANNER2)
    assert first["react"]["changed"] and not again["react"]["changed"]
    assert other["react"]["reactions"] == [{"kind": "THANKS", "count": 2, "viewerReacted": True}]


async def test_home_feed_aggregates_and_never_leaks(gateway: Gateway, council: Council) -> None:
    follow = "mutation($input: FollowInput!) { follow(input: $input) { __typename ... on FollowTargetSuccess { following notify } } }"
    followed = await ok(
        gateway, follow, {"input": {"targetId": pid(council, PLANNER), "notify": False}}
    )
    assert followed["follow"] == {
        "__typename": "FollowTargetSuccess",
        "following": True,
        "notify": False,
    }
    doc = "Planning/Plans/Local Plan 2026 Consultation Plan.html"
    await ok(gateway, follow, {"input": {"targetId": global_id("Document", doc)}})
    for user in (PLANNER, PLANNER2, MODERATOR):
        await comment(gateway, global_id("Document", doc), f"comment from {user}", user=user)
    secret = await comment(gateway, global_id("Document", TEAM_DOC), "team only", user=PLANNER)
    feed = await ok(
        gateway,
        "{ homeFeed(first: 10) { nodes { verb actorCount summary document { path } comment { id } } pageInfo { hasNextPage endCursor } } }",
    )
    nodes = feed["homeFeed"]["nodes"]
    grouped = next(n for n in nodes if n["document"] and n["document"]["path"] == doc)
    assert grouped["actorCount"] == 3
    assert grouped["summary"].endswith(
        "and 2 others commented on Local Plan 2026 Consultation Plan"
    )
    assert all(n["comment"] is None or n["comment"]["id"] != secret["comment"]["id"] for n in nodes)
    assert all(not n["document"] or n["document"]["path"] != TEAM_DOC for n in nodes)
    page = feed["homeFeed"]["pageInfo"]
    if page["hasNextPage"]:
        more = await ok(
            gateway,
            "query($a: String) { homeFeed(first: 10, after: $a) { nodes { summary } } }",
            {"a": page["endCursor"]},
        )
        assert more["homeFeed"]["nodes"] is not None


async def test_notifications_mark_read_and_digest(gateway: Gateway, council: Council) -> None:
    await comment(gateway, pid(council, MODERATOR), "@sam.whitfield hello", user=PLANNER2)
    data = await ok(
        gateway,
        "{ notifications(first: 5, unreadOnly: true) { nodes { id kind actor { accountName } } } notificationDigest { total unread byKind { kind count } } }",
        user=MODERATOR,
    )
    kinds = {n["kind"] for n in data["notifications"]["nodes"]}
    assert "MENTION" in kinds or "REPLY" in kinds
    assert data["notificationDigest"]["total"] >= 1
    ids = [n["id"] for n in data["notifications"]["nodes"]]
    mark = "mutation($input: MarkReadInput!) { markNotificationsRead(input: $input) { __typename ... on MarkReadSuccess { marked unreadCount } ... on InvalidInputError { field } } }"
    both = await ok(gateway, mark, {"input": {"ids": ids, "all": True}}, user=MODERATOR)
    assert both["markNotificationsRead"] == {"__typename": "InvalidInputError", "field": "ids"}
    marked = await ok(gateway, mark, {"input": {"ids": ids}}, user=MODERATOR)
    assert marked["markNotificationsRead"]["marked"] == len(ids)
    everything = await ok(gateway, mark, {"input": {"all": True}}, user=MODERATOR)
    assert everything["markNotificationsRead"]["unreadCount"] == 0


async def test_profiles_endorsements_and_experts(gateway: Gateway, council: Council) -> None:
    update = """mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { __typename
      ... on ProfileSuccess { person { profile { pronouns { value source changedAt } skills { name }
        workingPattern { source } jobTitle { value source } } } } } }"""
    data = await ok(
        gateway,
        update,
        {"input": {"pronouns": "she/her", "skills": ["GIS", "Spatial Data", "gis"]}},
        user=PLANNER2,
    )
    profile = data["updateProfile"]["person"]["profile"]
    assert profile["pronouns"]["source"] == "PERSON" and profile["pronouns"]["changedAt"]
    assert [s["name"] for s in profile["skills"]] == ["gis", "spatial-data"]
    assert profile["jobTitle"]["source"] == "DIRECTORY"
    endorse = "mutation($input: EndorseInput!) { endorseSkill(input: $input) { __typename ... on EndorseSuccess { changed } } }"
    result = await ok(
        gateway, endorse, {"input": {"personId": pid(council, PLANNER2), "skill": "gis"}}
    )
    assert result["endorseSkill"] == {"__typename": "EndorseSuccess", "changed": True}
    self_endorse = await ok(
        gateway,
        endorse,
        {"input": {"personId": pid(council, PLANNER2), "skill": "gis"}},
        user=PLANNER2,
    )
    assert self_endorse["endorseSkill"]["__typename"] == "NotAllowedError"
    experts = await ok(
        gateway,
        '{ experts(topic: "GIS", first: 10) { score person { accountName } reasons { kind detail } } }',
    )
    ranked = experts["experts"]
    assert ranked[0]["person"]["accountName"] == PLANNER2
    assert {r["kind"] for r in ranked[0]["reasons"]} >= {"DECLARED_SKILL", "ENDORSED"}
    titled = {
        e["person"]["accountName"]
        for e in ranked
        if any(r["kind"] == "JOB_TITLE" for r in e["reasons"])
    }
    assert {"liam.fletcher", "rukhsana.ali"} <= titled
    assert ranked == sorted(ranked, key=lambda e: -e["score"])


async def test_reports_moderators_hide_and_reporters_hear(
    gateway: Gateway, council: Council
) -> None:
    c = await comment(gateway, pid(council, PLANNER), "something rude", user=PLANNER2)
    report = "mutation($input: ReportInput!) { reportItem(input: $input) { __typename ... on ReportSuccess { report { id status } } } }"
    filed = await ok(gateway, report, {"input": {"itemId": c["comment"]["id"], "reason": "rude"}})
    report_id = filed["reportItem"]["report"]["id"]
    alerts = await ok(
        gateway,
        "{ notifications(first: 20) { nodes { kind actor { accountName } report { id reason } } } }",
        user=MODERATOR,
    )
    filed_alerts = [n for n in alerts["notifications"]["nodes"] if n["kind"] == "REPORT_FILED"]
    assert filed_alerts == [
        {"kind": "REPORT_FILED", "actor": None, "report": {"id": report_id, "reason": "rude"}}
    ]
    own = await ok(gateway, "{ notifications(first: 20) { nodes { kind } } }")
    assert {"kind": "REPORT_FILED"} not in own["notifications"]["nodes"]  # not the reporter
    queue = await gateway.query("{ moderationQueue { id } }", user=VIEWER)
    assert queue["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    visible = await ok(gateway, "{ moderationQueue { id reason } }", user=MODERATOR)
    assert {"id": report_id, "reason": "rude"} in visible["moderationQueue"]
    decide = "mutation($input: DecideReportInput!) { decideReport(input: $input) { __typename ... on DecideSuccess { settled report { status note } } } }"
    not_mod = await ok(gateway, decide, {"input": {"reportId": report_id, "outcome": "HIDE"}})
    assert not_mod["decideReport"]["__typename"] == "NotAllowedError"
    done = await ok(
        gateway,
        decide,
        {"input": {"reportId": report_id, "outcome": "HIDE", "note": "Removed"}},
        user=MODERATOR,
    )
    assert (
        done["decideReport"]["settled"] == 1
        and done["decideReport"]["report"]["status"] == "HIDDEN"
    )
    told = await ok(
        gateway, "{ notifications(first: 5) { nodes { kind report { status note } } } }"
    )
    assert {"kind": "REPORT_OUTCOME", "report": {"status": "HIDDEN", "note": "Removed"}} in told[
        "notifications"
    ]["nodes"]
    seen = await ok(
        gateway,
        "query($id: ID!) { comment(id: $id) { state bodyText } }",
        {"id": c["comment"]["id"]},
    )
    assert seen["comment"] == {"state": "HIDDEN", "bodyText": None}
    moderator_view = await ok(
        gateway,
        "query($id: ID!) { comment(id: $id) { bodyText } }",
        {"id": c["comment"]["id"]},
        user=MODERATOR,
    )
    assert moderator_view["comment"]["bodyText"] == "something rude"


async def test_followed_document_changes_reach_followers(
    gateway: Gateway, council: Council, webdav_server: WebDavServer
) -> None:
    from servers import WEBDAV_PASSWORD, WEBDAV_USER

    from townhall_demo.upstreams import proppatch_body

    path = f"Planning/Plans/Social Test {id(gateway)}.md"
    namespace = council.documents["namespace"]
    props = {"title": "Social Test Plan", "author": "priya.shah@northshire.test"}
    async with httpx.AsyncClient(
        base_url=webdav_server.url, auth=(WEBDAV_USER, WEBDAV_PASSWORD)
    ) as dav:

        async def write(body: str, editor: str) -> None:
            assert (await dav.put("/" + quote(path), content=body.encode())).status_code in (
                200,
                201,
                204,
            )
            patch = proppatch_body(namespace, {**props, "lastEditor": editor})
            response = await dav.request(
                "PROPPATCH",
                "/" + quote(path),
                content=patch,
                headers={"Content-Type": "application/xml"},
            )
            assert response.status_code == 207

        try:
            await write("first draft", "priya.shah@northshire.test")
            sync = gateway.upstreams.document_sync
            assert sync is not None
            await sync.poll()
            await gateway.clear_cache()
            follow = "mutation($input: FollowInput!) { follow(input: $input) { __typename } }"
            followed = await ok(
                gateway,
                follow,
                {"input": {"targetId": global_id("Document", path), "notify": True}},
            )
            assert followed["follow"]["__typename"] == "FollowTargetSuccess"
            before = await unread(gateway, VIEWER)
            await write("second draft, a little longer", "alice.iqbal@northshire.test")
            for _ in range(20):
                await sync.poll()
                if await unread(gateway, VIEWER) > before:
                    break
                await asyncio.sleep(0.3)
            data = await ok(
                gateway,
                "query($id: ID!) { document(id: $id) { activity(first: 5) { nodes { verb summary } } } notifications(first: 3) { nodes { kind actor { accountName } } } }",
                {"id": global_id("Document", path)},
            )
            assert {"kind": "DOCUMENT_CHANGED", "actor": {"accountName": PLANNER2}} in data[
                "notifications"
            ]["nodes"]
            verbs = [n["verb"] for n in data["document"]["activity"]["nodes"]]
            assert "updated" in verbs
        finally:
            await dav.delete("/" + quote(path))
            await gateway.clear_cache()


FOLLOW_RESULT = "__typename ... on FollowTargetSuccess { following changed } ... on NotFoundError { message } ... on InvalidInputError { field }"


async def test_following_a_group_brings_its_members_activity_home(
    gateway: Gateway, council: Council
) -> None:
    reader = "adam.cooke"  # Finance: nobody in Planning is on their team
    follow = f"mutation($input: FollowInput!) {{ follow(input: $input) {{ {FOLLOW_RESULT} }} }}"
    unfollow = f"mutation($input: FollowInput!) {{ unfollow(input: $input) {{ {FOLLOW_RESULT} }} }}"
    found = await ok(
        gateway,
        '{ group(name: "  staff -  planning ") { id guid name followerCount viewerIsFollowing members(first: 100) { totalCount nodes { accountName } } } }',
        user=reader,
    )
    group = found["group"]
    assert group["name"] == "Staff - Planning" and not group["viewerIsFollowing"]
    members = {n["accountName"] for n in group["members"]["nodes"]}
    assert {PLANNER, PLANNER2} <= members and reader not in members
    assert group["members"]["totalCount"] >= len(members)
    same = await ok(
        gateway, "query($id: ID!) { node(id: $id) { ... on Group { guid } } }", {"id": group["id"]}
    )
    assert same["node"] == {"guid": group["guid"]}
    mine = await ok(
        gateway,
        "query($id: ID!) { person(id: $id) { groups { name } } }",
        {"id": pid(council, PLANNER)},
    )
    assert "Staff - Planning" in {g["name"] for g in mine["person"]["groups"]}

    # Unknown or malformed groups are refused, and nothing is followed.
    for given, expected in (
        ({"groupId": "3f2504e0-4f89-11d3-9a0c-0305e82c3301"}, "NotFoundError"),
        ({"groupId": "not a guid"}, "InvalidInputError"),
        ({"targetId": global_id("Group", "3f2504e0-4f89-11d3-9a0c-0305e82c3301")}, "NotFoundError"),
        ({"targetId": global_id("Group", "nope")}, "InvalidInputError"),
    ):
        refused = await ok(gateway, follow, {"input": given}, user=reader)
        assert refused["follow"]["__typename"] == expected, given
    assert (await ok(gateway, '{ group(name: "Staff - Planning") { followerCount } }'))[
        "group"
    ] == {"followerCount": 0}

    text = "Group-followed planners talk here"
    await comment(gateway, global_id("Document", OPEN_DOC), text, user=PLANNER2)
    feed = "{ homeFeed(first: 50) { nodes { verb actors(first: 10) { accountName } comment { bodyText } } } }"

    async def planner_comment_in_feed() -> bool:
        nodes = (await ok(gateway, feed, user=reader))["homeFeed"]["nodes"]
        return any((n["comment"] or {}).get("bodyText") == text for n in nodes)

    assert not await planner_comment_in_feed()
    followed = await ok(gateway, follow, {"input": {"targetId": group["id"]}}, user=reader)
    assert followed["follow"] == {
        "__typename": "FollowTargetSuccess",
        "following": True,
        "changed": True,
    }
    again = await ok(gateway, follow, {"input": {"groupId": group["guid"].upper()}}, user=reader)
    assert again["follow"]["changed"] is False  # the same group, however it is named
    now = await ok(
        gateway,
        '{ group(name: "Staff - Planning") { followerCount viewerIsFollowing } }',
        user=reader,
    )
    assert now["group"] == {"followerCount": 1, "viewerIsFollowing": True}
    assert await planner_comment_in_feed()

    # The follow notifies (a new follow does, unless asked not to): members' comments arrive.
    told = "{ notifications(first: 20) { nodes { kind activity { comment { bodyText } } } } }"
    await comment(gateway, global_id("Document", OPEN_DOC), "A member speaks", user=PLANNER2)
    heard = (await ok(gateway, told, user=reader))["notifications"]["nodes"]
    assert {
        "kind": "FOLLOWED_ACTIVITY",
        "activity": {"comment": {"bodyText": "A member speaks"}},
    } in heard
    quiet = {"input": {"groupId": group["guid"], "notify": False}}
    # Switching notify off is a change; asking again is not.
    assert (await ok(gateway, follow, quiet, user=reader))["follow"]["changed"] is True
    assert (await ok(gateway, follow, quiet, user=reader))["follow"]["changed"] is False
    await comment(gateway, global_id("Document", OPEN_DOC), "Heard by none", user=PLANNER2)
    heard = (await ok(gateway, told, user=reader))["notifications"]["nodes"]
    assert all(
        ((n["activity"] or {}).get("comment") or {}).get("bodyText") != "Heard by none"
        for n in heard
    )

    stopped = await ok(gateway, unfollow, {"input": {"groupId": group["guid"]}}, user=reader)
    assert stopped["unfollow"] == {
        "__typename": "FollowTargetSuccess",
        "following": False,
        "changed": True,
    }
    assert not await planner_comment_in_feed()


async def test_group_lookups_refuse_bad_input(gateway: Gateway) -> None:
    for query in (
        "{ group { name } }",
        '{ group(id: "R3JvdXA6eA", name: "x") { name } }',
        '{ group(name: "   ") { name } }',
        '{ group(id: "not-an-id") { name } }',
    ):
        body = await gateway.query(query, user=VIEWER)
        assert (
            body["data"]["group"] is None
            and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        ), query
    missing = await ok(gateway, '{ group(name: "No Such Group") { name } }')
    assert missing["group"] is None


async def test_my_follows_lists_each_kind_with_its_notify_choice(
    gateway: Gateway, council: Council
) -> None:
    user = "aled.llewellyn"
    follow = f"mutation($input: FollowInput!) {{ follow(input: $input) {{ {FOLLOW_RESULT} }} }}"
    group = (await ok(gateway, '{ group(name: "Staff - Finance") { id name } }'))["group"]
    wanted = [
        {"targetId": pid(council, PLANNER), "notify": False},
        {"targetId": pid(council, PLANNER2)},
        {"targetId": global_id("Document", OPEN_DOC)},
        {"targetId": group["id"]},
        {"tag": "#Budget", "notify": False},
    ]
    for given in wanted:
        assert (await ok(gateway, follow, {"input": given}, user=user))["follow"]["following"]
    query = """query($kind: FollowKind!, $after: String) { myFollows(kind: $kind, first: 1, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { kind key notify person { accountName } document { path } group { name } tag { name } } } }"""

    async def listed(kind: str) -> list[dict[str, Any]]:
        nodes: list[dict[str, Any]] = []
        after = None
        while True:
            page = (await ok(gateway, query, {"kind": kind, "after": after}, user=user))[
                "myFollows"
            ]
            nodes += page["nodes"]
            if not page["pageInfo"]["hasNextPage"]:
                return nodes
            after = page["pageInfo"]["endCursor"]

    people = await listed("PERSON")
    newest = [(n["person"]["accountName"], n["notify"]) for n in people][:2]  # then the seed's
    assert newest == [(PLANNER2, True), (PLANNER, False)]
    assert people[1]["key"] == pid(council, PLANNER)  # what unfollow takes
    [document] = await listed("DOCUMENT")
    assert document["document"] == {"path": OPEN_DOC} and document["key"] == global_id(
        "Document", OPEN_DOC
    )
    [followed_group] = await listed("GROUP")
    assert (
        followed_group["group"] == {"name": "Staff - Finance"}
        and followed_group["key"] == group["id"]
    )
    [tag] = await listed("TAG")
    assert tag["tag"] == {"name": "budget"} and tag["key"] == "budget" and tag["notify"] is False
    nobody = await ok(gateway, "{ myFollows(kind: GROUP) { nodes { key } } }", user="alan.thompson")
    assert nobody["myFollows"]["nodes"] == []
