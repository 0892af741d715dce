"""Per-request DataLoaders over the social store: the raw reads the access gate judges.

Each batch is one SQL ``IN`` query. They are made per request (batching never
crosses viewers), each when first used, and answer for any item, whoever asks: only
``gateway.scope`` reads them. The batch functions are module functions given the store
(and the viewer) as arguments, so a request's loaders hold no reference cycle.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property, partial
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


class StoreLoaders:
    """One request's loaders over the social store, each made when first read."""

    def __init__(self, store: SocialStore, viewer: str) -> None:
        self.store = store
        self.viewer = viewer

    @cached_property
    def comment(self) -> DataLoader[str, Comment | None]:
        return SharedLoader(load_fn=partial(_comments, self.store))

    @cached_property
    def comment_links(self) -> DataLoader[str, tuple[list[str], list[str]]]:
        # (#tags, mentioned GUIDs)
        return SharedLoader(load_fn=partial(_links, self.store))

    @cached_property
    def replies(self) -> DataLoader[str, list[Comment]]:  # by parent comment id
        return SharedLoader(load_fn=partial(_replies, self.store))

    @cached_property
    def thread_start(self) -> DataLoader[tuple[str, str, int], list[Comment]]:
        # the first page of a thread: (kind, target, first) -> its first top-level comments
        return SharedLoader(load_fn=partial(_thread_starts, self.store))

    @cached_property
    def event(self) -> DataLoader[int, ActivityEvent | None]:
        return SharedLoader(load_fn=partial(_events, self.store))

    @cached_property
    def report(self) -> DataLoader[str, Report | None]:
        return SharedLoader(load_fn=partial(_reports, self.store))

    @cached_property
    def reactions(self) -> DataLoader[tuple[str, str], dict[str, int]]:  # (kind, target)
        return _by_kind(self.store.reaction_counts)

    @cached_property
    def my_reactions(self) -> DataLoader[tuple[str, str], set[str]]:  # what the viewer gave
        return _by_kind(partial(_my_reactions, self.store, self.viewer))

    @cached_property
    def profile_fields(self) -> DataLoader[str, dict[str, ProfileField]]:
        return SharedLoader(load_fn=partial(_fields, self.store))

    @cached_property
    def profile_tags(self) -> DataLoader[tuple[str, str], list[ProfileTag]]:  # (kind, person)
        return _by_kind(self.store.profile_tags_of)

    # totalCount of lists, one COUNT per batch of parents (a page of people or documents)
    @cached_property
    def thread_count(self) -> DataLoader[tuple[str, str], int]:  # top-level comments
        return _by_kind(StoreCounts(self.store).thread_counts)

    @cached_property
    def person_feed_count(self) -> DataLoader[str, ByDocument]:  # feed items, per document
        return SharedLoader(load_fn=StoreCounts(self.store).person_feeds)

    @cached_property
    def document_feed_count(self) -> DataLoader[str, int]:  # a document's feed items
        return SharedLoader(load_fn=StoreCounts(self.store).document_feeds)

    @classmethod
    def over(cls, store: SocialStore, viewer: str) -> StoreLoaders:
        return cls(store, viewer)


def _by_kind(
    fetch: Callable[[str, Sequence[str]], Awaitable[list[V]]],
) -> DataLoader[tuple[str, str], V]:
    """A loader of (kind, target) keys: one ``fetch`` per kind in a batch."""
    return SharedLoader(load_fn=partial(_batch_by_kind, fetch))


async def _batch_by_kind(
    fetch: Callable[[str, Sequence[str]], Awaitable[list[V]]], keys: list[tuple[str, str]]
) -> list[V]:
    found: dict[tuple[str, str], V] = {}
    for kind in {k for k, _ in keys}:
        targets = [t for k, t in keys if k == kind]
        for target, value in zip(targets, await fetch(kind, targets), strict=True):
            found[(kind, target)] = value
    return [found[k] for k in keys]


async def _my_reactions(
    store: SocialStore, viewer: str, kind: str, targets: Sequence[str]
) -> list[set[str]]:
    return await store.reactions_by(viewer, kind, targets)


async def _comments(store: SocialStore, ids: list[str]) -> list[Comment | None]:
    return await store.comments_by_id(ids)


async def _links(store: SocialStore, ids: list[str]) -> list[tuple[list[str], list[str]]]:
    return await store.comment_links(ids)


async def _replies(store: SocialStore, ids: list[str]) -> list[list[Comment]]:
    return await store.replies(ids)


async def _thread_starts(
    store: SocialStore, keys: list[tuple[str, str, int]]
) -> list[list[Comment]]:
    found: dict[tuple[str, str, int], list[Comment]] = {}
    for kind, first in {(k, f) for k, _, f in keys}:
        targets = [t for k, t, f in keys if (k, f) == (kind, first)]
        pages = await store.thread_starts(kind, targets, first=first)
        found.update({(kind, t, first): p for t, p in zip(targets, pages, strict=True)})
    return [found[k] for k in keys]


async def _events(store: SocialStore, ids: list[int]) -> list[ActivityEvent | None]:
    return await store.events_by_id(ids)


async def _reports(store: SocialStore, ids: list[str]) -> list[Report | None]:
    return await store.reports_by_id(ids)


async def _fields(store: SocialStore, people: list[str]) -> list[dict[str, ProfileField]]:
    return await store.profile_fields_of(people)
