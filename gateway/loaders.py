"""Builds each request's DataLoaders over the connectors and the record cache.

A loader's batch function asks the cache for every key at once, fetches only the
misses with ONE connector call, stores them, and answers in key order. An
upstream failure fails that loader's keys only (the exception fills their
slots), so other sources still answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from connectors.directory import DirectoryConnector, DirectoryGroup, DirectoryPerson, normalise_dn
from connectors.documents import DocumentConnector, DocumentRecord
from connectors.hr import HRConnector, HRRecord
from connectors.social import SocialStore
from schema.context import Loaders

from .cache import RecordCache
from .settings import CacheSettings, HRSettings

K = TypeVar("K")
V = TypeVar("V")


@dataclass(slots=True)
class Upstreams:
    """The connectors a gateway process holds open (built by the app's lifespan)."""

    directory: DirectoryConnector
    hr: HRConnector | None
    documents: DocumentConnector | None
    social: SocialStore
    cache: RecordCache


def build_loaders(
    up: Upstreams,
    cache_settings: CacheSettings,
    hr_settings: HRSettings,
    viewer_guid: Callable[[], str],
) -> Loaders:
    """Fresh loaders for one request; ``viewer_guid`` names the signed-in person once known."""
    c = cache_settings
    cache = up.cache

    def cached(
        kind: str,
        model: Any,
        fetch: Callable[[list[str]], Awaitable[Sequence[Any]]],
        ttl: float,
        normalise: Callable[[str], str] = str,
    ) -> DataLoader[str, Any]:
        async def batch(keys: list[str]) -> list[Any]:
            norm = [normalise(k) for k in keys]
            try:
                return await cache.load(
                    kind, norm, model, fetch, ttl=ttl, missing_ttl=c.missing_ttl
                )
            except Exception as exc:  # fill every slot: only these keys fail
                return [exc for _ in keys]

        return DataLoader(load_fn=batch, max_batch_size=500)

    directory = up.directory

    async def people(keys: list[str]) -> Sequence[DirectoryPerson | None]:
        return await directory.people_by("guid", keys)

    async def people_by_dn(keys: list[str]) -> Sequence[DirectoryPerson | None]:
        return await directory.people_by("dn", keys)

    async def people_by_upn(keys: list[str]) -> Sequence[DirectoryPerson | None]:
        return await directory.people_by("upn", keys)

    async def people_by_account(keys: list[str]) -> Sequence[DirectoryPerson | None]:
        return await directory.people_by("account_name", keys)

    async def reports(keys: list[str]) -> Sequence[list[DirectoryPerson]]:
        found = await directory.reports_of(keys)
        return [found[k] for k in keys]

    async def groups(keys: list[str]) -> Sequence[list[DirectoryGroup]]:
        found = await directory.groups_of(keys)
        return [found[k] for k in keys]

    hr = up.hr

    async def hr_records(keys: list[str]) -> Sequence[HRRecord | None]:
        if hr is None:
            return [None for _ in keys]
        return await hr.records_by(hr_settings.join, keys)

    documents = up.documents

    async def document(keys: list[str]) -> Sequence[DocumentRecord | None]:
        if documents is None:
            return [None for _ in keys]
        return await documents.documents(keys)

    async def document_index(keys: list[str]) -> Sequence[list[DocumentRecord]]:
        if documents is None:
            return [[] for _ in keys]
        return [await documents.crawl(k) for k in keys]

    social = up.social

    async def follower_count(keys: list[tuple[str, str]]) -> list[int | BaseException]:
        return await _grouped(keys, social.follower_counts)

    async def comment_count(keys: list[tuple[str, str]]) -> list[int | BaseException]:
        return await _grouped(keys, social.comment_counts)

    async def following_count(keys: list[str]) -> list[int]:
        return await social.following_counts("person", keys)

    async def viewer_follows(keys: list[tuple[str, str]]) -> list[bool]:
        found: set[tuple[str, str]] = set()
        for kind in {k for k, _ in keys}:
            targets = [t for k, t in keys if k == kind]
            found |= {(kind, t) for t in await social.followed_by(viewer_guid(), kind, targets)}
        return [k in found for k in keys]

    async def people_search(keys: list[str]) -> Sequence[list[DirectoryPerson]]:
        results = []
        for key in keys:
            leavers, _, text = key.partition("|")
            results.append(await directory.search_people(text, include_leavers=leavers == "1"))
        return results

    return Loaders(
        person=cached("person", DirectoryPerson, people, c.directory_ttl, _lower),
        person_by_dn=cached(
            "person-dn", DirectoryPerson, people_by_dn, c.directory_ttl, normalise_dn
        ),
        person_by_upn=cached("person-upn", DirectoryPerson, people_by_upn, c.directory_ttl, _lower),
        person_by_account=cached(
            "person-account", DirectoryPerson, people_by_account, c.directory_ttl, _lower
        ),
        reports=cached("reports", list[DirectoryPerson], reports, c.directory_ttl, normalise_dn),
        groups=cached("groups", list[DirectoryGroup], groups, c.directory_ttl, normalise_dn),
        hr=cached("hr", HRRecord, hr_records, c.hr_ttl, _lower),
        document=cached("document", DocumentRecord, document, c.documents_ttl),
        document_index=cached(
            "document-index", list[DocumentRecord], document_index, c.documents_ttl
        ),
        follower_count=DataLoader(load_fn=follower_count),
        following_count=DataLoader(load_fn=following_count),
        comment_count=DataLoader(load_fn=comment_count),
        viewer_follows=DataLoader(load_fn=viewer_follows),
        people_search=cached("people-search", list[DirectoryPerson], people_search, c.search_ttl),
    )


async def _grouped(
    keys: list[tuple[str, str]], count: Callable[[str, Sequence[str]], Awaitable[list[int]]]
) -> list[int | BaseException]:
    """One query per target kind for (kind, target) keys, answered in key order."""
    by_kind: dict[str, list[str]] = {}
    for kind, target in keys:
        by_kind.setdefault(kind, []).append(target)
    found: dict[tuple[str, str], int] = {}
    for kind, targets in by_kind.items():
        for target, value in zip(targets, await count(kind, targets), strict=True):
            found[(kind, target)] = value
    return [found[k] for k in keys]


def _lower(key: str) -> str:
    return key.strip().lower()
