"""Builds each request's DataLoaders over the connectors and the record cache.

A loader's batch function asks the cache for every key at once, fetches only the
misses with ONE connector call, stores them, and answers in key order. An
upstream failure fails that loader's keys only (the exception fills their
slots), so other sources still answer.

The directory and HR loaders go to schema code (``Context.loaders``). The document
loaders and the social counts answer for any document, whoever asks: only the access
gate (``gateway.scope``) reads them, and schema code sees what it lets through.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from connectors.directory import (
    DirectoryConnector,
    DirectoryGroup,
    DirectoryPerson,
    DirectoryTimeout,
    normalise_dn,
    search_key,
)
from connectors.directory.photos import canonical_guid, photo_holders
from connectors.directory.where import KEY_SEPARATOR, split_people_search_key
from connectors.documents import DocumentRecord, DocumentSource, DocumentTimeout
from connectors.hr import HRRecord, HRSource, HRTimeout
from connectors.social import SocialStore
from schema.context import SharedLoader, StaleSources

from .cache import RecordCache
from .documents import DocumentSearch
from .metrics import observe_batch, observe_upstream
from .settings import Settings

#: Above this many SCIM batches' worth of keys, HR records are listed, not looked up.
HR_LISTING_BATCHES = 8
#: The record cache's kind for "holds a photo" (a bool), keyed by the GUID in lower case.
PHOTO_HOLDER_KIND = "photo-holder"

K = TypeVar("K")
V = TypeVar("V")


@dataclass(slots=True)
class Upstreams:
    """The connectors a gateway process holds open (built by the app's lifespan)."""

    directory: DirectoryConnector
    hr: HRSource | None  # the SCIM connector or the CSV extract
    documents: DocumentSource | None
    social: SocialStore
    cache: RecordCache
    document_sync: DocumentSearch | None = None  # the search index (its writer, or a reader)
    # The loaders' makers, and the settings and connectors they were made over: built once,
    # not per request (made again if either changes, e.g. the search index set at start-up).
    makers: tuple[tuple[object, ...], dict[str, Maker]] | None = None

    def makers_for(self, settings: Settings) -> dict[str, Maker]:
        over = (settings, self.directory, self.hr, self.documents, self.document_sync,
                self.social, self.cache)  # fmt: skip
        made = self.makers
        if made is None or any(a is not b for a, b in zip(made[0], over, strict=True)):
            made = self.makers = (over, _makers(self, settings))
        return made[1]


class _Lazy:
    """Loaders made on first use (most requests use a few of them): each by its maker,
    from what the request gives them. A maker never stores this object in the loader it
    makes, so a request's loaders hold no reference cycle and are freed when it ends."""

    def __init__(
        self, makers: dict[str, Maker], stale: StaleSources, viewer_guid: Callable[[], str]
    ) -> None:
        self._makers = makers
        self.stale = stale
        self.viewer_guid = viewer_guid

    def _make(self, name: str) -> Any:
        return self._makers[name](self)


class DirectoryLoaders(_Lazy):
    """``schema.context.Loaders``: the directory and HR, for schema code."""

    @cached_property
    def person(self) -> DataLoader[str, DirectoryPerson | None]:  # by objectGUID
        return self._make("person")  # type: ignore[no-any-return]

    @cached_property
    def person_by_dn(self) -> DataLoader[str, DirectoryPerson | None]:
        return self._make("person_by_dn")  # type: ignore[no-any-return]

    @cached_property
    def person_by_upn(self) -> DataLoader[str, DirectoryPerson | None]:
        return self._make("person_by_upn")  # type: ignore[no-any-return]

    @cached_property
    def person_by_account(self) -> DataLoader[str, DirectoryPerson | None]:
        return self._make("person_by_account")  # type: ignore[no-any-return]

    @cached_property
    def reports(self) -> DataLoader[str, list[DirectoryPerson]]:
        return self._make("reports")  # type: ignore[no-any-return]

    @cached_property
    def groups(self) -> DataLoader[str, list[DirectoryGroup]]:
        return self._make("groups")  # type: ignore[no-any-return]

    @cached_property
    def group(self) -> DataLoader[str, DirectoryGroup | None]:
        return self._make("group")  # type: ignore[no-any-return]

    @cached_property
    def group_by_name(self) -> DataLoader[str, DirectoryGroup | None]:
        return self._make("group_by_name")  # type: ignore[no-any-return]

    @cached_property
    def group_members(self) -> DataLoader[str, list[str]]:
        return self._make("group_members")  # type: ignore[no-any-return]

    @cached_property
    def hr(self) -> DataLoader[str, HRRecord | None]:
        return self._make("hr")  # type: ignore[no-any-return]

    @cached_property
    def hr_without_account(self) -> DataLoader[str, list[HRRecord]]:
        return self._make("hr_without_account")  # type: ignore[no-any-return]

    @cached_property
    def following_count(self) -> DataLoader[str, int]:
        return self._make("following_count")  # type: ignore[no-any-return]

    @cached_property
    def people_search(self) -> DataLoader[str, list[str]]:
        return self._make("people_search")  # type: ignore[no-any-return]

    @cached_property
    def has_photo(self) -> DataLoader[str, bool]:  # by objectGUID
        return self._make("has_photo")  # type: ignore[no-any-return]


class DocumentLoaders(_Lazy):
    """Every document-store record, unjudged: read only by the access gate."""

    @cached_property
    def document(self) -> DataLoader[str, DocumentRecord | None]:  # by path
        return self._make("document")  # type: ignore[no-any-return]

    @cached_property
    def index(self) -> DataLoader[str, list[DocumentRecord]]:  # by root folder ("")
        return self._make("index")  # type: ignore[no-any-return]

    @cached_property
    def search(self) -> DataLoader[str, list[DocumentRecord]]:  # by query text, best first
        return self._make("search")  # type: ignore[no-any-return]


class CountLoaders(_Lazy):
    """Follows and comments counted for any target, unjudged: read only by the gate."""

    @cached_property
    def follower_count(self) -> DataLoader[tuple[str, str], int]:  # (kind, target)
        return self._make("follower_count")  # type: ignore[no-any-return]

    @cached_property
    def viewer_follows(self) -> DataLoader[tuple[str, str], bool]:  # the viewer follows
        return self._make("viewer_follows")  # type: ignore[no-any-return]

    @cached_property
    def comment_count(self) -> DataLoader[tuple[str, str], int]:
        return self._make("comment_count")  # type: ignore[no-any-return]


#: Makes one loader for a request, from what the request gives it (``_Lazy``).
Maker = Callable[[Any], DataLoader[Any, Any]]


@dataclass(slots=True)
class RequestLoaders:
    """One request's loaders: ``directory`` for schema code, the rest for the gate."""

    directory: DirectoryLoaders
    documents: DocumentLoaders
    counts: CountLoaders


def build_loaders(
    up: Upstreams,
    settings: Settings,
    viewer_guid: Callable[[], str],
    stale: StaleSources,
) -> RequestLoaders:
    """Fresh loaders for one request; ``viewer_guid`` names the signed-in person once known.

    Each source has a per-request deadline: a slow upstream fails its own fields
    (as a timeout) instead of holding the whole response. Stale records served
    from the cache are noted in ``stale`` for the response's extensions. Each loader
    is made when first used; what does not depend on the request (the batch functions)
    is made once (``Upstreams.makers_for``).
    """
    makers = up.makers_for(settings)
    return RequestLoaders(
        directory=DirectoryLoaders(makers, stale, viewer_guid),
        documents=DocumentLoaders(makers, stale, viewer_guid),
        counts=CountLoaders(makers, stale, viewer_guid),
    )


def _makers(up: Upstreams, settings: Settings) -> dict[str, Maker]:
    """Every loader's maker over ``up``: the batch functions, built once."""
    c = settings.cache
    hr_settings = settings.hr
    cache = up.cache
    deadlines = settings.deadlines
    timeouts: dict[str, tuple[float, type[Exception]]] = {
        "directory": (deadlines.directory, DirectoryTimeout),
        "hr": (deadlines.hr, HRTimeout),
        "documents": (deadlines.documents, DocumentTimeout),
    }

    def cached(
        kind: str,
        model: Any,
        fetch: Callable[[list[str]], Awaitable[Sequence[Any]]] | None,
        ttl: float,
        normalise: Callable[[str], str] = str,
        max_batch: int = 500,
        fetch_of: Callable[[Any], Callable[[list[str]], Awaitable[Sequence[Any]]]] | None = None,
    ) -> Maker:
        # ``fetch_of`` (instead of ``fetch``): a fetch made from the request's loaders.
        source = _SOURCES[kind]
        deadline, timeout_error = timeouts[source]

        async def batch(
            stale: StaleSources,
            fetch: Callable[[list[str]], Awaitable[Sequence[Any]]],
            keys: list[str],
        ) -> list[Any]:
            # Cache keys are normalised; the upstream is asked with the keys as given
            # (a normalised DN is for comparing, not for putting in a filter).
            observe_batch(kind, len(keys))
            norm = [normalise(k) for k in keys]
            found = cache.fresh(kind, norm, ttl=ttl, missing_ttl=c.missing_ttl)
            if found is not None:  # all fresh in memory: no deadline or fetch to set up
                return found
            original = dict(zip(norm, keys, strict=True))

            async def fetch_as_given(wanted: list[str]) -> Sequence[Any]:
                started = time.perf_counter()
                try:
                    found = await fetch([original[k] for k in wanted])
                except Exception as exc:
                    observe_upstream(source, kind, time.perf_counter() - started, exc)
                    raise
                observe_upstream(source, kind, time.perf_counter() - started, None)
                return found

            try:
                async with asyncio.timeout(deadline):
                    return await cache.load(
                        kind, norm, model, fetch_as_given, ttl=ttl, missing_ttl=c.missing_ttl,
                        stale_for=c.max_stale, on_stale=functools.partial(stale.note, source),
                    )  # fmt: skip
            except TimeoutError:
                error = timeout_error(f"the {source} source did not answer within {deadline:g}s")
                return [error for _ in keys]
            except Exception as exc:  # fill every slot: only these keys fail
                return [exc for _ in keys]

        def peek(key: str) -> list[Any] | None:
            return cache.fresh(kind, [normalise(key)], ttl=ttl, missing_ttl=c.missing_ttl)

        def make(owner: Any) -> DataLoader[str, Any]:
            load = fetch_of(owner) if fetch_of is not None else fetch
            assert load is not None
            return SharedLoader(
                load_fn=functools.partial(batch, owner.stale, load),
                max_batch_size=max_batch,
                peek=peek if cache.in_memory else None,
            )

        return make

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

    async def group(keys: list[str]) -> Sequence[DirectoryGroup | None]:
        return await directory.groups_by("guid", keys)

    async def group_by_name(keys: list[str]) -> Sequence[DirectoryGroup | None]:
        return await directory.groups_by("name", keys)

    async def group_members(
        person_by_dn: DataLoader[str, DirectoryPerson | None], keys: list[str]
    ) -> Sequence[list[str]]:
        # As a search result is: GUIDs in name order, the people to the person cache.
        # Members are looked up by DN through the record cache (a warmed directory
        # answers a big group at once); only the misses are searched for.
        found = await directory.members_of(keys, person_by_dn.load_many)
        everyone = {p.guid.lower(): p for k in keys for p in found[k]}
        await cache.set_many(
            "person", everyone, ttl=c.directory_ttl + c.max_stale, missing_ttl=c.missing_ttl
        )
        return [[p.guid for p in found[k]] for k in keys]

    async def photo_holder(keys: list[str]) -> Sequence[bool]:
        # One presence search per page of GUIDs, no photo bytes (connectors.directory.photos).
        held = await photo_holders(directory, keys)
        return [canonical_guid(k) in held for k in keys]

    hr = up.hr

    async def hr_unmatched(keys: list[str]) -> Sequence[list[HRRecord]]:
        # HR records whose join key no directory account carries (leavers included).
        if hr is None:
            return [[] for _ in keys]
        everyone = await directory.search_people(None, include_leavers=True)
        if hr_settings.join == "employee_number":
            join_keys = [p.employee_id for p in everyone if p.employee_id]
        else:
            join_keys = [p.upn for p in everyone if p.upn]
        unmatched = await hr.unmatched(hr_settings.join, join_keys)
        unmatched.sort(key=lambda r: (r.employee_number or "", r.user_name or ""))
        return [unmatched for _ in keys]

    async def hr_records(keys: list[str]) -> Sequence[HRRecord | None]:
        if hr is None:
            return [None for _ in keys]
        if len(keys) <= HR_LISTING_BATCHES * hr_settings.batch_size:
            return await hr.records_by(hr_settings.join, keys)
        # Most of the staff at once (a filter or a headcount over everyone): one paged
        # listing is far cheaper for HR than dozens of `or` filters over the same records.
        every = {
            _lower(join): record
            for record in await hr.all_records()
            if (join := getattr(record, hr_settings.join))
        }
        return [every.get(_lower(k)) for k in keys]

    documents = up.documents

    async def document(keys: list[str]) -> Sequence[DocumentRecord | None]:
        if documents is None:
            return [None for _ in keys]
        return await documents.documents(keys)

    async def document_index(keys: list[str]) -> Sequence[list[DocumentRecord]]:
        if documents is None:
            return [[] for _ in keys]
        return [await documents.crawl(k) for k in keys]

    sync = up.document_sync

    async def document_search(keys: list[str]) -> list[list[DocumentRecord] | BaseException]:
        results: list[list[DocumentRecord] | BaseException] = []
        for key in keys:
            try:
                results.append(await sync.search(key) if sync is not None else [])
            except Exception as exc:  # only this query fails
                results.append(exc)
        return results

    social = up.social

    async def counted(
        kind: str, keys: list[str], fetch: Callable[[list[str]], Awaitable[Sequence[int]]]
    ) -> list[int]:
        if c.counts_ttl <= 0:
            return list(await fetch(keys))
        found = await cache.load(
            kind, keys, int, fetch, ttl=c.counts_ttl, missing_ttl=0, stale_for=0
        )  # fmt: skip
        return [n or 0 for n in found]

    async def count_followers(keys: list[str]) -> list[int]:
        pairs = [_split_count_key(k) for k in keys]
        return await _grouped(pairs, social.follower_counts)

    async def follower_count(keys: list[tuple[str, str]]) -> list[int]:
        return await counted("follower-count", [count_key(k, t) for k, t in keys], count_followers)

    async def count_following(keys: list[str]) -> list[int]:
        return await social.following_counts("person", keys)

    async def comment_count(keys: list[tuple[str, str]]) -> list[int]:
        return await _grouped(keys, social.comment_counts)

    async def following_count(keys: list[str]) -> list[int]:
        return await counted("following-count", keys, count_following)

    async def viewer_follows(
        viewer_guid: Callable[[], str], keys: list[tuple[str, str]]
    ) -> list[bool]:
        found: set[tuple[str, str]] = set()
        for kind in {k for k, _ in keys}:
            targets = [t for k, t in keys if k == kind]
            found |= {(kind, t) for t in await social.followed_by(viewer_guid(), kind, targets)}
        return [k in found for k in keys]

    async def people_search(keys: list[str]) -> Sequence[list[str]]:
        # A search result is cached as GUIDs in name order; the records themselves go
        # to the person cache, so a change feed that drops a person's record also
        # updates every cached search that lists them.
        results = []
        for key in keys:
            leavers, text, where = split_people_search_key(key)
            if not text and where is None:
                # Everyone: the sorted index (GUIDs only), so a page decodes its own people.
                results.append(await directory.people_index(include_leavers=leavers == "1"))
                continue
            if where is None:
                # Words alone: the connector's own index answers as the directory would,
                # and the page's records come by GUID (no match decoded to sort them).
                found = await directory.indexed_search(text, include_leavers=leavers == "1")
                if found is not None:
                    results.append(found)
                    continue
            people = await directory.search_people(
                text, include_leavers=leavers == "1", where=where
            )
            await cache.set_many(
                "person",
                {p.guid.lower(): p for p in people},
                ttl=c.directory_ttl + c.max_stale,
                missing_ttl=c.missing_ttl,
            )
            results.append([p.guid for p in people])
        return results

    def plain(load_fn: Callable[[list[Any]], Awaitable[Sequence[Any]]]) -> Maker:
        return lambda owner: SharedLoader(load_fn=load_fn)

    return {
        "person": cached("person", DirectoryPerson, people, c.directory_ttl, _lower),
        "person_by_dn": cached(
            "person-dn", DirectoryPerson, people_by_dn, c.directory_ttl, normalise_dn
        ),
        "person_by_upn": cached(
            "person-upn", DirectoryPerson, people_by_upn, c.directory_ttl, _lower
        ),
        "person_by_account": cached(
            "person-account", DirectoryPerson, people_by_account, c.directory_ttl, _lower
        ),
        "reports": cached("reports", list[DirectoryPerson], reports, c.directory_ttl, normalise_dn),
        "groups": cached("groups", list[DirectoryGroup], groups, c.directory_ttl, normalise_dn),
        "group": cached("group", DirectoryGroup, group, c.directory_ttl, _lower),
        "group_by_name": cached(
            "group-name", DirectoryGroup, group_by_name, c.directory_ttl, _lower
        ),
        # Members are looked up through the request's own person-by-DN loader.
        "group_members": cached(
            "group-members",
            list[str],
            None,
            c.directory_ttl,
            normalise_dn,
            fetch_of=lambda owner: functools.partial(group_members, owner.person_by_dn),
        ),
        # One batch for a whole filtered population, so it can be answered by a listing.
        "hr": cached("hr", HRRecord, hr_records, c.hr_ttl, _lower, max_batch=20_000),
        "hr_without_account": cached("hr-unmatched", list[HRRecord], hr_unmatched, c.hr_ttl),
        "following_count": plain(following_count),
        "people_search": cached(
            "people-search", list[str], people_search, c.search_ttl, _people_search_key
        ),
        "has_photo": cached(PHOTO_HOLDER_KIND, bool, photo_holder, c.directory_ttl, _lower),
        "document": cached("document", DocumentRecord, document, c.documents_ttl),
        "index": cached("document-index", list[DocumentRecord], document_index, c.documents_ttl),
        "search": plain(document_search),
        "follower_count": plain(follower_count),
        "viewer_follows": lambda owner: SharedLoader(
            load_fn=functools.partial(viewer_follows, owner.viewer_guid)
        ),
        "comment_count": plain(comment_count),
    }


def count_key(kind: str, target: str) -> str:
    """The cache key of a follower count: what is followed, as one string."""
    return f"{kind}|{target}"


def _split_count_key(key: str) -> tuple[str, str]:
    kind, _, target = key.partition("|")
    return kind, target


async def forget_counts(cache: RecordCache, follower: str, kind: str, target: str) -> None:
    """Drop the counts a follow or unfollow changed (a social-store follow listener)."""
    await cache.delete("follower-count", [count_key(kind, target)])
    if kind == "person":
        await cache.delete("following-count", [follower])


async def _grouped(
    keys: list[tuple[str, str]], count: Callable[[str, Sequence[str]], Awaitable[list[int]]]
) -> list[int]:
    """One query per target kind for (kind, target) keys, answered in key order."""
    by_kind: dict[str, list[str]] = {}
    for kind, target in keys:
        by_kind.setdefault(kind, []).append(target)
    found: dict[tuple[str, str], int] = {}
    for kind, targets in by_kind.items():
        for target, value in zip(targets, await count(kind, targets), strict=True):
            found[(kind, target)] = value
    return [found[k] for k in keys]


_SOURCES = {
    "person": "directory", "person-dn": "directory", "person-upn": "directory",
    "person-account": "directory", "reports": "directory", "groups": "directory",
    "group": "directory", "group-name": "directory", "group-members": "directory",
    "people-search": "directory", PHOTO_HOLDER_KIND: "directory", "hr": "hr",
    "hr-unmatched": "hr", "document": "documents", "document-index": "documents",
}  # fmt: skip


def _lower(key: str) -> str:
    return key.strip().lower()


def hr_cache_keys(records: Iterable[Any], join: str) -> dict[str, Any]:
    """HR records by the key the ``hr`` loader caches them under (the join key, as
    ``_lower`` normalises it): for the warm-up that fills the cache and the change feed
    that empties it."""
    return {_lower(key): r for r in records if (key := getattr(r, join, None))}


def _people_search_key(key: str) -> str:
    """``"<leavers>|<text as typed>[\x1f<filter>]"`` cached under the directory's own
    notion of the same search (its case rule, both Unicode spellings, DNs as DNs): the
    text and the filter's values themselves are sent as typed."""
    leavers, text, where = split_people_search_key(key)
    base = f"{leavers}|{search_key(text)}"
    return f"{base}{KEY_SEPARATOR}{where.normalised()}" if where else base
