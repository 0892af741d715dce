"""One person's data in the social store, on SQLite and PostgreSQL: a subject-access export
holds every row of theirs (counted table by table, independently), erasure leaves nothing
of theirs but the audit trail while others' threads keep their shape, erasing twice and a
dry run change nothing, and retention purges old deleted comments and finds leavers."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from connectors.social import CommentText, HRState, PersonState, SocialStore
from connectors.social.audit import AuditEntry
from connectors.social.erasure import ERASED, ERASED_BODY, FORMER_MEMBER, without_mentions_of
from connectors.social.privacy import SECTIONS, PersonalData

P = "0a3e5c6e-1111-4a4a-9b9b-00000000000p"  # the person asking (or being erased)
A, B, M = "alex-guid", "bea-guid", "mod-guid"
DOC = "Planning/Local Plan 2026.md"
P_TEXTS = ("My idea for the #ring-road", "My first idea", "Thanks @alex.morgan", "On my own")

# Each section, counted straight from the tables with the person as :p.
COUNTS = {
    "profile_fields": "SELECT COUNT(*) FROM profile_fields WHERE person = :p",
    "profile_tags": "SELECT COUNT(*) FROM profile_tags WHERE person = :p",
    "endorsements_given": "SELECT COUNT(*) FROM endorsements WHERE endorser = :p",
    "endorsements_received": "SELECT COUNT(*) FROM endorsements WHERE person = :p",
    "comments": "SELECT COUNT(*) FROM comments WHERE author = :p",
    "comment_revisions": "SELECT COUNT(*) FROM comment_revisions r JOIN comments c "
    "ON c.id = r.comment_id WHERE c.author = :p",
    "comments_on_profile": "SELECT COUNT(*) FROM comments WHERE target_kind = 'person' "
    "AND target = :p",
    "mentions": "SELECT COUNT(*) FROM mentions WHERE person = :p",
    "mention_notices": "SELECT COUNT(*) FROM mention_notices WHERE person = :p",
    "reactions": "SELECT COUNT(*) FROM reactions WHERE person = :p",
    "follows": "SELECT COUNT(*) FROM follows WHERE follower = :p",
    "followers": "SELECT COUNT(*) FROM follows WHERE target_kind = 'person' AND target = :p",
    "notifications": "SELECT COUNT(*) FROM notifications WHERE recipient = :p",
    "notifications_caused": "SELECT COUNT(*) FROM notifications WHERE actor = :p",
    "activity": "SELECT COUNT(*) FROM activity WHERE actor = :p",
    "activity_about": "SELECT COUNT(*) FROM activity WHERE actor <> :p AND ("
    "(object_kind IN ('person', 'profile') AND object_id = :p) "
    "OR (target_kind = 'person' AND target_id = :p))",
    "reports_filed": "SELECT COUNT(*) FROM reports WHERE reporter = :p",
    "reports_about": "SELECT COUNT(*) FROM reports r WHERE (r.item_kind = 'comment' AND "
    "r.item_id IN (SELECT id FROM comments WHERE author = :p)) OR (r.item_kind = 'activity' "
    "AND r.item_id IN (SELECT CAST(id AS VARCHAR) FROM activity WHERE actor = :p))",
    "reports_decided": "SELECT COUNT(*) FROM reports WHERE decided_by = :p",
    "comments_moderated": "SELECT COUNT(*) FROM comments WHERE deleted_by = :p AND author <> :p",
    "revisions_replaced": "SELECT COUNT(*) FROM comment_revisions r JOIN comments c "
    "ON c.id = r.comment_id WHERE r.replaced_by = :p AND c.author <> :p",
    "retry_keys": "SELECT COUNT(*) FROM idempotency_keys WHERE actor = :p",
    "directory_seen": "SELECT COUNT(*) FROM people_seen WHERE guid = :p",
    "hr_seen": "SELECT COUNT(*) FROM hr_seen WHERE guid = :p",
    "audit_about": "SELECT COUNT(*) FROM audit_log WHERE subject IN (:p, 'E1234')",
    "audit_by": "SELECT COUNT(*) FROM audit_log WHERE viewer = :p",
}


def said(body: str, *, mentioned: list[str] | None = None) -> CommentText:
    people = mentioned or []
    return CommentText(body=body, mentioned=people, notify=people)


async def populate(store: SocialStore) -> dict[str, str]:
    """P with a bit of everything, amid others' threads; the ids worth checking."""
    await store.observe_people(
        [PersonState(p, "Planning", "Officer", None, True) for p in (P, A, B)],
        source="directory", since=None, checkpoint="c1",
    )  # fmt: skip
    await store.set_profile_field(P, "about", "Roads and rail, @alex.morgan's deputy")
    await store.set_profile_tags(P, "skill", ["gis", "transport"])
    await store.set_profile_tags(A, "skill", ["budgets"])
    await store.endorse(A, P, "gis")
    await store.endorse(P, A, "budgets")
    for follower, kind, target in (
        (P, "person", A), (P, "document", DOC), (P, "tag", "ring-road"), (A, "person", P),
        (B, "person", P), (A, "person", B),
    ):  # fmt: skip
        await store.follow(follower, kind, target)
    top = (await store.add_comment(A, "document", DOC, said("Thoughts on chapter 3?"))).id
    reply = (
        await store.add_comment(
            P, "document", DOC, said(P_TEXTS[2], mentioned=[A]), parent_id=top, key="k-1"
        )
    ).id
    answer = (
        await store.add_comment(
            A, "document", DOC, said("Welcome @Priya.Shah. See you", mentioned=[P]),
            parent_id=reply,
        )
    ).id  # fmt: skip
    idea = (await store.add_comment(P, "document", DOC, said(P_TEXTS[1]))).id
    await store.edit_comment(P, idea, CommentText(P_TEXTS[0], tags=["ring-road"]))
    gone = (await store.add_comment(P, "document", DOC, said(P_TEXTS[3]))).id
    await store.delete_comment(P, gone)
    on_profile = (await store.add_comment(B, "person", P, said("Great talk today"))).id
    await store.add_comment(A, "person", P, said("Agreed!"), parent_id=on_profile)
    await store.react(P, "comment", top, "like")
    await store.react(A, "comment", idea, "insightful")
    await store.react(B, "comment", reply, "thanks")
    by_b = (await store.add_comment(B, "document", DOC, said("Off topic"))).id
    filed = (await store.report(P, "comment", by_b, "Off topic, says @bea.jones")).id
    await store.report(B, "comment", idea, "Not for @priya.shah to say", moderators=[M])
    # P moderates too: edits and deletes others' comments.
    await store.edit_comment(P, by_b, said("Off topic (edited)"), moderator=True)
    await store.decide(M, filed, "hidden", "Agreed")
    stray = (await store.add_comment(B, "document", DOC, said("Spam"))).id
    spam = (await store.report(A, "comment", stray, "Spam")).id
    await store.decide(P, spam, "dismissed", None)
    await store.delete_comment(P, stray, moderator=True)
    # Comments on P's activity item, and a reaction to it.
    events = await store.person_feed(P, before=None, limit=50)
    item = str(events[0].id)
    await store.add_comment(A, "activity", item, said("Nice one"))
    await store.react(B, "activity", item, "celebrate")
    await store.observe_people(
        [PersonState(P, "Planning", "Principal Officer", None, True)],
        source="directory", since="c1", checkpoint="c2",
    )  # fmt: skip
    for since, checkpoint, title in ((None, "h1", "Officer"), ("h1", "h2", "Principal")):
        await store.observe_hr(
            [HRState("E1234", title, "Planning", "Town Hall", True)],
            people={"E1234": P}, since=since, checkpoint=checkpoint,
        )  # fmt: skip
    await store.audit.append(
        [
            AuditEntry(A, P, "grade", "manager_chain", "read", "r1"),
            AuditEntry(B, "E1234", "hrRecordsWithoutAccount", "hr", "read", "r2"),
            AuditEntry(P, B, "grade", "hr", "read", "r3"),
        ]
    )
    return {"top": top, "reply": reply, "answer": answer, "idea": idea, "gone": gone}


async def counted(store: SocialStore, person: str) -> dict[str, int]:
    found = {}
    async with store.engine.connect() as connection:
        for name, query in COUNTS.items():
            found[name] = int((await connection.execute(text(query), {"p": person})).scalar() or 0)
    return found


async def snapshot(store: SocialStore) -> dict[str, list[Any]]:
    """Every row of every social table, to see that nothing changed."""
    tables = ["follows", "comments", "comment_revisions", "reactions", "item_tags", "mentions",
              "mention_notices", "activity", "notifications", "profile_fields", "profile_tags",
              "endorsements", "reports", "idempotency_keys", "people_seen", "audit_log"]  # fmt: skip
    found = {}
    async with store.engine.connect() as connection:
        for table in tables:
            rows = await connection.execute(text(f"SELECT * FROM {table}"))
            found[table] = sorted((tuple(str(v) for v in r) for r in rows), key=str)
    return found


async def test_the_export_holds_every_row_of_theirs(store: SocialStore) -> None:
    await populate(store)
    exported = await PersonalData(store).export(P, also_subjects=["E1234"])
    assert list(exported) == list(SECTIONS) == list(COUNTS)
    direct = await counted(store, P)
    assert {name: len(rows) for name, rows in exported.items()} == direct
    assert all(direct.values()), {k: v for k, v in direct.items() if not v}  # each one tested
    texts = {c["body"] for c in exported["comments"]}
    assert texts == {P_TEXTS[0], P_TEXTS[2], P_TEXTS[3]}
    assert {r["body"] for r in exported["comment_revisions"]} == {P_TEXTS[1]}
    assert next(c for c in exported["comments"] if c["body"] == P_TEXTS[0])["tags"] == ["ring-road"]
    json.dumps(exported)  # plain JSON values: times are ISO 8601 text
    assert exported["comments"][0]["created_at"].endswith("+00:00")


async def test_erasure_leaves_nothing_of_theirs_and_threads_keep_their_shape(
    store: SocialStore,
) -> None:
    ids = await populate(store)
    others_before = await counted(store, A)
    erased = await PersonalData(store).erase(P, account="priya.shah")
    assert not erased.dry_run and erased.changed > 0
    assert erased.changes["comments anonymised"] == 3  # on the document: kept
    after = await PersonalData(store).export(P, also_subjects=["E1234"])
    left = {name: rows for name, rows in after.items() if rows}
    assert set(left) == {"audit_about", "audit_by"}  # the record of what happened stays
    everything = json.dumps(await snapshot(store))
    for said_by_p in P_TEXTS:
        assert said_by_p not in everything
    assert "Roads and rail" not in everything and "priya.shah" not in everything.casefold()
    audit_only = json.dumps((await snapshot(store))["audit_log"])
    assert everything.count(P) == audit_only.count(P) > 0  # only in the audit trail
    # The thread on the document reads as before, less the person.
    [top] = await store.thread("document", DOC, first=1)
    [[reply]] = await store.replies([top.id])
    assert reply.id == ids["reply"] and (reply.author, reply.body) == (ERASED, ERASED_BODY)
    [[answer]] = await store.replies([reply.id])
    assert answer.body == f"Welcome {FORMER_MEMBER}. See you"
    assert (await store.comment_links([answer.id]))[0][1] == []  # no longer a mention
    assert await store.revisions(ids["idea"]) == []
    assert (await store.reaction_counts("comment", [ids["idea"]]))[0] == {"insightful": 1}
    # Others keep their own data: A's follow of B, A's comments, A's notifications of others.
    others_after = await counted(store, A)
    assert others_after["comments"] == others_before["comments"] - 2  # on P's profile and item
    assert others_after["follows"] == others_before["follows"] - 1  # A followed P
    assert await store.follower_counts("person", [B]) == [1]
    assert await store.audit.verify()


async def test_erasing_twice_and_a_dry_run_change_nothing(store: SocialStore) -> None:
    await populate(store)
    data = PersonalData(store)
    before = await snapshot(store)
    dry = await data.erase(P, account="priya.shah", dry_run=True)
    assert dry.dry_run and dry.changed > 0
    assert await snapshot(store) == before
    done = await data.erase(P, account="priya.shah")
    assert done.changes == dry.changes  # the dry run said exactly what it would do
    after = await snapshot(store)
    again = await data.erase(P, account="priya.shah")
    assert again.changes == {} and again.changed == 0
    assert await snapshot(store) == after


async def test_an_erased_persons_open_report_gives_way_to_another_erased_one(
    store: SocialStore,
) -> None:
    """One open report per reporter and item: two erased reporters of one item share a
    reporter, so the second erasure drops its report instead of failing."""
    item = (await store.add_comment(A, "document", DOC, said("Hmm"))).id
    await store.report(P, "comment", item, "one")
    await store.report(B, "comment", item, "two")
    data = PersonalData(store)
    await data.erase(P)
    second = await data.erase(B)
    assert second.changes.get("reports deleted") == 1
    open_reports = await store.open_reports(first=10)
    assert [(r.reporter, r.reason) for r in open_reports] == [(ERASED, "")]


async def test_retention_purges_old_deleted_comments_only(store: SocialStore) -> None:
    ids = await populate(store)
    data = PersonalData(store)
    nothing = await data.purge_deleted_comments(deleted_before=datetime.now(UTC) - timedelta(30))
    assert nothing.changes == {}
    later = datetime.now(UTC) + timedelta(seconds=1)
    dry = await data.purge_deleted_comments(deleted_before=later, dry_run=True)
    [gone] = await store.comments_by_id([ids["gone"]])
    assert gone is not None and gone.body == P_TEXTS[3]
    purged = await data.purge_deleted_comments(deleted_before=later)
    assert purged.changes == dry.changes
    assert purged.changes["comments purged"] == 2  # P's own, and the spam P deleted
    [gone] = await store.comments_by_id([ids["gone"]])
    assert gone is not None and gone.body == "" and gone.deleted_at is not None
    [live] = await store.comments_by_id([ids["idea"]])
    assert live is not None and live.body == P_TEXTS[0]  # not deleted: kept
    again = await data.purge_deleted_comments(deleted_before=later)
    assert again.changes == {}


async def test_leavers_are_found_by_when_they_left(store: SocialStore) -> None:
    def state(guid: str, active: bool = True) -> PersonState:
        return PersonState(guid, "Planning", "Officer", None, active)

    start = datetime(2026, 1, 5, tzinfo=UTC)
    await store.observe_people(
        [state(P), state(A), state(B), state(M, active=False)],
        source="directory", since=None, checkpoint="c1", at=start,
    )  # fmt: skip
    left = start + timedelta(days=10)
    await store.observe_people(
        [state(P, active=False), state(A, active=False)],
        source="directory", since="c1", checkpoint="c2", at=left,
    )  # fmt: skip
    # A came back, and left again later; M was gone before the feed's first reading.
    await store.observe_people([state(A)], source="directory", since="c2", checkpoint="c3",
                               at=left + timedelta(days=5))  # fmt: skip
    await store.observe_people([state(A, active=False)], source="directory", since="c3",
                               checkpoint="c4", at=left + timedelta(days=20))  # fmt: skip
    data = PersonalData(store)
    found = await data.leavers(left_before=left + timedelta(days=90, seconds=1))
    assert [(f.guid, f.left_at) for f in found] == [
        (M, start),
        (P, left),
        (A, left + timedelta(days=20)),
    ]
    assert [f.guid for f in await data.leavers(left_before=left + timedelta(days=1))] == [M, P]
    await data.erase(P)  # an erased leaver is done with
    assert P not in [f.guid for f in await data.leavers(left_before=left + timedelta(days=99))]


async def test_one_instance_of_many_claims_each_days_run(
    store: SocialStore, social_url: str
) -> None:
    others = [SocialStore.open(social_url) for _ in range(3)]
    try:
        claims = await asyncio.gather(
            *(PersonalData(s).claim_day("2026-07-01") for s in [store, *others])
        )
        assert sorted(won for won, _ in claims) == [False, False, False, True]
        data = PersonalData(store)
        assert await data.claim_day("2026-07-01") == (False, "2026-07-01")
        assert await data.claim_day("2026-06-30") == (False, "2026-07-01")  # never backwards
        assert await data.claim_day("2026-07-02") == (True, "2026-07-01")
        await data.release_day("2026-07-02", "2026-07-01")  # that run failed: give it back
        assert await data.last_day() == "2026-07-01"
        assert (await data.claim_day("2026-07-02"))[0] is True
    finally:
        for other in others:
            await other.close()


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("cc @priya.shah.", f"cc {FORMER_MEMBER}."),
        ("@PRIYA.SHAH and @priya.shahid", f"{FORMER_MEMBER} and @priya.shahid"),
        ("mail priya@priya.shah.example", "mail priya@priya.shah.example"),
        ("x@priya.shah", "x@priya.shah"),
    ],
)
def test_only_mentions_of_the_account_become_plain_words(written: str, expected: str) -> None:
    assert without_mentions_of(written, "priya.shah") == expected
