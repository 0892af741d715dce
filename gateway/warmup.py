"""Warm the record cache with the whole directory in one paged search, and HR in one listing.

One listing of everyone (a few seconds for tens of thousands of people) fills
the caches the per-request loaders read — people by GUID, DN, UPN and account
name, and every manager's direct reports — so a cold gateway does not pay for
a burst of first requests. ``warm_hr`` does the same for the HR system: one paged
listing of every record, cached under its join key as a lookup would cache it, so the
first card, filter or headcount that needs HR fields does not wait on the HR system.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from connectors.directory import DirectoryPerson, normalise_dn

from .cache import RecordCache
from .loaders import Upstreams, hr_cache_keys
from .settings import CacheSettings

log = logging.getLogger("townhall.warmup")


async def warm_directory(upstreams: Upstreams, settings: CacheSettings) -> int:
    """Cache everyone in the directory; returns how many people were cached."""
    started = time.monotonic()
    people = await upstreams.directory.search_people(None, include_leavers=True)
    await store_people(upstreams.cache, people, settings)
    log.info("cached %d directory people in %.1fs", len(people), time.monotonic() - started)
    return len(people)


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
    return len(by_key)


async def store_people(cache: RecordCache, people: list[DirectoryPerson], c: CacheSettings) -> None:
    ttl, stale = c.directory_ttl + c.max_stale, c.missing_ttl

    async def put(kind: str, records: dict[str, object]) -> None:
        await cache.set_many(kind, records, ttl=ttl, missing_ttl=stale)

    await put("person", {p.guid.lower(): p for p in people})
    await put("person-dn", {normalise_dn(p.dn): p for p in people})
    await put("person-upn", {p.upn.lower(): p for p in people if p.upn})
    await put("person-account", {p.account_name.lower(): p for p in people if p.account_name})
    reports: dict[str, list[DirectoryPerson]] = {normalise_dn(p.dn): [] for p in people}
    for person in people:
        if person.manager_dn:
            reports.setdefault(normalise_dn(person.manager_dn), []).append(person)
    for team in reports.values():
        team.sort(key=lambda p: (p.display_name.casefold(), p.guid))
    await put("reports", dict(reports))
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
