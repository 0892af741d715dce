"""The social store on SQLite and PostgreSQL: migrations, follows, comments, reactions,
retry keys and concurrent writers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

import connectors.social.digests  # noqa: F401  (its tables join the metadata compared below)
from connectors.social import (
    CommentText,
    ItemNotFound,
    KeyReused,
    NotAuthor,
    SocialStore,
)
from connectors.social.tables import metadata, notifications


@pytest.fixture
async def store(social_url: str) -> AsyncIterator[SocialStore]:
    social = SocialStore.open(social_url)
    await social.migrate()
    await social.migrate()  # migrating twice is harmless
    yield social
    await social.close()


def text(body: str, **kwargs: list[str]) -> CommentText:
    return CommentText(body=body, **kwargs)  # type: ignore[arg-type]


async def kinds_for(store: SocialStore, person: str) -> list[str]:
    return [n.kind for n in await store.notifications_for(person, before=None, limit=100)]


async def test_migrations_build_exactly_the_tables(store: SocialStore) -> None:
    def diff(connection: object) -> list[object]:
        context = MigrationContext.configure(connection)  # type: ignore[arg-type]
        return list(compare_metadata(context, metadata))

    async with store.engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_follow_is_idempotent_and_counted(store: SocialStore) -> None:
    assert await store.follow("a", "person", "b") is True
    assert await store.follow("a", "person", "b") is False
    assert await store.follow("c", "person", "b") is True
    assert await store.follower_counts("person", ["b", "a", "zz"]) == [2, 0, 0]
    assert await store.following_counts("person", ["a", "b"]) == [1, 0]
    assert await store.followed_by("a", "person", ["b", "c"]) == {"b"}
    assert await kinds_for(store, "b") == ["new_follower", "new_follower"]
    assert await store.unfollow("a", "person", "b") is True
    assert await store.unfollow("a", "person", "b") is False
    assert await store.follower_counts("person", ["b"]) == [1]


async def test_follow_listeners_hear_committed_changes_only(store: SocialStore) -> None:
    heard: list[tuple[str, str, str]] = []

    async def listen(follower: str, kind: str, target: str) -> None:
        heard.append((follower, kind, target))

    async def broken(follower: str, kind: str, target: str) -> None:
        raise ConnectionError("cache down")

    store.follow_listeners += [broken, listen]
    assert await store.follow("ann", "person", "bob")
    # Switching notify is a change, but no count changed: listeners hear nothing of it.
    assert await store.follow("ann", "person", "bob", notify=False)
    assert not await store.follow("ann", "person", "bob", notify=False)
    assert await store.unfollow("ann", "person", "bob")
    assert not await store.unfollow("ann", "person", "bob")
    assert heard == [("ann", "person", "bob")] * 2  # a broken listener stops nobody
    assert await store.follower_counts("person", ["bob"]) == [0]


async def test_notify_is_a_separate_choice_per_follow(store: SocialStore) -> None:
    await store.follow("quiet", "document", "Planning/plan.md", notify=False)
    await store.follow("loud", "document", "Planning/plan.md")
    assert await store.follow_choices("quiet", "document", ["Planning/plan.md"]) == {
        "Planning/plan.md": False
    }
    await store.follow("quiet", "document", "Planning/plan.md")  # re-follow keeps the choice
    assert (await store.follow_choices("quiet", "document", ["Planning/plan.md"]))[
        "Planning/plan.md"
    ] is False
    await store.record_document_change("Planning/plan.md", "editor")
    assert await kinds_for(store, "loud") == ["document_changed"]
    assert await kinds_for(store, "quiet") == []
    assert await store.set_follow_notify("quiet", "document", "Planning/plan.md", True) is True
    assert await store.set_follow_notify("nobody", "document", "Planning/plan.md", True) is False
    await store.add_comment("writer", "document", "Planning/plan.md", text("see #budget"))
    assert await kinds_for(store, "quiet") == ["followed_activity"]


async def test_unknown_kinds_are_refused(store: SocialStore) -> None:
    with pytest.raises(ValueError):
        await store.follow("a", "planet", "b")
    with pytest.raises(ValueError):
        await store.add_comment("a", "group", "g", text("hi"))


async def test_keyset_pages_are_stable_when_new_follows_arrive(store: SocialStore) -> None:
    for i in range(10):
        await store.follow(f"p{i}", "person", "star")
    page1 = await store.followers("person", "star", first=4)
    await store.follow("late", "person", "star")  # arrives between pages
    page2 = await store.followers("person", "star", first=4, after=page1[-1].id)
    page3 = await store.followers("person", "star", first=4, after=page2[-1].id)
    seen = [f.follower for f in page1 + page2 + page3]
    assert seen == [f"p{i}" for i in range(9, -1, -1)]


async def test_threads_replies_edits_and_soft_deletes(store: SocialStore) -> None:
    doc = "Planning/local-plan.md"
    top = await store.add_comment("ann", "document", doc, text("<script>x()</script> first"))
    reply = await store.add_comment("bob", "document", doc, text("a reply"), parent_id=top.id)
    with pytest.raises(ItemNotFound):  # a parent must be on the same item
        await store.add_comment("bob", "document", "Other/x.md", text("no"), parent_id=top.id)
    with pytest.raises(NotAuthor):
        await store.edit_comment("bob", top.id, text("rewritten by bob"))
    await store.edit_comment("ann", top.id, text("second version"))
    await store.edit_comment("mod", top.id, text("third, by a moderator"), moderator=True)
    [history1, history2] = await store.revisions(top.id)
    assert history1.body == "<script>x()</script> first"  # stored exactly as written
    assert (history2.body, history2.replaced_by) == ("second version", "mod")
    assert await kinds_for(store, "ann") == ["reply"]

    with pytest.raises(NotAuthor):
        await store.delete_comment("bob", top.id)
    assert await store.delete_comment("ann", top.id) is True
    assert await store.delete_comment("ann", top.id) is False
    with pytest.raises(ItemNotFound):
        await store.edit_comment("ann", top.id, text("too late"))
    [shown] = await store.thread("document", doc, first=10)
    assert shown.id == top.id and shown.deleted_at is not None  # the thread keeps its shape
    [[child]] = await store.replies([top.id])
    assert child.id == reply.id
    assert await store.comment_counts("document", [doc]) == [1]
    assert [c.id for c in await store.comments_on("document", doc, limit=10)] == [reply.id]


async def test_thread_pages_by_time_and_id(store: SocialStore) -> None:
    ids = [(await store.add_comment("a", "person", "p", text(f"c{i}"))).id for i in range(5)]
    page1 = await store.thread("person", "p", first=2)
    page2 = await store.thread("person", "p", first=2, after=(page1[-1].created_at, page1[-1].id))
    page3 = await store.thread("person", "p", first=2, after=(page2[-1].created_at, page2[-1].id))
    assert [c.id for c in page1 + page2 + page3] == ids


async def test_first_pages_of_many_threads_in_one_read(store: SocialStore) -> None:
    """``thread_starts`` answers as ``thread`` without a cursor would, per target."""
    for target, n in (("p", 4), ("q", 1), ("r", 3)):
        for i in range(n):
            await store.add_comment("a", "person", target, text(f"{target}{i}"))
    written = await store.add_comment("a", "person", "q", text("top"))
    await store.add_comment("b", "person", "q", text("reply"), parent_id=written.id)
    await store.add_comment("a", "document", "p", text("another kind"))
    targets = ["r", "none", "p", "q"]
    before = store.calls
    pages = await store.thread_starts("person", targets, first=3)
    assert store.calls - before == 1
    for target, page in zip(targets, pages, strict=True):
        expected = await store.thread("person", target, first=3)
        assert [c.id for c in page] == [c.id for c in expected], target
    assert [len(p) for p in pages] == [3, 0, 3, 2]  # a reply is not top-level


async def test_mentions_notify_only_those_who_may_see(store: SocialStore) -> None:
    await store.follow("fan", "person", "ann")
    await store.follow("quiet-fan", "person", "ann", notify=False)
    written = await store.add_comment(
        "ann", "document", "HR/x.md",
        text("@bob and @carol look", mentioned=["bob", "carol"], notify=["bob"]),
    )  # fmt: skip
    assert await kinds_for(store, "bob") == ["mention"]
    assert await kinds_for(store, "carol") == []  # may not read HR/x.md
    assert await kinds_for(store, "fan") == ["followed_activity"]
    assert await kinds_for(store, "quiet-fan") == []
    [note] = await store.notifications_for("bob", before=None, limit=5)
    assert note.document == "HR/x.md" and note.actor == "ann"
    # An edit notifies only people it newly mentions.
    await store.edit_comment(
        "ann", written.id, text("@bob @dan", mentioned=["bob", "dan"], notify=["bob", "dan"])
    )
    assert await kinds_for(store, "bob") == ["mention"]
    assert await kinds_for(store, "dan") == ["mention"]


async def test_retry_keys_make_writes_idempotent(store: SocialStore) -> None:
    first = await store.add_comment("ann", "person", "bob", text("hello"), key="k1")
    again = await store.add_comment("ann", "person", "bob", text("hello"), key="k1")
    assert (again.id, again.replayed, first.replayed) == (first.id, True, False)
    other = await store.add_comment("dan", "person", "bob", text("hello"), key="k1")
    assert other.id != first.id  # keys belong to their actor
    with pytest.raises(KeyReused):
        await store.report("ann", "comment", first.id, "spam", key="k1")
    assert await store.comment_counts("person", ["bob"]) == [2]

    await store.edit_comment("ann", first.id, text("hello!"), key="e1")
    replay = await store.edit_comment("ann", first.id, text("hello!"), key="e1")
    assert replay.replayed and len(await store.revisions(first.id)) == 1


async def test_concurrent_retries_of_one_write_store_it_once(store: SocialStore) -> None:
    results = await asyncio.gather(
        *(store.add_comment("ann", "person", "bob", text("once"), key="same") for _ in range(8))
    )
    assert len({r.id for r in results}) == 1
    assert sorted(r.replayed for r in results) == [False] + [True] * 7
    assert await store.comment_counts("person", ["bob"]) == [1]


async def test_sixteen_concurrent_writers_leave_consistent_counts(store: SocialStore) -> None:
    doc = "Finance/budget.md"

    async def writer(n: int) -> None:
        for i in range(5):
            await store.add_comment(f"w{n}", "document", doc, text(f"{n}-{i}"))

    await asyncio.gather(*(writer(n) for n in range(16)))
    assert await store.comment_counts("document", [doc]) == [80]
    assert len(await store.document_feed(doc, before=None, limit=200)) == 80


async def test_racing_likes_and_unlikes_leave_consistent_counts(store: SocialStore) -> None:
    c = await store.add_comment("ann", "person", "bob", text("react to me"))
    await asyncio.gather(*(store.react(f"p{i}", "comment", c.id, "like") for i in range(16)))
    assert await store.react("p0", "comment", c.id, "like") is False  # one of each per person
    assert await store.react("p0", "comment", c.id, "thanks") is True

    async def flip(i: int) -> None:
        for _ in range(3):
            await store.unreact(f"p{i}", "comment", c.id, "like")
            await store.react(f"p{i}", "comment", c.id, "like")
        if i % 2:
            await store.unreact(f"p{i}", "comment", c.id, "like")

    await asyncio.gather(*(flip(i) for i in range(16)), *(flip(i) for i in range(16)))
    [counts] = await store.reaction_counts("comment", [c.id])
    holders = [
        i for i in range(16) if "like" in (await store.reactions_by(f"p{i}", "comment", [c.id]))[0]
    ]
    assert counts == {"like": len(holders), "thanks": 1}
    assert set(holders) >= {i for i in range(16) if i % 2 == 0}
    with pytest.raises(ItemNotFound):
        await store.react("p1", "comment", "missing", "like")


async def test_concurrent_follows_leave_consistent_counts(store: SocialStore) -> None:
    results = await asyncio.gather(*(store.follow("racer", "person", "t") for _ in range(16)))
    assert sorted(results) == [False] * 15 + [True]
    assert await store.follower_counts("person", ["t"]) == [1]
    async with store.engine.connect() as connection:
        sent = await connection.scalar(select(func.count()).select_from(notifications))
    assert sent == 1  # one new follower, told once


async def test_seed_loads_once(store: SocialStore, tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        '{"follows": [{"follower": "a", "followee": "b", "created": "2026-01-01T00:00:00Z"}],'
        ' "documentFollows": [], "comments": [{"id": "c1", "author": "a", "path": "x/y.md",'
        ' "parent": null, "body": "<b>hi</b>", "created": "2026-01-02T00:00:00Z"},'
        ' {"id": "c2", "author": "b", "path": "x/y.md", "parent": "c1", "body": "yes",'
        ' "created": "2026-01-03T00:00:00Z"}]}'
    )
    assert await store.seed(seed) is True
    assert await store.seed(seed) is False
    assert await store.follower_counts("person", ["b"]) == [1]
    first, _ = await store.comments_on("document", "x/y.md", limit=10)
    assert first.body == "<b>hi</b>"  # stored as written
    assert first.document == "x/y.md"
    # Seeded comments are activity too, newest first, with their own times.
    feed = await store.document_feed("x/y.md", before=None, limit=10)
    assert [(e.actor, e.verb, e.object_id) for e in feed] == [
        ("b", "replied", "c2"),
        ("a", "commented", "c1"),
    ]
    assert feed[0].created_at.isoformat() == "2026-01-03T00:00:00+00:00"
