"""Directory lookups against a real Samba AD DC: batched vs one search per person.

    python -m bench directory [--people 100] [--rounds 3] [--page-size 500]

Starts a throwaway Samba AD DC loaded with the sample council (the test
session's launcher, tests/servers/samba.py; LDAP ports 389/636 must be free),
connects over LDAPS with the certificate verified, then, in one run and
interleaved round by round:

* resolves ``--people`` people by objectGUID together with their managers:
  batched (one OR-filter search for the people, one for their managers, as the
  DataLoaders do) vs one search per person and one per manager (N+1), the
  latter both one after another and concurrently over the connection pool;
* walks every one of those people's manager chain to the top: one search per
  level for everyone vs one search per person per level;
* lists all ~2,000 people with paged searches (Simple Paged Results);
* a person in 320 nested groups (made in a throwaway OU as the domain admin), cold
  (a new connector each time): ``memberOf`` one level at a time (``auto``, the
  default), LDAP_MATCHING_RULE_IN_CHAIN, and the ``member=`` walk; goal <= 0.5 s;
* the first page of everyone (``people(first: 100)``) on a new connector: the page
  index read (first use) plus the page's 100 records by GUID, then the same with the
  index kept in memory (as the change feed keeps it), against the full listing it
  replaced (goal: one page's worth of work).

Prints LDAP searches and median wall time of each, with ratios to the batched
way, and writes bench/results/directory.json.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.directory import (
    DirectoryConnector,
    DirectoryFeatures,
    LdapOptions,
    normalise_dn,
    open_ldap,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "council"
RESULTS = ROOT / "bench" / "results"

Way = Callable[[DirectoryConnector, list[str]], Awaitable[int]]


async def batched(d: DirectoryConnector, guids: list[str]) -> int:
    people = await d.people_by("guid", guids)
    managers = list(dict.fromkeys(p.manager_dn for p in people if p and p.manager_dn))
    found = {normalise_dn(m.dn) for m in await d.people_by("dn", managers) if m}
    return sum(1 for p in people if p) + sum(
        1 for p in people if p and p.manager_dn and normalise_dn(p.manager_dn) in found
    )


async def per_person_sequential(d: DirectoryConnector, guids: list[str]) -> int:
    count = 0
    for guid in guids:
        [person] = await d.people_by("guid", [guid])
        count += person is not None
        if person and person.manager_dn:
            [manager] = await d.people_by("dn", [person.manager_dn])
            count += manager is not None
    return count


async def per_person_concurrent(d: DirectoryConnector, guids: list[str]) -> int:
    async def one(guid: str) -> int:
        [person] = await d.people_by("guid", [guid])
        if person is None or not person.manager_dn:
            return int(person is not None)
        [manager] = await d.people_by("dn", [person.manager_dn])
        return 1 + (manager is not None)

    return sum(await asyncio.gather(*(one(g) for g in guids)))


async def chains_batched(d: DirectoryConnector, dns: list[str]) -> int:
    return sum(len(chain) for chain in (await d.manager_chains(dns)).values())


async def chains_per_person(d: DirectoryConnector, dns: list[str]) -> int:
    total = 0
    for dn in dns:
        [person] = await d.people_by("dn", [dn])
        seen = {dn.casefold()}
        while person is not None and person.manager_dn and person.manager_dn.casefold() not in seen:
            seen.add(person.manager_dn.casefold())
            [person] = await d.people_by("dn", [person.manager_dn])
            total += person is not None
    return total


async def measure(d: DirectoryConnector, way: Way, keys: list[str]) -> tuple[float, int, int]:
    before = d.calls
    started = time.perf_counter()
    found = await way(d, keys)
    return time.perf_counter() - started, d.calls - before, found


async def run(options: LdapOptions, people: int, rounds: int) -> dict[str, Any]:
    directory = open_ldap(options)
    try:
        everyone = await directory.search_people(None)  # also warms the pool
        chosen = [p for p in everyone if p.manager_dn][:people]
        guids = [p.guid for p in chosen]
        dns = [p.dn for p in chosen]
        groups: dict[str, dict[str, tuple[Way, list[str]]]] = {
            "people + managers": {
                "batched": (batched, guids),
                "per person, sequential": (per_person_sequential, guids),
                "per person, concurrent": (per_person_concurrent, guids),
            },
            "manager chains to the top": {
                "batched": (chains_batched, dns),
                "per person": (chains_per_person, dns),
            },
        }
        times: dict[str, dict[str, list[float]]] = {
            g: {w: [] for w in ws} for g, ws in groups.items()
        }
        calls: dict[str, dict[str, int]] = {g: {} for g in groups}
        found: dict[str, dict[str, int]] = {g: {} for g in groups}
        listing: list[float] = []
        listed = 0
        for _ in range(rounds):  # interleaved: every way once per round
            for group, ways in groups.items():
                for name, (way, keys) in ways.items():
                    seconds, searches, count = await measure(directory, way, keys)
                    times[group][name].append(seconds)
                    calls[group][name] = searches
                    found[group][name] = count
            started = time.perf_counter()
            listed = len(await directory.search_people(None, include_leavers=True))
            listing.append(time.perf_counter() - started)
        for group in groups:  # every way must have found the same records
            if len(set(found[group].values())) != 1:
                raise RuntimeError(f"{group}: the ways disagree: {found[group]}")
        result: dict[str, Any] = {"groups": {}}
        for group, ways in groups.items():
            base = statistics.median(times[group]["batched"])
            result["groups"][group] = {
                name: {
                    "searches": calls[group][name],
                    "median_ms": round(statistics.median(times[group][name]) * 1000, 2),
                    "ratio_to_batched": round(statistics.median(times[group][name]) / base, 2),
                    "records": found[group][name],
                }
                for name in ways
            }
        result["listing"] = {
            "people": listed,
            "page_size": options.page_size,
            "pages": -(-listed // min(options.page_size, 1000)),
            "median_ms": round(statistics.median(listing) * 1000, 1),
            "min_ms": round(min(listing) * 1000, 1),
        }
        return result
    finally:
        await directory.close()


GOAL_NESTED_S = 0.5
NESTED_WAYS = {
    "memberOf levels (auto)": "auto",
    "in-chain rule": "in_chain",
    "member= walk": "walk",
}


def make_many_groups(admin: Any, base_dn: str, count: int = 320) -> tuple[str, str]:
    """A person in ``count`` groups, two of them in a parent group; (person DN, OU DN)."""
    ou = f"OU=Bench Groups {int(time.time())},OU=Staff,OU=Northshire,{base_dn}"
    assert admin.add(ou, ["top", "organizationalUnit"]), admin.result
    person = f"CN=Many Groups,{ou}"
    assert admin.add(person, attributes={
        "objectClass": ["top", "person", "organizationalPerson", "user"],
        "sAMAccountName": f"many.{int(time.time()) % 100000}", "userAccountControl": 512,
    }), admin.result  # fmt: skip
    names = [f"CN=Committee {i:03d},{ou}" for i in range(count)]
    for i, dn in enumerate(names):
        attrs = {"objectClass": ["top", "group"], "sAMAccountName": f"bc{i}", "member": person}
        assert admin.add(dn, attributes=attrs), admin.result
    attrs = {"objectClass": ["top", "group"], "sAMAccountName": "bcparent", "member": names[:2]}
    assert admin.add(f"CN=Committees,{ou}", attributes=attrs), admin.result
    return person, ou


async def cold_rows(options: LdapOptions, person: str, rounds: int) -> dict[str, Any]:
    """Nested groups and the first page, each on a new connector (nothing pooled)."""
    nested: dict[str, list[float]] = {name: [] for name in NESTED_WAYS}
    counts: dict[str, int] = {}
    page: dict[str, list[float]] = {
        "index built + 100 by GUID": [], "index kept + 100 by GUID": [], "full listing": []
    }  # fmt: skip
    for _ in range(rounds):
        for name, mode in NESTED_WAYS.items():
            features = DirectoryFeatures(nested_groups=mode)  # type: ignore[arg-type]
            fresh = open_ldap(dataclasses.replace(options, features=features))
            try:
                started = time.perf_counter()
                counts[name] = len((await fresh.groups_of([person]))[person])
                nested[name].append(time.perf_counter() - started)
            finally:
                await fresh.close()
        fresh = open_ldap(options)
        try:
            for row in ("index built + 100 by GUID", "index kept + 100 by GUID"):
                started = time.perf_counter()  # the second: the feed keeps the index current
                first = (await fresh.people_index())[:100]
                await fresh.people_by("guid", first)
                page[row].append(time.perf_counter() - started)
        finally:
            await fresh.close()
        fresh = open_ldap(options)
        try:
            started = time.perf_counter()
            await fresh.search_people(None)
            page["full listing"].append(time.perf_counter() - started)
        finally:
            await fresh.close()
    if len(set(counts.values())) != 1:
        raise RuntimeError(f"the nested-group ways disagree: {counts}")
    listing = statistics.median(page["full listing"])
    return {
        "nested_groups_320": {
            name: {"median_s": round(statistics.median(t), 3), "groups": counts[name],
                   "goal_s": GOAL_NESTED_S,
                   "over_goal": round(statistics.median(t) / GOAL_NESTED_S, 2)}
            for name, t in nested.items()
        },
        "first_page_cold": {
            name: {"median_s": round(statistics.median(t), 3),
                   "over_full_listing": round(statistics.median(t) / listing, 2)}
            for name, t in page.items()
        },
    }  # fmt: skip


def print_table(result: dict[str, Any], people: int) -> None:
    for group, ways in result["groups"].items():
        print(f"\n{group} ({people} people)")
        print(f"  {'way':<26}{'LDAP searches':>14}{'median ms':>12}{'x batched':>11}")
        for name, row in ways.items():
            print(
                f"  {name:<26}{row['searches']:>14}{row['median_ms']:>12.1f}"
                f"{row['ratio_to_batched']:>11.2f}"
            )
    listing = result["listing"]
    print(
        f"\nlisting everyone: {listing['people']} people in {listing['pages']} pages of "
        f"{listing['page_size']}: median {listing['median_ms']} ms (best {listing['min_ms']} ms)"
    )
    print("\na person in 320 nested groups, cold (goal <= 0.5 s)")
    for name, row in result["nested_groups_320"].items():
        print(f"  {name:<26}{row['median_s']:>8.3f} s  {row['over_goal']:>6.2f}x the goal")
    print("\nfirst page of everyone (100), cold (goal: one page's worth of work)")
    for name, row in result["first_page_cold"].items():
        print(
            f"  {name:<26}{row['median_s']:>8.3f} s  {row['over_full_listing']:>6.2f}x the listing"
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench directory", description=__doc__)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--page-size", type=int, default=500)
    args = parser.parse_args(argv)
    # The Samba launcher is the test session's; it lives with the tests.
    sys.path.insert(0, str(ROOT / "tests"))
    from servers.samba import SambaDC

    with (
        tempfile.TemporaryDirectory(prefix="townhall-bench-samba-") as workdir,
        SambaDC(Path(workdir) / "dc", FIXTURES / "directory.ldif") as dc,
    ):
        options = LdapOptions(
            url=dc.ldaps_url, bind_dn=dc.bind_user, password=dc.password,
            base_dn=dc.base_dn, ca_file=dc.ca_file, tls_server_name=dc.tls_hostname,
            pool_size=4, page_size=args.page_size,
        )  # fmt: skip
        result = asyncio.run(run(options, args.people, args.rounds))
        admin = dc.admin_connection()
        person, _ = make_many_groups(admin, dc.base_dn)
        admin.unbind()
        result.update(asyncio.run(cold_rows(options, person, args.rounds)))
    result.update(
        {
            "benchmark": "directory",
            "server": "Samba AD DC over LDAPS (loopback)",
            "rounds": args.rounds,
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "machine": platform.machine(),
        }
    )
    print_table(result, args.people)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "directory.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {path.relative_to(ROOT)}")
    return 0


__all__ = ["main"]
