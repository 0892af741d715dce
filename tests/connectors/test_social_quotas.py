"""The social store's write quotas on SQLite and PostgreSQL: comments per author per minute,
people one comment may notify (each once), one open report per reporter per item, and
the migration that brings an existing store under them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, func, insert, select

from connectors.social import (
    CommentLimits,
    CommentText,
    RateLimited,
    SocialStore,
    TooManyMentions,
)
from connectors.social.tables import (
    activity,
    comment_revisions,
    comments,
    mention_notices,
    notifications,
    reports,
)

MIGRATIONS = Path(__file__).resolve().parents[2] / "connectors" / "social" / "migrations"
QUOTA = CommentLimits(per_minute=3, mentions=2)


def said(body: str, *people: str) -> CommentText:
    return CommentText(body=body, mentioned=people, notify=people)


async def kinds_for(store: SocialStore, person: str) -> list[str]:
    return [n.kind for n in await store.notifications_for(person, before=None, limit=100)]


async def rows(store: SocialStore, table: object) -> int:
    async with store.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


async def test_a_fourth_comment_in_a_minute_is_refused_and_writes_nothing(
    store: SocialStore,
) -> None:
    await store.follow("fan", "person", "ann")
    first = await store.add_comment("ann", "person", "bob", said("one"), key="k1", limits=QUOTA)
    await store.add_comment("ann", "person", "bob", said("two"), limits=QUOTA)
    await store.add_comment(
        "ann", "person", "bob", said("a reply"), parent_id=first.id, limits=QUOTA
    )  # replies count too
    before = (
        await rows(store, comments),
        await rows(store, activity),
        await kinds_for(store, "fan"),
    )
    with pytest.raises(RateLimited) as refused:
        await store.add_comment("ann", "person", "bob", said("four @cat", "cat"), limits=QUOTA)
    assert refused.value.limit == 3 and 55 <= refused.value.retry_after <= 60
    after = (
        await rows(store, comments),
        await rows(store, activity),
        await kinds_for(store, "fan"),
    )
    assert after == before and await kinds_for(store, "cat") == []  # nothing written or sent
    # A retry of a comment already written is answered, not refused.
    again = await store.add_comment("ann", "person", "bob", said("one"), key="k1", limits=QUOTA)
    assert (again.id, again.replayed) == (first.id, True)
    # Edits do not count; another person still comments.
    await store.edit_comment("ann", first.id, said("one, edited"), limits=QUOTA)
    await store.add_comment("dan", "person", "bob", said("mine"), limits=QUOTA)
    # Without limits (the store's own callers: seeds, benchmarks) nothing is counted.
    await store.add_comment("ann", "person", "bob", said("unlimited"))


async def test_the_minute_slides_and_retry_after_says_when(store: SocialStore) -> None:
    now = datetime.now(UTC)
    for seconds in (200, 70, 61):  # outside the last minute
        await store.add_comment(
            "ann", "person", "p", said("old"), at=now - timedelta(seconds=seconds)
        )
    for seconds in (50, 20, 5):
        await store.add_comment(
            "ann", "person", "p", said("new"), at=now - timedelta(seconds=seconds)
        )
    with pytest.raises(RateLimited) as refused:
        await store.add_comment("ann", "person", "p", said("one too many"), limits=QUOTA)
    assert 9 <= refused.value.retry_after <= 11  # the comment of 50 s ago leaves the window
    quota = CommentLimits(per_minute=4)
    await store.add_comment("ann", "person", "p", said("fourth of four"), limits=quota)


async def test_concurrent_comments_by_one_author_never_pass_the_quota(
    store: SocialStore,
) -> None:
    limits = CommentLimits(per_minute=10)

    async def attempt(i: int) -> bool:
        try:
            await store.add_comment("burst", "person", "p", said(f"#{i}"), limits=limits)
        except RateLimited:
            return False
        return True

    results = await asyncio.gather(*(attempt(i) for i in range(25)))
    assert sum(results) == 10
    assert await store.comment_counts("person", ["p"]) == [10]


async def test_concurrent_retries_at_the_quota_answer_replayed(store: SocialStore) -> None:
    limits = CommentLimits(per_minute=2)
    await store.add_comment("ann", "person", "p", said("first"), limits=limits)
    results = await asyncio.gather(
        *(store.add_comment("ann", "person", "p", said("last"), key="r", limits=limits)
          for _ in range(6))
    )  # fmt: skip
    assert len({r.id for r in results}) == 1
    assert sorted(r.replayed for r in results) == [False] + [True] * 5


async def test_a_mention_taken_out_and_put_back_notifies_once(store: SocialStore) -> None:
    c = await store.add_comment("ann", "person", "p", said("@bob @cat", "bob", "cat"))
    await store.edit_comment("ann", c.id, said("@bob", "bob"))
    await store.edit_comment("ann", c.id, said("@bob @cat again", "bob", "cat"))
    await store.edit_comment("ann", c.id, said("@cat", "cat"))
    await store.edit_comment("ann", c.id, said("@bob @cat", "bob", "cat"))
    assert await kinds_for(store, "bob") == ["mention"]
    assert await kinds_for(store, "cat") == ["mention"]
    [(_tags, people)] = await store.comment_links([c.id])
    assert sorted(people) == ["bob", "cat"]  # what it mentions now is still shown
    # Racing edits that each add the same person tell them once.
    await asyncio.gather(
        *(store.edit_comment("ann", c.id, said(f"@dan {i}", "dan")) for i in range(8))
    )
    assert await kinds_for(store, "dan") == ["mention"]
    assert await kinds_for(store, "ann") == []  # never the author


async def test_a_comment_notifies_at_most_so_many_people_in_its_life(store: SocialStore) -> None:
    with pytest.raises(TooManyMentions) as refused:
        await store.add_comment("ann", "person", "p", said("x", "b", "c", "d"), limits=QUOTA)
    assert refused.value.limit == 2
    assert await rows(store, comments) == 0 and await kinds_for(store, "b") == []
    # The author's own mention is not counted; people who may not see the item are not.
    c = await store.add_comment(
        "ann", "person", "p",
        CommentText("@ann @b @c @hidden", mentioned=["ann", "b", "c", "hidden"],
                    notify=["ann", "b", "c"]),
        limits=QUOTA,
    )  # fmt: skip
    await store.edit_comment("ann", c.id, said("@b @c typo fixed", "b", "c"), limits=QUOTA)
    with pytest.raises(TooManyMentions):  # swapping a mention would tell a third person
        await store.edit_comment("ann", c.id, said("@b @d", "b", "d"), limits=QUOTA)
    [current] = await store.comments_by_id([c.id])
    assert current is not None and current.body == "@b @c typo fixed"  # the edit did not land
    assert await kinds_for(store, "d") == [] and await rows(store, comment_revisions) == 1
    await store.edit_comment("ann", c.id, said("@b only", "b"), limits=QUOTA)
    assert await kinds_for(store, "b") == ["mention"]


async def test_reporting_an_item_again_answers_the_open_report(store: SocialStore) -> None:
    c = await store.add_comment("ann", "person", "p", said("rude"))
    mods = ["mod1", "mod2"]
    first = await store.report("rep", "comment", c.id, "rude", moderators=mods)
    repeats = [
        await store.report("rep", "comment", c.id, f"still rude {i}", moderators=mods)
        for i in range(4)
    ]
    assert {(r.id, r.replayed) for r in repeats} == {(first.id, True)}
    assert (await store.reports_by_id([first.id]))[0].reason == "rude"  # type: ignore[union-attr]
    assert await kinds_for(store, "mod1") == ["report_filed"]
    assert await rows(store, reports) == 1
    # Someone else's report of it is theirs; a retry key given to a repeat answers it too.
    other = await store.report("rep2", "comment", c.id, "rude", moderators=mods)
    assert other.id != first.id and not other.replayed
    keyed = await store.report("rep", "comment", c.id, "again", key="r1", moderators=mods)
    assert keyed == (await store.report("rep", "comment", c.id, "x", key="r1"))
    assert keyed.id == first.id
    # Once decided, the item may be reported anew.
    assert await store.decide("mod1", first.id, "dismissed", None) == 2
    anew = await store.report("rep", "comment", c.id, "back again", moderators=mods)
    assert anew.id != first.id and not anew.replayed
    assert await kinds_for(store, "mod1") == ["report_filed"] * 3


async def test_racing_reports_file_one(store: SocialStore) -> None:
    c = await store.add_comment("ann", "person", "p", said("rude"))
    results = await asyncio.gather(
        *(store.report("rep", "comment", c.id, f"r{i}", moderators=["mod"]) for i in range(8))
    )
    assert len({r.id for r in results}) == 1
    assert sorted(r.replayed for r in results) == [False] + [True] * 7
    assert await rows(store, reports) == 1
    assert await kinds_for(store, "mod") == ["report_filed"]


def _upgrade(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_the_migration_settles_repeated_reports_and_remembers_mentions(
    social_url: str,
) -> None:
    store = SocialStore.open(social_url)
    try:
        async with store.engine.begin() as connection:
            await connection.run_sync(_upgrade, "0005")
        at = datetime.now(UTC)
        async with store.engine.begin() as connection:  # what 0005's code wrote
            await connection.execute(
                insert(comments).values(
                    id="c1", author="ann", target_kind="person", target="p", body="@bob rude",
                    created_at=at,
                )
            )  # fmt: skip
            event = await connection.scalar(
                insert(activity).values(
                    actor="ann", verb="commented", object_kind="comment", object_id="c1",
                    target_kind="person", target_id="p", audience="staff", created_at=at,
                ).returning(activity.c.id)
            )  # fmt: skip
            await connection.execute(
                insert(notifications).values(
                    recipient="bob", kind="mention", activity_id=event, actor="ann", created_at=at
                )
            )
            await connection.execute(
                insert(reports),
                [
                    {"id": f"r{i}", "reporter": "rep", "item_kind": "comment", "item_id": "c1",
                     "reason": "rude", "created_at": at + timedelta(seconds=i), "status": "open"}
                    for i in range(3)
                ] + [
                    {"id": "other", "reporter": "rep2", "item_kind": "comment", "item_id": "c1",
                     "reason": "rude", "created_at": at, "status": "open"},
                ],
            )  # fmt: skip
        async with store.engine.begin() as connection:
            await connection.run_sync(_upgrade, "head")
        found = await store.reports_by_id(["r0", "r1", "r2", "other"])
        assert [r.status for r in found if r] == ["open", "dismissed", "dismissed", "open"]
        assert found[1] and found[1].note and "first report" in found[1].note
        assert await rows(store, mention_notices) == 1  # bob, from his notification
        await store.edit_comment("ann", "c1", said("rude"))
        await store.edit_comment("ann", "c1", said("@bob rude", "bob"))
        assert await kinds_for(store, "bob") == ["mention"]
        again = await store.report("rep", "comment", "c1", "rude")
        assert (again.id, again.replayed) == ("r0", True)
    finally:
        await store.close()


async def test_the_quota_reads_the_author_index(store: SocialStore) -> None:
    """The quota's count never scans every comment: it reads (author, created_at)."""
    sql = (
        "SELECT created_at FROM comments WHERE author = 'ann' AND created_at > '2020-01-01' "
        "ORDER BY created_at DESC LIMIT 10"
    )
    async with store.engine.connect() as connection:
        if store.dialect == "postgresql":  # an empty table would be scanned whatever its indexes
            await connection.exec_driver_sql("SET enable_seqscan = off")
            plan = (await connection.exec_driver_sql("EXPLAIN " + sql)).all()
        else:
            plan = (await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)).all()
    assert "ix_comments_author" in " ".join(str(r) for r in plan), plan
