"""Every group and its nested membership, from one listing: for warming a cache whole.

``group_graph`` lists every group under the group base in one paged search, with its
direct ``member`` values (read in ranges where the server sends them so), and answers
what ``members_of`` and ``groups_of`` answer for any group or member, computed in
memory: nesting is followed through the listed groups only, as the level-by-level walk
follows it (and as AD's in-chain rule does when the group base is the search base).
Which member DNs are people is the caller's to say (its people, by normalised DN).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .entries import normalise_dn, sort_people
from .groups import closure, sorted_groups
from .records import DirectoryGroup, DirectoryPerson
from .search import ranged_name

if TYPE_CHECKING:
    from .connector import DirectoryConnector


@dataclass(slots=True)
class GroupGraph:
    """Groups by normalised DN (in the directory's order), and the direct links between
    groups and members: ``children`` downwards, ``parents`` upwards."""

    groups: dict[str, DirectoryGroup] = field(default_factory=dict)
    children: dict[str, set[str]] = field(default_factory=dict)
    parents: dict[str, set[str]] = field(default_factory=dict)
    member_dns: dict[str, str] = field(default_factory=dict)  # normalised -> as sent

    def add(self, group: DirectoryGroup, members: Iterable[str]) -> None:
        norm = normalise_dn(group.dn)
        self.groups[norm] = group
        direct = self.children.setdefault(norm, set())
        for dn in members:
            member = normalise_dn(dn)
            direct.add(member)
            self.parents.setdefault(member, set()).add(norm)
            self.member_dns.setdefault(member, dn)

    def reached(self, group_dn: str) -> set[str]:
        """Every DN (normalised) reachable down from a group: its nested members."""
        return closure(normalise_dn(group_dn), self.children)

    def not_groups(self) -> dict[str, str]:
        """Member DNs that are not listed groups (people, or anything else), as sent."""
        return {n: dn for n, dn in self.member_dns.items() if n not in self.groups}

    def members(self, group_dn: str, people: dict[str, DirectoryPerson]) -> list[DirectoryPerson]:
        """The people (``people`` by normalised DN) in a group, nested ones included,
        sorted as ``members_of`` sorts them."""
        return sort_people(people[n] for n in self.reached(group_dn) if n in people)

    def groups_of(self, member_dn: str) -> list[DirectoryGroup]:
        """The groups a member belongs to, through nesting too, sorted as ``groups_of`` sorts
        them (by name; the directory's order between equal names)."""
        reached = closure(normalise_dn(member_dn), self.parents)
        return sorted_groups(g for n, g in self.groups.items() if n in reached)


async def group_graph(d: DirectoryConnector) -> GroupGraph:
    """Every group under the group base and its direct members, in one paged search."""
    member = d.map.member
    attributes = [*d.map.group_attributes(), ranged_name(member, d.features.range_step)]
    graph = GroupGraph()
    for entry in await d.search(d.group_base_dn, d.map.group_filter, attributes):
        graph.add(d.reader.group(entry), d.reader.values(entry, member))
    return graph
