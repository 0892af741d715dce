"""The social store's change listeners, on SQLite and PostgreSQL: after each commit they
hear exactly what it wrote (comments with their target, notifications with their
recipient, activity events, documents changed), checked against the rows in the store;
a write that is refused or rolled back tells no one; a failing listener never fails the
write, and is logged once per run of failures."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from connectors.social import CommentText, NotAuthor, PersonState, SocialStore
from connectors.social.changes import CommentChange, StoreChanges
from connectors.social.privacy import PersonalData
from connectors.social.tables import activity, notifications

DOC = "Planning/Plans/Local Plan 2026.md"


class Heard:
    """A listener keeping every ``StoreChanges`` it is told."""

    def __init__(self, store: SocialStore) -> None:
        self.changes: list[StoreChanges] = []
        store.change_listeners.append(self)

    async def __call__(self, changes: StoreChanges) -> None:
        self.changes.append(changes)

    def take(self) -> list[StoreChanges]:
        taken, self.changes = self.changes, []
        return taken


async def newest_events(store: SocialStore, count: int) -> list[int]:
    async with store.engine.connect() as connection:
        rows = await connection.execute(select(activity.c.id).order_by(activity.c.id.desc()))
        return sorted(r[0] for r in list(rows)[:count])


async def notification_rows(store: SocialStore, ids: list[int]) -> list[tuple[int, str]]:
    async with store.engine.connect() as connection:
        rows = await connection.execute(
            select(notifications.c.id, notifications.c.recipient)
            .where(notifications.c.id.in_(ids))
            .order_by(notifications.c.id)
        )
        return [(r[0], r[1]) for r in rows]


async def test_comment_writes_tell_their_comment_event_and_notifications(
    store: SocialStore,
) -> None:
    heard = Heard(store)
    await store.follow("fan", "document", DOC)
    await store.follow("watcher", "person", "ann")
    heard.take()
    written = await store.add_comment(
        "ann", "document", DOC, CommentText("Hi @bob", mentioned=["bob"], notify=["bob"])
    )
    [added] = heard.take()
    assert added.comments == [CommentChange("added", written.id, "document", DOC)]
    assert added.events == await newest_events(store, 1)
    assert added.documents == []
    # bob mentioned, fan follows the document, watcher follows ann: one each, ids as stored
    assert sorted(r for _, r in added.notifications) == ["bob", "fan", "watcher"]
    assert sorted(added.notifications) == await notification_rows(
        store, [i for i, _ in added.notifications]
    )

    await store.edit_comment("ann", written.id, CommentText("Hi all"))
    [edited] = heard.take()
    assert edited.comments == [CommentChange("edited", written.id, "document", DOC)]
    assert edited.events == await newest_events(store, 1)
    assert edited.notifications == []

    reply = await store.add_comment(
        "bob", "document", DOC, CommentText("Thanks"), parent_id=written.id
    )
    [replied] = heard.take()
    assert replied.comments == [CommentChange("added", reply.id, "document", DOC)]
    assert sorted(r for _, r in replied.notifications) == ["ann", "fan"]

    assert await store.delete_comment("ann", written.id)
    [deleted] = heard.take()
    assert deleted.comments == [CommentChange("deleted", written.id, "document", DOC)]
    assert not await store.delete_comment("ann", written.id)  # already deleted: no write
    assert heard.take() == []


async def test_refused_replayed_and_rolled_back_writes_tell_no_one(store: SocialStore) -> None:
    heard = Heard(store)
    written = await store.add_comment("ann", "person", "bob", CommentText("x"), key="k1")
    assert [c.comments for c in heard.take()] == [
        [CommentChange("added", written.id, "person", "bob")]
    ]
    again = await store.add_comment("ann", "person", "bob", CommentText("x"), key="k1")
    assert again.replayed and heard.take() == []
    with pytest.raises(NotAuthor):
        await store.edit_comment("eve", written.id, CommentText("mine now"))
    assert heard.take() == []
    assert await store.follow("ann", "person", "bob")
    [followed] = heard.take()
    assert [r for _, r in followed.notifications] == ["bob"] and len(followed.events) == 1
    assert not await store.follow("ann", "person", "bob")  # nothing new: nothing told
    assert heard.take() == []
    erasure = await PersonalData(store).erase("ann", dry_run=True)
    assert erasure.dry_run and erasure.changes  # it did write, then rolled back
    assert heard.take() == []


async def test_every_feed_writer_tells_its_events(store: SocialStore) -> None:
    heard = Heard(store)
    assert await store.react("bob", "document", DOC, "like")
    await store.set_profile_tags("ann", "skill", ["gis"])
    assert await store.endorse("bob", "ann", "gis")
    assert await store.set_profile_field("ann", "about", "Planner")
    baseline = [PersonState("p1", "Planning", "Officer", "m1", True)]
    await store.observe_people(baseline, source="directory", since=None, checkpoint="1")
    moved = [PersonState("p1", "Housing", "Officer", "m1", True)]
    await store.observe_people(moved, source="directory", since="1", checkpoint="2")
    told = heard.take()
    events = [e for c in told for e in c.events]
    assert events == await newest_events(store, 5)  # react, skill, endorse, profile, moved
    endorsement = told[2].notifications
    assert [r for _, r in endorsement] == ["ann"]
    assert endorsement == await notification_rows(store, [i for i, _ in endorsement])
    assert all(not c.comments and not c.documents for c in told)


async def test_document_changes_tell_paths_events_and_followers(store: SocialStore) -> None:
    heard = Heard(store)
    await store.follow("fan", "document", DOC)
    heard.take()
    ids = await store.record_document_changes(
        [(DOC, "ed", "updated", None), ("Corporate/Budget.xlsx", "ed", "created", None)]
    )
    [told] = heard.take()
    assert told.documents == [DOC, "Corporate/Budget.xlsx"]
    assert told.events == ids
    assert [r for _, r in told.notifications] == ["fan"]


async def test_moderation_and_erasure_tell_the_comments_they_remove(store: SocialStore) -> None:
    heard = Heard(store)
    bad = await store.add_comment("eve", "document", DOC, CommentText("spam"))
    on_profile = await store.add_comment("bob", "person", "eve", CommentText("hello eve"))
    elsewhere = await store.add_comment("eve", "person", "bob", CommentText("hi bob"))
    heard.take()
    report = await store.report("bob", "comment", bad.id, "spam", moderators=["mod"])
    [filed] = heard.take()
    assert [r for _, r in filed.notifications] == ["mod"]
    assert await store.decide("mod", report.id, "hidden", None) == 1
    [decided] = heard.take()
    assert decided.comments == [CommentChange("deleted", bad.id, "document", DOC)]
    assert [r for _, r in decided.notifications] == ["bob"]

    await PersonalData(store).erase("eve")
    [erased] = heard.take()
    assert sorted(erased.comments, key=lambda c: c.comment_id) == sorted(
        [
            CommentChange("deleted", on_profile.id, "person", "eve"),  # their profile's thread
            CommentChange("edited", bad.id, "document", DOC),  # theirs: kept, text gone
            CommentChange("edited", elsewhere.id, "person", "bob"),
        ],
        key=lambda c: c.comment_id,
    )


async def test_a_failing_listener_never_fails_the_write_and_is_logged_once(
    store: SocialStore, caplog: pytest.LogCaptureFixture
) -> None:
    failing = True

    async def broken(changes: StoreChanges) -> None:
        if failing:
            raise ConnectionError("bus down")

    store.change_listeners.append(broken)
    heard = Heard(store)  # after the broken one: still told
    caplog.set_level(logging.INFO, logger="connectors.social.changes")
    first = await store.add_comment("ann", "person", "bob", CommentText("one"))
    second = await store.add_comment("ann", "person", "bob", CommentText("two"))
    assert [c.comments[0].comment_id for c in heard.take()] == [first.id, second.id]
    assert await store.comments_by_id([first.id, second.id]) != [None, None]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "ConnectionError" in warnings[0].getMessage()
    assert "bus down" not in warnings[0].getMessage()
    failing = False
    await store.add_comment("ann", "person", "bob", CommentText("three"))
    failing = True
    await store.add_comment("ann", "person", "bob", CommentText("four"))
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2  # a new run of failures is logged again
