"""The social store on SQLite: follows, counts, keyset pages, races."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connectors.social import SocialStore


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SocialStore]:
    social = SocialStore.open(f"sqlite+aiosqlite:///{tmp_path / 'social.db'}")
    await social.migrate()
    await social.migrate()  # migrating twice is harmless
    yield social
    await social.close()


async def test_follow_is_idempotent_and_counted(store: SocialStore) -> None:
    assert await store.follow("a", "person", "b") is True
    assert await store.follow("a", "person", "b") is False
    assert await store.follow("c", "person", "b") is True
    assert await store.follower_counts("person", ["b", "a", "zz"]) == [2, 0, 0]
    assert await store.following_counts("person", ["a", "b"]) == [1, 0]
    assert await store.followed_by("a", "person", ["b", "c"]) == {"b"}
    assert await store.unfollow("a", "person", "b") is True
    assert await store.unfollow("a", "person", "b") is False
    assert await store.follower_counts("person", ["b"]) == [1]


async def test_unknown_target_kinds_are_refused(store: SocialStore) -> None:
    with pytest.raises(ValueError):
        await store.follow("a", "planet", "b")


async def test_keyset_pages_are_stable_when_new_follows_arrive(store: SocialStore) -> None:
    for i in range(10):
        await store.follow(f"p{i}", "person", "star")
    page1 = await store.followers("person", "star", first=4)
    await store.follow("late", "person", "star")  # arrives between pages
    page2 = await store.followers("person", "star", first=4, after=page1[-1].id)
    page3 = await store.followers("person", "star", first=4, after=page2[-1].id)
    seen = [f.follower for f in page1 + page2 + page3]
    assert seen == [f"p{i}" for i in range(9, -1, -1)]


async def test_concurrent_follows_leave_consistent_counts(store: SocialStore) -> None:
    results = await asyncio.gather(*(store.follow("racer", "person", "t") for _ in range(16)))
    assert sorted(results) == [False] * 15 + [True]
    assert await store.follower_counts("person", ["t"]) == [1]


async def test_seed_loads_once(store: SocialStore, tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        '{"follows": [{"follower": "a", "followee": "b", "created": "2026-01-01T00:00:00Z"}],'
        ' "documentFollows": [], "comments": [{"id": "c1", "author": "a", "path": "x/y.md",'
        ' "parent": null, "body": "<b>hi</b>", "created": "2026-01-02T00:00:00Z"}]}'
    )
    assert await store.seed(seed) is True
    assert await store.seed(seed) is False
    assert await store.follower_counts("person", ["b"]) == [1]
    [comment] = await store.comments_on("document", "x/y.md", limit=10)
    assert comment.body == "<b>hi</b>"  # stored as written
