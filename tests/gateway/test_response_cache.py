"""The response cache, end to end: answers of registered queries are shared by viewers of
one access class and never across classes; writes and change feeds are seen at once;
errors and mutations are never served from it.

Against a gateway of its own (the demo's upstreams, documents read from a folder copy so a
test can change one), every request sent over HTTP with the registered operations' exact
texts (the typed client's), hits counted from ``/metrics``.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from pydantic import SecretStr
from servers import Council
from servers.oidc import AUDIENCE, ISSUER, claims, public_pem, rsa_key, sign

from gateway.response_operations import classify, is_personal_field
from gateway.trusted import TrustedDocuments, document_hash
from gateway.widgets import WIDGET_OPERATIONS
from schema.ids import global_id
from townhall_demo.upstreams import ScimServer, WebDavServer

from .conftest import Gateway, base_settings, serve

# Two social workers in Adult Social Care (one access class) and a revenues officer.
CARER, COLLEAGUE, OUTSIDER = "aaron.wilkinson", "abena.harris", "abigail.hill"
# Groups that change answers beyond the folder map (HR, data protection, moderators, ...).
ROLES = {
    "HR Confidential",
    "Data Protection Champions",
    "Townhall Moderators",
    "Senior Leadership Team",
}
TEAM = "Adult Social Care/Team"
REGISTRY = TrustedDocuments.load(WIDGET_OPERATIONS)


def registered(name: str) -> str:
    """The typed client's text of a registered operation, exactly as it sends it."""
    [op] = [o for o in REGISTRY.operations() if o.name == name and o.source == "townhall_client"]
    return op.document


@pytest.fixture(scope="module")
async def gateway(
    council: Council,
    scim_server: ScimServer,
    webdav_server: WebDavServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Gateway]:
    tmp = tmp_path_factory.mktemp("responses")
    settings = base_settings(council, scim_server, webdav_server, tmp)
    shutil.copytree(council.documents_root, tmp / "share")
    settings.documents.source = "folder"
    settings.documents.folder = tmp / "share"
    settings.documents.metadata_file = council.root / "documents.json"
    settings.cache.responses = True
    settings.cache.responses_ttl = 600  # only events may end an entry during a test
    async with serve(settings) as served:
        sync = served.upstreams.document_sync
        assert sync is not None
        await asyncio.wait_for(sync.ready.wait(), 60)
        yield served


async def ask(
    gateway: Gateway, name: str, variables: dict[str, Any], user: str, *, by_hash: bool = False
) -> dict[str, Any]:
    text = registered(name)
    body: dict[str, Any] = {"variables": variables}
    if by_hash:
        body["extensions"] = {"persistedQuery": {"version": 1, "sha256Hash": document_hash(text)}}
    else:
        body["query"] = text
    async with gateway.client(user) as client:
        response = await client.post("/graphql", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def hits(gateway: Gateway) -> int:
    async with gateway.client() as client:
        text = (await client.get("/metrics")).text
    found = re.search(
        r'^townhall_response_cache_lookups_total\{result="hit"\} ([\d.e+]+)$', text, re.M
    )
    return int(float(found.group(1))) if found else 0


async def groups(gateway: Gateway, user: str) -> set[str]:
    answer = await gateway.query("{ me { groups { name } } }", user=user)
    return {g["name"] for g in answer["data"]["me"]["groups"]}


def test_operations_that_read_the_viewer_are_cached_per_viewer() -> None:
    by_name = {
        op.name: classify(op.sha256, op.name, op.document)
        for op in REGISTRY.operations()
        if op.source == "townhall_client"
    }
    assert by_name["FolderDocuments"].query and not by_name["FolderDocuments"].personal
    assert by_name["SearchDocuments"].query and not by_name["SearchDocuments"].personal
    for personal in ("Me", "HomeFeed", "Notifications", "MyFollows", "PersonCard", "TagInfo"):
        assert by_name[personal].personal, personal
    assert by_name["AddComment"].mutation and not by_name["AddComment"].query
    assert all(is_personal_field(f) for f in ("viewerIsFollowing", "myReactions", "me", "grade"))
    assert not any(is_personal_field(f) for f in ("mail", "viewers", "myriad", "title"))


async def test_viewers_whose_access_differs_never_share_an_answer(gateway: Gateway) -> None:
    assert "Staff - Adult Social Care" in await groups(gateway, CARER)
    assert "Staff - Adult Social Care" not in await groups(gateway, OUTSIDER)
    variables = {"folder": TEAM, "first": 5}
    for by_hash in (False, True):  # the text, then the hash alone: one entry either way
        inside = await ask(gateway, "FolderDocuments", variables, CARER, by_hash=by_hash)
        outside = await ask(gateway, "FolderDocuments", variables, OUTSIDER, by_hash=by_hash)
        assert inside["data"]["documents"]["totalCount"] > 0
        assert all(n["path"].startswith(TEAM) for n in inside["data"]["documents"]["nodes"])
        assert outside["data"]["documents"] == {
            "totalCount": 0,
            "pageInfo": {"hasNextPage": False, "endCursor": None},
            "nodes": [],
        }
    # And the other way round: the outsider's empty answer first, then the team's.
    variables = {"folder": TEAM, "first": 3}
    outside = await ask(gateway, "FolderDocuments", variables, OUTSIDER)
    inside = await ask(gateway, "FolderDocuments", variables, CARER)
    assert outside["data"]["documents"]["totalCount"] == 0
    assert inside["data"]["documents"]["totalCount"] > 0


async def test_viewers_of_one_access_class_share_an_answer(gateway: Gateway) -> None:
    relevant = {"All Staff", "Staff - Adult Social Care"}
    assert relevant <= await groups(gateway, CARER)
    assert relevant <= await groups(gateway, COLLEAGUE)
    assert not ROLES & (await groups(gateway, CARER) | await groups(gateway, COLLEAGUE))
    variables = {"folder": TEAM, "first": 4}
    first = await ask(gateway, "FolderDocuments", variables, CARER)
    before = await hits(gateway)
    second = await ask(gateway, "FolderDocuments", variables, COLLEAGUE)
    assert await hits(gateway) == before + 1
    assert second == first
    # Other variables are another entry.
    other = await ask(gateway, "FolderDocuments", {"folder": TEAM, "first": 1}, COLLEAGUE)
    assert await hits(gateway) == before + 1
    assert len(other["data"]["documents"]["nodes"]) == 1


async def test_a_data_protection_champion_is_another_class(gateway: Gateway) -> None:
    champion = "abena.oyelaran"  # in Adult Social Care too, and a data-protection champion
    assert "Data Protection Champions" in await groups(gateway, champion)
    variables = {"folder": TEAM, "first": 2}
    first = await ask(gateway, "FolderDocuments", variables, CARER)
    before = await hits(gateway)
    assert await ask(gateway, "FolderDocuments", variables, champion) == first
    assert await hits(gateway) == before  # same answer, built again: not shared


async def test_a_personal_operation_is_kept_per_viewer(gateway: Gateway) -> None:
    me = await ask(gateway, "Me", {}, CARER)
    before = await hits(gateway)
    colleague = await ask(gateway, "Me", {}, COLLEAGUE)
    assert me["data"]["me"]["id"] != colleague["data"]["me"]["id"]
    assert await ask(gateway, "Me", {}, CARER) == me
    assert await hits(gateway) == before + 1


async def team_document(gateway: Gateway) -> str:
    answer = await ask(gateway, "FolderDocuments", {"folder": TEAM, "first": 1}, CARER)
    path: str = answer["data"]["documents"]["nodes"][0]["path"]
    return path


async def test_a_comment_is_seen_at_once_by_its_writer_and_by_others(gateway: Gateway) -> None:
    path = await team_document(gateway)
    title = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    search = {"query": title, "first": 5}

    def count(answer: dict[str, Any]) -> int:
        [node] = [n for n in answer["data"]["searchDocuments"]["nodes"] if n["path"] == path]
        return int(node["commentCount"])

    thread = {"id": global_id("Document", path), "first": 50}
    before = count(await ask(gateway, "SearchDocuments", search, CARER))
    assert count(await ask(gateway, "SearchDocuments", search, COLLEAGUE)) == before
    old_thread = await ask(gateway, "CommentThread", thread, COLLEAGUE)
    written = await ask(
        gateway,
        "AddComment",
        {"input": {"targetId": global_id("Document", path), "body": "Cache check: seen at once"}},
        CARER,
    )
    assert written["data"]["addComment"]["__typename"] == "CommentSuccess", written
    assert count(await ask(gateway, "SearchDocuments", search, CARER)) == before + 1
    assert count(await ask(gateway, "SearchDocuments", search, COLLEAGUE)) == before + 1
    new_thread = await ask(gateway, "CommentThread", thread, COLLEAGUE)
    bodies = [n["bodyText"] for n in new_thread["data"]["document"]["commentThread"]["nodes"]]
    assert "Cache check: seen at once" in bodies
    assert new_thread != old_thread


async def test_a_reaction_and_a_follow_are_seen_at_once(gateway: Gateway) -> None:
    path = await team_document(gateway)
    thread = {"id": global_id("Document", path), "first": 50}
    answer = await ask(gateway, "CommentThread", thread, COLLEAGUE)
    comment = answer["data"]["document"]["commentThread"]["nodes"][0]
    assert await ask(gateway, "CommentThread", thread, COLLEAGUE) == answer  # cached
    reacted = await ask(
        gateway, "React", {"input": {"itemId": comment["id"], "reaction": "THANKS"}}, COLLEAGUE
    )
    assert reacted["data"]["react"]["__typename"] == "ReactionSuccess", reacted
    after = await ask(gateway, "CommentThread", thread, COLLEAGUE)
    [node] = [
        n for n in after["data"]["document"]["commentThread"]["nodes"] if n["id"] == comment["id"]
    ]
    thanks = {r["kind"]: r for r in node["reactions"]}["THANKS"]
    assert thanks["viewerReacted"] is True

    me = await ask(gateway, "Me", {}, OUTSIDER)
    card = {"id": me["data"]["me"]["id"]}
    followers = (await ask(gateway, "PersonCard", card, CARER))["data"]["person"]["followerCount"]
    seen_by_other = await ask(gateway, "PersonCard", card, COLLEAGUE)
    assert seen_by_other["data"]["person"]["followerCount"] == followers
    followed = await ask(gateway, "FollowPerson", card, CARER)
    assert followed["data"]["followPerson"]["__typename"] == "FollowSuccess", followed
    mine = (await ask(gateway, "PersonCard", card, CARER))["data"]["person"]
    assert (mine["followerCount"], mine["viewerIsFollowing"]) == (followers + 1, True)
    theirs = (await ask(gateway, "PersonCard", card, COLLEAGUE))["data"]["person"]
    assert (theirs["followerCount"], theirs["viewerIsFollowing"]) == (followers + 1, False)
    await ask(gateway, "UnfollowPerson", card, CARER)


async def test_a_document_the_sync_drops_is_gone_from_cached_answers(gateway: Gateway) -> None:
    sync = gateway.upstreams.document_sync
    assert sync is not None and gateway.settings.documents.folder is not None
    await sync.poll()  # settle anything left from earlier turns
    variables = {"folder": TEAM, "first": 50}
    before = await ask(gateway, "FolderDocuments", variables, CARER)
    assert await ask(gateway, "FolderDocuments", variables, CARER) == before  # cached
    paths = [n["path"] for n in before["data"]["documents"]["nodes"]]
    gone = paths[-1]
    (gateway.settings.documents.folder / gone).unlink()
    changes = await sync.poll()
    assert [(c.kind, c.path) for c in changes] == [("deleted", gone)]
    after = await ask(gateway, "FolderDocuments", variables, CARER)
    assert [n["path"] for n in after["data"]["documents"]["nodes"]] == paths[:-1]
    assert after["data"]["documents"]["totalCount"] == before["data"]["documents"]["totalCount"] - 1


async def test_errors_are_never_cached(gateway: Gateway) -> None:
    wrong = {"id": "not a global id"}
    before = await hits(gateway)
    for _ in range(3):
        answer = await ask(gateway, "PersonCard", wrong, CARER)
        assert answer["errors"], answer
    assert await hits(gateway) == before


async def test_mutations_are_never_cached(gateway: Gateway) -> None:
    me = await ask(gateway, "Me", {}, COLLEAGUE)
    target = {"id": me["data"]["me"]["id"]}
    first = await ask(gateway, "FollowPerson", target, OUTSIDER)
    second = await ask(gateway, "FollowPerson", target, OUTSIDER)
    assert first["data"]["followPerson"]["changed"] is True
    assert second["data"]["followPerson"]["changed"] is False  # run again, not replayed
    undone = await ask(gateway, "UnfollowPerson", target, OUTSIDER)
    assert undone["data"]["unfollowPerson"]["changed"] is True


async def test_a_profile_edit_is_seen_at_once_by_its_writer_and_by_others(
    gateway: Gateway,
) -> None:
    me = await ask(gateway, "Me", {}, OUTSIDER)
    profile = {"id": me["data"]["me"]["id"]}
    before = await ask(gateway, "ProfileOf", profile, COLLEAGUE)
    assert await ask(gateway, "ProfileOf", profile, COLLEAGUE) == before  # cached
    await ask(gateway, "ProfileOf", profile, OUTSIDER)
    about = "Revenues officer; ask me about business rates relief."
    edited = await ask(gateway, "UpdateProfile", {"input": {"about": about}}, OUTSIDER)
    assert edited["data"]["updateProfile"]["__typename"] == "ProfileSuccess", edited
    for viewer in (OUTSIDER, COLLEAGUE):
        seen = await ask(gateway, "ProfileOf", profile, viewer)
        assert seen["data"]["person"]["profile"]["about"]["value"] == about


async def test_marking_notifications_read_is_seen_at_once(gateway: Gateway) -> None:
    """A write that records no activity: the mutation itself ends the cached answers."""
    me = await ask(gateway, "Me", {}, COLLEAGUE)
    await ask(gateway, "FollowPerson", {"id": me["data"]["me"]["id"]}, CARER)  # notifies them
    unread = await ask(gateway, "Notifications", {"first": 5}, COLLEAGUE)
    assert unread["data"]["unreadNotificationCount"] > 0
    assert await ask(gateway, "Notifications", {"first": 5}, COLLEAGUE) == unread  # cached
    marked = await ask(gateway, "MarkNotificationsRead", {"input": {"all": True}}, COLLEAGUE)
    assert marked["data"]["markNotificationsRead"]["__typename"] == "MarkReadSuccess", marked
    after = await ask(gateway, "Notifications", {"first": 5}, COLLEAGUE)
    assert after["data"]["unreadNotificationCount"] == 0
    await ask(gateway, "UnfollowPerson", {"id": me["data"]["me"]["id"]}, CARER)


async def test_a_cached_answer_is_never_served_past_its_token(
    council: Council, scim_server: ScimServer, webdav_server: WebDavServer, tmp_path: Path
) -> None:
    key = rsa_key()
    settings = base_settings(council, scim_server, webdav_server, tmp_path)
    settings.auth.dev_sign_in = False
    settings.auth.jwt_public_key = SecretStr(public_pem(key))
    settings.auth.jwt_issuer = ISSUER
    settings.auth.jwt_audience = AUDIENCE
    settings.auth.leeway = 0
    settings.cache.responses_ttl = 600
    upn = next(p for p in council.people if p["sAMAccountName"] == CARER)["userPrincipalName"]
    body = {"query": registered("Me"), "variables": {}}
    async with serve(settings) as gateway, gateway.client() as client:
        sync = gateway.upstreams.document_sync
        assert sync is not None
        await asyncio.wait_for(sync.ready.wait(), 60)  # its first index ends every entry
        token = sign(key, "RS256", claims(lifetime=3, upn=upn))
        headers = {"Authorization": f"Bearer {token}"}
        first = await client.post("/graphql", json=body, headers=headers)
        before = await hits(gateway)
        second = await client.post("/graphql", json=body, headers=headers)
        assert second.status_code == first.status_code == 200, first.text
        assert second.json() == first.json()
        assert await hits(gateway) == before + 1  # answered without signing in again
        expiry = jwt.decode(token, options={"verify_signature": False})["exp"]
        await asyncio.sleep(max(0.0, expiry - time.time()) + 1.1)
        expired = await client.post("/graphql", json=body, headers=headers)
        assert expired.status_code == 401, expired.text
        assert expired.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        refused = await client.post("/graphql", json=body, headers={"Authorization": "Bearer x"})
        assert refused.status_code == 401
        assert await hits(gateway) == before + 1
