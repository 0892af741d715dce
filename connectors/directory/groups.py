"""Group membership, nested: a person's groups and a group's members.

Three ways, chosen by ``DirectoryFeatures.nested_groups``:

* ``auto`` (the default): a person's groups by reading ``memberOf`` level by level
  (one search by DN per level, chunks side by side) where the attribute map has
  ``memberOf``; else LDAP_MATCHING_RULE_IN_CHAIN when the server answers it
  (probed once, :mod:`.detect`); else the ``member=`` walk. A group's members by
  the walk below.
* ``walk`` (any LDAP directory): one OR-filter search per level of the group
  graph for every key at once; a group cycle ends the walk. Members come from
  the groups' ``member`` values, read in ranges where the server sends them so.
* ``in_chain`` (AD): LDAP_MATCHING_RULE_IN_CHAIN makes the DC expand nesting
  itself: one search per key (side by side), returning only the answer.

Why ``memberOf`` before in-chain: on the Samba DC, a person in 320 groups takes
0.6 s by in-chain (the DC evaluates the rule against every group), about 0.1 s by
three ``memberOf`` levels, and 4 s by ``member=`` OR filters.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from ldap3.utils.conv import escape_filter_chars

from .detect import IN_CHAIN
from .entries import normalise_dn, sort_people
from .records import DirectoryGroup, DirectoryPerson
from .search import Entry, ranged_name

if TYPE_CHECKING:
    from .connector import DirectoryConnector

# Looks people up by DN, answering in key order (None: not a person): the caller's own
# route, e.g. through its record cache, instead of a directory search.
PeopleByDn = Callable[[list[str]], Awaitable[Sequence[DirectoryPerson | None]]]

#: Nesting deeper than this is not followed (a guard; real directories nest a few levels).
MAX_LEVELS = 64


async def groups_of(
    d: DirectoryConnector, member_dns: Sequence[str]
) -> dict[str, list[DirectoryGroup]]:
    mode = d.features.nested_groups
    if mode == "auto":
        if d.map.member_of:
            return await _walk_member_of(d, member_dns)
        mode = "in_chain" if (await d.capabilities()).in_chain else "walk"
    if mode == "in_chain":
        return await _in_chain_up(d, member_dns)
    return await _walk_up(d, member_dns)


async def _in_chain_up(
    d: DirectoryConnector, member_dns: Sequence[str]
) -> dict[str, list[DirectoryGroup]]:
    """One in-chain search per key, the keys' searches side by side over the pool."""
    unique = {normalise_dn(dn): dn for dn in member_dns}

    async def one(dn: str) -> list[DirectoryGroup]:
        query = f"(&{d.map.group_filter}({d.map.member}:{IN_CHAIN}:={escape_filter_chars(dn)}))"
        entries = await d.search(d.group_base_dn, query, d.map.group_attributes())
        return sorted_groups(d.reader.group(e) for e in entries)

    found = dict(zip(unique, await asyncio.gather(*map(one, unique.values())), strict=True))
    return {dn: found[normalise_dn(dn)] for dn in member_dns}


async def _walk_member_of(
    d: DirectoryConnector, member_dns: Sequence[str]
) -> dict[str, list[DirectoryGroup]]:
    """Read ``memberOf`` level by level: the keys' own, then their groups', and so on.

    Each level is one search by DN (in chunks, side by side) for the groups first
    reached at that level, so a person in 320 groups under one parent costs three
    levels, not one OR filter of ``member=`` clauses per 100 groups. Only groups under
    the group base that match the group filter count (and are walked through), as
    with the ``member=`` walk; a cycle ends where it repeats; at most
    :data:`MAX_LEVELS` levels are read."""
    member_of = d.map.member_of
    wanted = ranged_name(member_of, d.features.range_step)
    parents: dict[str, set[str]] = {}  # norm dn -> norm dns of the groups holding it directly
    groups: dict[str, DirectoryGroup] = {}
    seen = {normalise_dn(dn) for dn in member_dns}
    entries = await d._entries_by_dn(member_dns, "(objectClass=*)", [wanted])
    for _ in range(MAX_LEVELS):
        frontier: dict[str, str] = {}
        for entry in entries:
            holders = parents.setdefault(normalise_dn(entry["dn"]), set())
            for value in d.reader.values(entry, member_of):
                norm = normalise_dn(value)
                holders.add(norm)
                if norm not in seen:
                    frontier[norm] = value
        if not frontier:
            break
        seen |= set(frontier)
        attributes = [*d.map.group_attributes(), wanted]
        entries = await d._entries_by_dn(
            frontier.values(), d.map.group_filter, attributes, d.group_base_dn
        )
        for entry in entries:
            group = d.reader.group(entry)
            groups[normalise_dn(group.dn)] = group
    result: dict[str, list[DirectoryGroup]] = {}
    for dn in member_dns:
        above = closure(normalise_dn(dn), parents)
        result[dn] = sorted_groups(groups[g] for g in above if g in groups)
    return result


async def _walk_up(
    d: DirectoryConnector, member_dns: Sequence[str]
) -> dict[str, list[DirectoryGroup]]:
    """Search the groups holding the frontier, level by level, then close transitively."""
    parents: dict[str, set[str]] = {}  # norm dn -> norm dns of the groups holding it directly
    groups: dict[str, DirectoryGroup] = {}
    frontier = {normalise_dn(dn): dn for dn in member_dns}
    seen = set(frontier)
    member = d.map.member
    attributes = [*d.map.group_attributes(), ranged_name(member, d.features.range_step)]
    while frontier:
        for chunk in _chunks(sorted(frontier.values()), d.batch_size):
            clauses = "".join(f"({member}={escape_filter_chars(dn)})" for dn in chunk)
            query = f"(&{d.map.group_filter}(|{clauses}))"
            for entry in await d.search(d.group_base_dn, query, attributes):
                group = d.reader.group(entry)
                gdn = normalise_dn(group.dn)
                groups[gdn] = group
                for value in d.reader.values(entry, member):
                    norm = normalise_dn(value)
                    if norm in seen:
                        parents.setdefault(norm, set()).add(gdn)
        frontier = {g: groups[g].dn for g in groups if g not in seen}
        seen |= set(frontier)
    result: dict[str, list[DirectoryGroup]] = {}
    for dn in member_dns:
        above = closure(normalise_dn(dn), parents)
        result[dn] = sorted_groups(groups[g] for g in above)
    return result


async def members_of(
    d: DirectoryConnector, group_dns: Sequence[str], resolve: PeopleByDn | None = None
) -> dict[str, list[DirectoryPerson]]:
    # Only when configured: measured on Samba, the in-chain search for a group's people
    # (2.4 s for 2,000) is slower than the walk (1.5 s); a DC with AD's link index may differ.
    if d.features.nested_groups == "in_chain" and d.map.member_of:
        unique = {normalise_dn(dn): dn for dn in group_dns}

        async def one(dn: str) -> list[DirectoryPerson]:
            rule = f"({d.map.member_of}:{IN_CHAIN}:={escape_filter_chars(dn)})"
            entries = await d.search(
                d.base_dn, f"(&{d.map.person_filter}{rule})", d.map.person_attributes()
            )
            return sort_people(d.reader.person(e) for e in entries)

        found = dict(zip(unique, await asyncio.gather(*map(one, unique.values())), strict=True))
        return {dn: found[normalise_dn(dn)] for dn in group_dns}
    return await _walk_down(d, group_dns, resolve)


async def _walk_down(
    d: DirectoryConnector, group_dns: Sequence[str], resolve: PeopleByDn | None = None
) -> dict[str, list[DirectoryPerson]]:
    """Read the groups' members level by level: each level one search for groups (chunks
    side by side), then the people among their members.

    A big group's members come in slices (``member;range=0-1499``, AD's cap): the
    people of the first slices are looked up while the rest of every big group's
    slices are read, side by side. A member DN that is neither a group nor a person
    under the base (a contact, a computer, something outside the base) is left out."""
    children: dict[str, set[str]] = {}  # norm group dn -> norm dns of its direct members
    people: dict[str, DirectoryPerson] = {}
    asked: set[str] = set()  # member DNs already looked up as people
    visited: set[str] = set()
    pending = list(dict.fromkeys(group_dns))
    attributes = [d.map.guid, ranged_name(d.map.member, d.features.range_step)]

    async def look_up(values: dict[str, str]) -> None:
        unknown = [dn for norm, dn in values.items() if norm not in asked and norm not in visited]
        asked.update(normalise_dn(dn) for dn in unknown)
        if unknown:
            found = await resolve(unknown) if resolve else await d.people_by("dn", unknown)
            people.update((normalise_dn(p.dn), p) for p in found if p is not None)

    for _ in range(MAX_LEVELS):
        if not pending:
            break
        visited |= {normalise_dn(dn) for dn in pending}
        entries = await d._entries_by_dn(
            pending, d.map.group_filter, attributes, d.group_base_dn, complete_ranges=False
        )
        rest = asyncio.ensure_future(d.finish_ranges(entries))
        try:
            await look_up(_member_values(d, entries))  # the first slices, meanwhile
            await rest
        finally:
            rest.cancel()  # only when the lookup failed: the level fails whole
        values = _member_values(d, entries)
        await look_up(values)  # what the later slices added
        for entry in entries:
            children[normalise_dn(entry["dn"])] = {
                normalise_dn(v) for v in d.reader.values(entry, d.map.member)
            }
        # Whatever is not a person may be a group: the next level finds out.
        pending = [dn for norm, dn in values.items() if norm not in people and norm not in visited]
    result: dict[str, list[DirectoryPerson]] = {}
    for dn in group_dns:
        reached = closure(normalise_dn(dn), children)
        result[dn] = sort_people(people[n] for n in reached if n in people)
    return result


def _member_values(d: DirectoryConnector, entries: list[Entry]) -> dict[str, str]:
    """Every member DN the entries hold so far (a first slice included), by normal form."""
    member = d.map.member.casefold()
    values: dict[str, str] = {}
    for entry in entries:
        for name, raw in (entry.get("raw_attributes") or {}).items():
            if name.split(";", 1)[0].casefold() == member:
                for value in raw or []:
                    text = value.decode("utf-8") if isinstance(value, bytes) else str(value)
                    values[normalise_dn(text)] = text
    return values


def closure(start: str, edges: dict[str, set[str]]) -> set[str]:
    """Everything reachable from ``start`` (cycles are fine)."""
    reached: set[str] = set()
    stack = [start]
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt not in reached:
                reached.add(nxt)
                stack.append(nxt)
    reached.discard(start)
    return reached


def sorted_groups(groups: Iterable[DirectoryGroup]) -> list[DirectoryGroup]:
    return sorted(groups, key=lambda g: g.name.casefold())


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
