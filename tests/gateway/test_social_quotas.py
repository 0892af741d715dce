"""Write quotas end to end, through the demo gateway (uvicorn over HTTP, real scim2-server
and wsgidav) with its default limits: 10 comments a minute, 10 people mentioned."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from servers import Council

from schema.ids import global_id

from .conftest import Gateway

ADD = """mutation($input: AddCommentInput!) { addComment(input: $input) {
  __typename
  ... on CommentSuccess { replayed comment { id } }
  ... on RateLimitedError { message retryAfterSeconds }
  ... on InvalidInputError { field message } } }"""
EDIT = """mutation($input: EditCommentInput!) { editComment(input: $input) {
  __typename ... on InvalidInputError { field message } } }"""
REPORT = """mutation($input: ReportInput!) { reportItem(input: $input) {
  __typename ... on ReportSuccess { replayed report { id reason status } } } }"""
MODERATOR = "sam.whitfield"


def people(council: Council, prefix: str) -> list[str]:
    """Enabled accounts no other test uses (their notifications are this module's)."""
    return sorted(
        p["sAMAccountName"]
        for p in council.people
        if p["sAMAccountName"].startswith(prefix) and p["enabled"] and p["hasAd"]
    )


def pid(council: Council, account: str) -> str:
    return global_id(
        "Person", next(p["guid"] for p in council.people if p["sAMAccountName"] == account)
    )


async def ok(
    gateway: Gateway, query: str, variables: dict[str, Any] | None = None, *, user: str
) -> dict[str, Any]:
    body = await gateway.query(query, variables, user=user)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def add(gateway: Gateway, user: str, target: str, body: str, **extra: Any) -> dict[str, Any]:
    data = await ok(gateway, ADD, {"input": {"targetId": target, "body": body, **extra}}, user=user)
    result: dict[str, Any] = data["addComment"]
    return result


async def mentions_of(gateway: Gateway, user: str, comment_id: str | None = None) -> int:
    """``user``'s mention notifications (of one comment, or of any)."""
    data = await ok(
        gateway,
        "{ notifications(first: 100) { nodes { kind activity { comment { id } } } } }",
        user=user,
    )
    return sum(
        1
        for n in data["notifications"]["nodes"]
        if n["kind"] == "MENTION"
        and comment_id in (None, ((n["activity"] or {}).get("comment") or {}).get("id"))
    )


async def test_the_eleventh_comment_in_a_minute_is_refused_and_others_still_comment(
    demo_gateway: Gateway, council: Council, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="townhall.social")
    author, other = people(council, "aoife.")[:2]
    target = pid(council, author)  # their own profile: the burst notifies nobody
    started = time.monotonic()
    accepted = [await add(demo_gateway, author, target, f"note {i}", clientMutationId=f"q{i}")
                for i in range(10)]  # fmt: skip
    assert {a["__typename"] for a in accepted} == {"CommentSuccess"}
    refused = await add(demo_gateway, author, target, "one too many")
    elapsed = time.monotonic() - started
    assert refused["__typename"] == "RateLimitedError", refused
    assert 1 <= refused["retryAfterSeconds"] <= 60
    assert "10 comments a minute" in refused["message"]
    thread = await ok(
        demo_gateway,
        "query($id: ID!) { person(id: $id) { profileComments(first: 50) { nodes { bodyText } } } }",
        {"id": target},
        user=other,
    )
    bodies = [n["bodyText"] for n in thread["person"]["profileComments"]["nodes"]]
    assert bodies == [f"note {i}" for i in range(10)]  # the refused one was not written
    # A retry of an accepted comment answers replayed, not refused; edits are not counted.
    retry = await add(demo_gateway, author, target, "note 0", clientMutationId="q0")
    assert (retry["__typename"], retry["replayed"]) == ("CommentSuccess", True)
    assert retry["comment"]["id"] == accepted[0]["comment"]["id"]
    edit = {"input": {"commentId": accepted[1]["comment"]["id"], "body": "note 1, edited"}}
    edited = await ok(demo_gateway, EDIT, edit, user=author)
    assert edited["editComment"]["__typename"] == "CommentSuccess"
    # Someone else is not held by another person's quota.
    theirs = await add(demo_gateway, other, target, "welcome")
    assert theirs["__typename"] == "CommentSuccess", theirs
    refusals = [r for r in caplog.records if "comment refused" in r.getMessage()]
    assert [(r.levelno, r.exc_info) for r in refusals] == [(logging.INFO, None)]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    print(f"11 comments in {elapsed:.2f} s")


async def test_mentions_are_limited_and_each_person_told_once(
    demo_gateway: Gateway, council: Council
) -> None:
    author, *named = people(council, "angharad.")[:1] + people(council, "amelia.")[:11]
    target = pid(council, author)
    crowd = " ".join(f"@{a}" for a in named)
    too_many = await add(demo_gateway, author, target, f"{crowd} look")
    assert (too_many["__typename"], too_many["field"]) == ("InvalidInputError", "body")
    assert "at most 10 people" in too_many["message"]
    assert await mentions_of(demo_gateway, named[0]) == 0  # nothing written, nobody told
    first, second = named[:2]
    c = await add(demo_gateway, author, target, f"@{first} @{second} see this")
    comment_id = c["comment"]["id"]
    for body in (f"@{first} only", f"@{first} and @{second} again", f"@{second}", "nobody"):
        result = await ok(
            demo_gateway, EDIT, {"input": {"commentId": comment_id, "body": body}}, user=author
        )
        assert result["editComment"]["__typename"] == "CommentSuccess"
    assert await mentions_of(demo_gateway, first, comment_id) == 1
    assert await mentions_of(demo_gateway, second, comment_id) == 1
    # Over its edits a comment tells at most 10 people: the eleventh is refused.
    ten = " ".join(f"@{a}" for a in named[:10])
    assert (await ok(demo_gateway, EDIT, {"input": {"commentId": comment_id, "body": ten}},
                     user=author))["editComment"]["__typename"] == "CommentSuccess"  # fmt: skip
    swap = " ".join(f"@{a}" for a in named[1:11])
    refused = await ok(
        demo_gateway, EDIT, {"input": {"commentId": comment_id, "body": swap}}, user=author
    )
    assert refused["editComment"]["__typename"] == "InvalidInputError"
    assert refused["editComment"]["field"] == "body"
    assert await mentions_of(demo_gateway, named[10], comment_id) == 0


async def test_reporting_again_answers_the_open_report(
    demo_gateway: Gateway, council: Council
) -> None:
    author, reporter = people(council, "anthony.")[:2]
    c = await add(demo_gateway, author, pid(council, author), "something rude")
    item = {"itemId": c["comment"]["id"]}
    results = [
        (await ok(demo_gateway, REPORT, {"input": {**item, "reason": f"rude {i}"}}, user=reporter))[
            "reportItem"
        ]
        for i in range(5)
    ]
    assert [r["replayed"] for r in results] == [False, True, True, True, True]
    assert {r["report"]["id"] for r in results} == {results[0]["report"]["id"]}
    assert results[-1]["report"] == {"id": results[0]["report"]["id"], "reason": "rude 0",
                                     "status": "OPEN"}  # fmt: skip
    told = await ok(
        demo_gateway, "{ notifications(first: 100) { nodes { kind report { id } } } }",
        user=MODERATOR,
    )  # fmt: skip
    filed = [
        n for n in told["notifications"]["nodes"]
        if n["kind"] == "REPORT_FILED" and n["report"]["id"] == results[0]["report"]["id"]
    ]  # fmt: skip
    assert len(filed) == 1
    mine = await ok(demo_gateway, "{ myReports(first: 50) { id } }", user=reporter)
    assert mine["myReports"] == [{"id": results[0]["report"]["id"]}]
