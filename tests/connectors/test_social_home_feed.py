"""The home feed past one index scan per source, on SQLite and PostgreSQL: the pages are
exactly the newest events the viewer's sources match, whichever way the store reads them."""

from __future__ import annotations

import random

from connectors.social import Event, SocialStore
from connectors.social.activity import _MAX_BRANCHES, FEED_VERBS


async def test_home_feed_pages_are_the_newest_matching_events(store: SocialStore) -> None:
    """More followed people, documents and tags than the feed scans one by one (the rest
    are read together); hidden verbs, the viewer's own events and unfollowed sources stay
    out; paging by the last id yields every match once, newest first."""
    rng = random.Random(14)
    people = [f"p{i:02d}" for i in range(_MAX_BRANCHES + 20)]
    followed = people[: _MAX_BRANCHES + 5]
    team = people[_MAX_BRANCHES:]
    documents = [f"D/{i:02d}.md" for i in range(_MAX_BRANCHES + 10)]
    tags = [f"t{i:02d}" for i in range(_MAX_BRANCHES + 10)]
    for follow_kind, names in (("person", followed), ("document", documents), ("tag", tags)):
        for target in names:
            await store.follow("me", follow_kind, target)
    await store.follow("me", "group", "g1")

    matching: list[int] = []
    for i in range(240):
        actor = rng.choice([*people, "stranger", "me"])
        verb = rng.choice(["commented", "updated", "edited"])  # "edited" makes no feed
        document = rng.choice([*documents, f"Other/{i}.md"])
        tag = rng.choice([*tags, "other"])
        targets: list[tuple[str | None, str | None]] = [
            (None, None), ("person", rng.choice(people)), ("group", "g1"), ("group", "g2")
        ]  # fmt: skip
        kind, target_id = rng.choice(targets)
        event_id = await store.record(
            Event(actor, verb, "document", document, kind, target_id, document=document, tags=[tag])
        )
        sources = (
            actor in followed or actor in team,
            kind == "person" and target_id in followed,
            (kind, target_id) == ("group", "g1"),
            document in documents,
            tag in tags,
        )
        if actor != "me" and verb in FEED_VERBS and any(sources):
            matching.append(event_id)
    newest = sorted(matching, reverse=True)
    assert len(newest) > 100  # enough for several pages, and some events left out

    first = await store.home_feed("me", team, before=None, limit=40)
    assert [e.id for e in first] == newest[:40]
    seen: list[int] = []
    before = None
    while page := await store.home_feed("me", team, before=before, limit=7):
        seen += [e.id for e in page]
        before = page[-1].id
    assert seen == newest
