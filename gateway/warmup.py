"""Warm the record cache with the whole directory in two paged searches, and HR in one listing.

One listing of everyone (a few seconds for tens of thousands of people) fills
the caches the per-request loaders read — people by GUID, DN, UPN and account
name, and every manager's direct reports — so a cold gateway does not pay for
a burst of first requests. One listing of every group with its direct members
(``connectors.directory.membership``) fills groups by GUID and name, each group's
members and each person's groups, nesting followed as the connector follows it, so
a big group's first ``members`` is not a search that reads the whole staff.

``warm_hr`` does the same for the HR system: one paged listing of every record, cached
under its join key as a lookup would cache it, so the first card, filter or headcount
that needs HR fields does not wait on the HR system.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import logging
import time
from datetime import UTC, datetime
from typing import Any

from connectors.directory import DirectoryGroup, DirectoryPerson, normalise_dn
from connectors.directory.membership import GroupGraph, group_graph

from .cache import RecordCache
from .compact import share_equal
from .loaders import Upstreams, hr_cache_keys
from .settings import CacheSettings

log = logging.getLogger("townhall.warmup")


async def warm_directory(upstreams: Upstreams, settings: CacheSettings) -> int:
    """Cache everyone in the directory, then every group and its members; returns how many
    people were cached."""
    started = time.monotonic()
    people = await upstreams.directory.search_people(None, include_leavers=True)
    await store_people(upstreams.cache, people, settings)
    log.info("cached %d directory people in %.1fs", len(people), time.monotonic() - started)
    await warm_groups(upstreams, settings, people)
    count = len(people)
    del people
    await asyncio.to_thread(release_freed_memory)  # it holds the heap's lock a while
    return count


async def warm_groups(
    upstreams: Upstreams, settings: CacheSettings, people: list[DirectoryPerson]
) -> int:
    """Cache every group by GUID and name and, where the listing answers them as the
    connector would, each group's members and each of ``people``'s groups; how many
    groups were cached."""
    started = time.monotonic()
    directory = upstreams.directory
    graph = await group_graph(directory)
    ttl, stale = settings.directory_ttl + settings.max_stale, settings.missing_ttl

    async def put(kind: str, records: dict[str, object]) -> None:
        await upstreams.cache.set_many(kind, records, ttl=ttl, missing_ttl=stale)

    groups = list(graph.groups.values())
    await put("group", {g.guid.strip().lower(): g for g in groups})
    await put("group-name", {g.name.strip().lower(): g for g in groups})  # the last one wins
    # Nesting is followed through the listed groups: what the walk does, and what AD's
    # in-chain rule does when every group lies under the group base (else: not warmed).
    features = directory.features
    if features.nested_groups == "in_chain" and normalise_dn(
        directory.group_base_dn
    ) != normalise_dn(directory.base_dn):
        log.info("cached %d directory groups in %.1fs", len(groups), time.monotonic() - started)
        return len(groups)
    by_dn = {normalise_dn(p.dn): p for p in people}
    others = [dn for norm, dn in graph.not_groups().items() if norm not in by_dn]
    if others:  # members the listing of people left out (e.g. service accounts)
        found = [p for p in await directory.people_by("dn", others) if p is not None]
        by_dn.update((normalise_dn(p.dn), p) for p in found)
        await put("person", {p.guid.lower(): p for p in found})
    await put("group-members", _members(graph, by_dn))
    await put("groups", _groups_of(graph, people))
    log.info(
        "cached %d directory groups and their members in %.1fs",
        len(groups),
        time.monotonic() - started,
    )
    return len(groups)


def _members(graph: GroupGraph, people: dict[str, DirectoryPerson]) -> dict[str, object]:
    """Each group's members as the ``group-members`` loader caches them: GUIDs in name order."""
    return {norm: [p.guid for p in graph.members(norm, people)] for norm in graph.groups}


def _groups_of(graph: GroupGraph, people: list[DirectoryPerson]) -> dict[str, object]:
    """Each person's groups, nested ones included, as the ``groups`` loader caches them."""
    found: dict[str, object] = {}
    for person in people:
        groups: list[DirectoryGroup] = graph.groups_of(person.dn)
        found[normalise_dn(person.dn)] = groups
    return found


async def warm_before_serving(upstreams: Upstreams, settings: CacheSettings, join: str) -> None:
    """The warm-ups set to ``startup``: the directory's listing (this process's work) and
    HR's (the HR system's) at once, so the two take about as long as the longer one."""
    await asyncio.gather(
        *([warm_directory(upstreams, settings)] if settings.warm_directory == "startup" else []),
        *(
            [warm_hr(upstreams, settings, join)]
            if settings.warm_hr == "startup" and upstreams.hr is not None
            else []
        ),
    )


async def warm_hr(upstreams: Upstreams, settings: CacheSettings, join: str) -> int:
    """Cache every HR record under its join key (``hr.join``); how many were cached."""
    if upstreams.hr is None:
        return 0
    started = time.monotonic()
    records = await upstreams.hr.background().all_records()  # not a client's request
    by_key = hr_cache_keys(records, join)
    await upstreams.cache.set_many(
        "hr", by_key, ttl=settings.hr_ttl + settings.max_stale, missing_ttl=settings.missing_ttl
    )
    log.info("cached %d HR records in %.1fs", len(by_key), time.monotonic() - started)
    count = len(by_key)
    del records, by_key
    await asyncio.to_thread(release_freed_memory)  # it holds the heap's lock a while
    return count


def release_freed_memory() -> None:
    """Give the system back the heap pages a warm-up's passing objects left free (the
    listing's parse, the copies the cache made lighter): glibc keeps them otherwise, and
    a worker's size is what it holds at its peak. Elsewhere than glibc, nothing."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


async def store_people(cache: RecordCache, people: list[DirectoryPerson], c: CacheSettings) -> None:
    """Cache ``people`` as the loaders would: by GUID, DN, UPN and account name, each
    manager's direct reports (everyone's, empty or not) and the whole-directory listings.

    Keys are made once per person and shared where two kinds use the same one (a DN keys
    the person and their reports); a key already in the loaders' form is the record's own
    string, not a copy: at 100,000 people each copy is about 8 MB, and so is each entry
    the four keys of a person would otherwise hold apiece."""
    ttl, stale = c.directory_ttl + c.max_stale, c.missing_ttl

    async def put(kind: str, records: dict[str, object]) -> None:
        await cache.set_many(kind, records, ttl=ttl, missing_ttl=stale)

    dns = [normalise_dn(p.dn) for p in people]
    own_dn = {p.dn: p.dn for p in people}
    for person in people:  # a manager DN as written in the manager's own record: one string
        if person.manager_dn is not None and person.manager_dn in own_dn:
            share_equal(person, "manager_dn", own_dn[person.manager_dn])
    del own_dn
    by_key = {  # in one call: a person's four keys share one cache entry
        "person": {_lowered(p.guid): p for p in people},
        "person-dn": dict(zip(dns, people, strict=True)),
        "person-upn": {_lowered(p.upn): p for p in people if p.upn},
        "person-account": {_lowered(p.account_name): p for p in people if p.account_name},
    }
    await cache.set_many_kinds(by_key, ttl=ttl, missing_ttl=stale)
    del by_key
    teams: dict[str, list[DirectoryPerson]] = {}
    for person in people:
        if person.manager_dn:
            teams.setdefault(normalise_dn(person.manager_dn), []).append(person)
    for team in teams.values():
        team.sort(key=lambda p: (p.display_name.casefold(), p.guid))
    # Most people manage no one: they share one empty list, and so one entry (a cached
    # list is never changed: every request reading it shares it already).
    nobody: list[DirectoryPerson] = []
    reports: dict[str, object] = {dn: teams.pop(dn, nobody) for dn in dns}
    await put("reports", reports | teams)
    now = datetime.now(UTC)
    everyone = sorted(people, key=lambda p: (p.display_name.casefold(), p.guid))
    await cache.set_many(
        "people-search",
        {
            "1|": [p.guid for p in everyone],
            "0|": [p.guid for p in everyone if not p.is_leaver(now)],
        },
        ttl=c.search_ttl + c.max_stale,
        missing_ttl=stale,
    )


def _lowered(text: str) -> str:
    """``text.lower()``, or ``text`` itself when it is lower case already (no second copy)."""
    lowered = text.lower()
    return text if lowered == text else lowered
