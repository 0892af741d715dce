"""Per-request DataLoaders over the social store: the raw reads the access gate judges.

Each batch is one SQL ``IN`` query. They are made per request (batching never
crosses viewers) and answer for any item, whoever asks: only ``gateway.scope``
reads them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from strawberry.dataloader import DataLoader

from connectors.social import (
    ActivityEvent,
    Comment,
    ProfileField,
    ProfileTag,
    Report,
    SocialStore,
)
from connectors.social.counts import ByDocument, StoreCounts
from schema.context import SharedLoader

V = TypeVar("V")


@dataclass(slots=True)
class StoreLoaders:
    comment: DataLoader[str, Comment | None]
    comment_links: DataLoader[str, tuple[list[str], list[str]]]  # (#tags, mentioned GUIDs)
    replies: DataLoader[str, list[Comment]]  # by parent comment id
    # the first page of a thread: (kind, target, first) -> its first top-level comments
    thread_start: DataLoader[tuple[str, str, int], list[Comment]]
    event: DataLoader[int, ActivityEvent | None]
    report: DataLoader[str, Report | None]
    reactions: DataLoader[tuple[str, str], dict[str, int]]  # (kind, target) -> counts
    my_reactions: DataLoader[tuple[str, str], set[str]]  # what the viewer gave
    profile_fields: DataLoader[str, dict[str, ProfileField]]
    profile_tags: DataLoader[tuple[str, str], list[ProfileTag]]  # (kind, person)
    # totalCount of lists, one COUNT per batch of parents (a page of people or documents)
    thread_count: DataLoader[tuple[str, str], int]  # top-level comments on (kind, target)
    person_feed_count: DataLoader[str, ByDocument]  # a person's feed items, per document
    document_feed_count: DataLoader[str, int]  # a document's feed items

    @classmethod
    def over(cls, store: SocialStore, viewer: str) -> StoreLoaders:
        def by_kind(
            fetch: Callable[[str, Sequence[str]], Awaitable[list[V]]],
        ) -> DataLoader[tuple[str, str], V]:
            async def batch(keys: list[tuple[str, str]]) -> list[V]:
                found: dict[tuple[str, str], V] = {}
                for kind in {k for k, _ in keys}:
                    targets = [t for k, t in keys if k == kind]
                    for target, value in zip(targets, await fetch(kind, targets), strict=True):
                        found[(kind, target)] = value
                return [found[k] for k in keys]

            return SharedLoader(load_fn=batch)

        async def my_reactions(kind: str, targets: Sequence[str]) -> list[set[str]]:
            return await store.reactions_by(viewer, kind, targets)

        async def comments(ids: list[str]) -> list[Comment | None]:
            return await store.comments_by_id(ids)

        async def links(ids: list[str]) -> list[tuple[list[str], list[str]]]:
            return await store.comment_links(ids)

        async def replies(ids: list[str]) -> list[list[Comment]]:
            return await store.replies(ids)

        async def thread_starts(keys: list[tuple[str, str, int]]) -> list[list[Comment]]:
            found: dict[tuple[str, str, int], list[Comment]] = {}
            for kind, first in {(k, f) for k, _, f in keys}:
                targets = [t for k, t, f in keys if (k, f) == (kind, first)]
                pages = await store.thread_starts(kind, targets, first=first)
                found.update({(kind, t, first): p for t, p in zip(targets, pages, strict=True)})
            return [found[k] for k in keys]

        async def events(ids: list[int]) -> list[ActivityEvent | None]:
            return await store.events_by_id(ids)

        async def reports(ids: list[str]) -> list[Report | None]:
            return await store.reports_by_id(ids)

        async def fields(people: list[str]) -> list[dict[str, ProfileField]]:
            return await store.profile_fields_of(people)

        counts = StoreCounts(store)

        async def person_feeds(people: list[str]) -> list[ByDocument]:
            return await counts.person_feeds(people)

        async def document_feeds(paths: list[str]) -> list[int]:
            return await counts.document_feeds(paths)

        return cls(
            comment=SharedLoader(load_fn=comments),
            comment_links=SharedLoader(load_fn=links),
            replies=SharedLoader(load_fn=replies),
            thread_start=SharedLoader(load_fn=thread_starts),
            event=SharedLoader(load_fn=events),
            report=SharedLoader(load_fn=reports),
            reactions=by_kind(store.reaction_counts),
            my_reactions=by_kind(my_reactions),
            profile_fields=SharedLoader(load_fn=fields),
            profile_tags=by_kind(store.profile_tags_of),
            thread_count=by_kind(counts.thread_counts),
            person_feed_count=SharedLoader(load_fn=person_feeds),
            document_feed_count=SharedLoader(load_fn=document_feeds),
        )
