"""Per-request DataLoaders over the social store, made on a request's first use.

Each batch is one SQL ``IN`` query; they live beside the request's other
loaders (``Loaders.social``), so batching never crosses viewers.
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

from .context import Info, SharedLoader

K = TypeVar("K")
V = TypeVar("V")


@dataclass(slots=True)
class SocialLoaders:
    comment: DataLoader[str, Comment | None]
    comment_links: DataLoader[str, tuple[list[str], list[str]]]  # (#tags, mentioned GUIDs)
    replies: DataLoader[str, list[Comment]]  # by parent comment id
    event: DataLoader[int, ActivityEvent | None]
    report: DataLoader[str, Report | None]
    reactions: DataLoader[tuple[str, str], dict[str, int]]  # (kind, target) -> counts
    my_reactions: DataLoader[tuple[str, str], set[str]]  # what the viewer gave
    profile_fields: DataLoader[str, dict[str, ProfileField]]
    skills: DataLoader[str, list[ProfileTag]]
    interests: DataLoader[str, list[ProfileTag]]
    ask_me_about: DataLoader[str, list[ProfileTag]]

    @classmethod
    def over(cls, store: SocialStore, viewer: str) -> SocialLoaders:
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

        def tags(kind: str) -> DataLoader[str, list[ProfileTag]]:
            async def batch(people: list[str]) -> list[list[ProfileTag]]:
                return await store.profile_tags_of(kind, people)

            return SharedLoader(load_fn=batch)

        async def my_reactions(kind: str, targets: Sequence[str]) -> list[set[str]]:
            return await store.reactions_by(viewer, kind, targets)

        async def comments(ids: list[str]) -> list[Comment | None]:
            return await store.comments_by_id(ids)

        async def links(ids: list[str]) -> list[tuple[list[str], list[str]]]:
            return await store.comment_links(ids)

        async def replies(ids: list[str]) -> list[list[Comment]]:
            return await store.replies(ids)

        async def events(ids: list[int]) -> list[ActivityEvent | None]:
            return await store.events_by_id(ids)

        async def reports(ids: list[str]) -> list[Report | None]:
            return await store.reports_by_id(ids)

        async def fields(people: list[str]) -> list[dict[str, ProfileField]]:
            return await store.profile_fields_of(people)

        return cls(
            comment=SharedLoader(load_fn=comments),
            comment_links=SharedLoader(load_fn=links),
            replies=SharedLoader(load_fn=replies),
            event=SharedLoader(load_fn=events),
            report=SharedLoader(load_fn=reports),
            reactions=by_kind(store.reaction_counts),
            my_reactions=by_kind(my_reactions),
            profile_fields=SharedLoader(load_fn=fields),
            skills=tags("skill"),
            interests=tags("interest"),
            ask_me_about=tags("ask"),
        )


def social_loaders(info: Info) -> SocialLoaders:
    """This request's social loaders."""
    loaders = info.context.loaders
    if loaders.social is None:
        loaders.social = SocialLoaders.over(info.context.social, info.context.viewer.guid)
    found: SocialLoaders = loaders.social
    return found
