"""The org chart: direct reports, manager chains and colleagues, one search per level.

Direct reports come from a ``(manager=…)`` OR search per chunk of managers, or from
the ``directReports`` attribute AD computes (read in ranges), resolved in one batch.
A manager chain walks one batch search per level for everyone at once; a manager loop
ends the chain before it repeats; a manager DN the directory cannot resolve (deleted,
or outside the search base) ends it there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ldap3.utils.conv import escape_filter_chars

from .entries import chunks, normalise_dn, sort_people
from .records import DirectoryPerson
from .search import ranged_name

if TYPE_CHECKING:
    from .connector import DirectoryConnector


async def reports_of(
    d: DirectoryConnector, manager_dns: Sequence[str]
) -> dict[str, list[DirectoryPerson]]:
    """Direct reports of each manager, keyed by the manager DN as given."""
    if d.features.reports_via == "direct_reports" and d.map.direct_reports:
        return await _reports_from_attribute(d, manager_dns)
    unique = {normalise_dn(dn): dn for dn in manager_dns}
    by_norm: dict[str, list[DirectoryPerson]] = {norm: [] for norm in unique}
    for chunk in chunks(list(unique.values()), d.batch_size):
        clauses = "".join(f"({d.map.manager}={escape_filter_chars(dn)})" for dn in chunk)
        query = f"(&{d.map.person_filter}(|{clauses}))"
        for entry in await d.search(d.base_dn, query, d.map.person_attributes()):
            person = d.reader.person(entry)
            if person.manager_dn is not None:
                by_norm.setdefault(normalise_dn(person.manager_dn), []).append(person)
    return {dn: sort_people(by_norm.get(normalise_dn(dn), [])) for dn in manager_dns}


async def _reports_from_attribute(
    d: DirectoryConnector, manager_dns: Sequence[str]
) -> dict[str, list[DirectoryPerson]]:
    """AD computes ``directReports``: read it (ranged), then resolve the DNs in one batch."""
    report_dns: dict[str, list[str]] = {}
    attribute = d.map.direct_reports
    wanted = [ranged_name(attribute, d.features.range_step)]
    for entry in await d._entries_by_dn(manager_dns, d.map.person_filter, wanted):
        report_dns[normalise_dn(entry["dn"])] = d.reader.values(entry, attribute)
    everyone = list(dict.fromkeys(dn for dns in report_dns.values() for dn in dns))
    people = {normalise_dn(p.dn): p for p in await d.people_by("dn", everyone) if p is not None}
    return {
        dn: sort_people(
            people[r]
            for r in map(normalise_dn, report_dns.get(normalise_dn(dn), []))
            if r in people
        )
        for dn in manager_dns
    }


async def manager_chains(
    d: DirectoryConnector, dns: Sequence[str]
) -> dict[str, list[DirectoryPerson]]:
    """Each person's managers, nearest first, up to the top.

    One batch search per level for everyone at once. A manager loop ends
    the chain before it repeats; a manager DN the directory cannot resolve
    (deleted, or outside the search base) ends it there.
    """
    known: dict[str, DirectoryPerson | None] = {}
    level = list(dict.fromkeys(dns))
    while level:
        for dn, person in zip(level, await d.people_by("dn", level), strict=True):
            known[normalise_dn(dn)] = person
        level = list(
            dict.fromkeys(
                p.manager_dn
                for p in (known[normalise_dn(dn)] for dn in level)
                if p is not None
                and p.manager_dn is not None
                and normalise_dn(p.manager_dn) not in known
            )
        )
    chains: dict[str, list[DirectoryPerson]] = {}
    for dn in dns:
        chain: list[DirectoryPerson] = []
        seen = {normalise_dn(dn)}
        current = known.get(normalise_dn(dn))
        while current is not None and current.manager_dn is not None:
            manager = normalise_dn(current.manager_dn)
            if manager in seen:
                break  # a loop in the directory's manager links
            seen.add(manager)
            current = known.get(manager)
            if current is not None:
                chain.append(current)
        chains[dn] = chain
    return chains


async def colleagues_of(
    d: DirectoryConnector, dns: Sequence[str]
) -> dict[str, list[DirectoryPerson]]:
    """People who share each person's manager (the person left out); two searches."""
    people = dict(zip(dns, await d.people_by("dn", dns), strict=True))
    managers = list(dict.fromkeys(p.manager_dn for p in people.values() if p and p.manager_dn))
    reports = await reports_of(d, managers) if managers else {}
    by_manager = {normalise_dn(m): r for m, r in reports.items()}
    result: dict[str, list[DirectoryPerson]] = {}
    for dn, person in people.items():
        if person is None or person.manager_dn is None:
            result[dn] = []
            continue
        team = by_manager.get(normalise_dn(person.manager_dn), [])
        result[dn] = [p for p in team if p.guid != person.guid]
    return result
