"""Reads people, the org chart and groups from Active Directory (or another LDAP directory).

Every batch lookup is ONE search (an OR filter, split into bounded chunks for
very large batches); results come back in key order with ``None`` for a key
the directory does not know. The org chart walks one search per level, never
one per person. Every value that reaches a filter is escaped (RFC 4515; GUIDs
as escaped bytes). Group lookups live in :mod:`.groups`, change tracking in
:mod:`.changes`; the blocking search loop in :mod:`.search`.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from ldap3 import SUBTREE, Connection
from ldap3.utils.conv import escape_bytes, escape_filter_chars
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from . import changes, groups, listing, orgchart
from .detect import DirectoryCapabilities, detect
from .entries import EntryReader, chunks, normalise_dn, sort_people
from .errors import DirectoryNotFound, DirectoryRejected
from .index import DEFAULT_MAX_AGE, PeopleIndex
from .pool import ConnectionPool
from .records import (
    AttributeMap,
    DirectoryChanges,
    DirectoryFeatures,
    DirectoryGroup,
    DirectoryPerson,
    PeopleRule,
)
from .search import Entry, is_ranged, paged_search
from .search import complete_ranges as complete_entry_ranges
from .where import PeopleWhere

LookupField = Literal["guid", "account_name", "upn", "employee_id", "dn", "mail"]
GroupLookupField = Literal["guid", "name"]

MAX_KEY_LENGTH = 1024


class DirectoryConnector:
    """Batch lookups, org chart, groups, search and change tracking over a connection pool."""

    def __init__(
        self,
        pool: ConnectionPool,
        *,
        base_dn: str,
        group_base_dn: str | None = None,
        attributes: AttributeMap | None = None,
        features: DirectoryFeatures | None = None,
        page_size: int = 500,
        batch_size: int = 100,
        people_rule: PeopleRule | None = None,
        index_max_age: float = DEFAULT_MAX_AGE,
    ) -> None:
        self._pool = pool
        self.base_dn = base_dn
        self.group_base_dn = group_base_dn or base_dn
        self.map = attributes or AttributeMap()
        self.features = features or DirectoryFeatures()
        self.people_rule = people_rule or PeopleRule()
        self.reader = EntryReader(self.map)
        self.page_size = page_size
        self.batch_size = batch_size
        self.calls = 0  # searches sent (ranged and paged follow-ups not counted)
        self.on_close: list[Callable[[], None]] = []  # e.g. stopping the embedded server
        self._capabilities: DirectoryCapabilities | None = None
        # Everyone in listing order, kept current by changes_since (see .index).
        self.index = PeopleIndex(self.people_rule, index_max_age)
        self.index_lock = asyncio.Lock()
        self._detecting = asyncio.Lock()

    async def capabilities(self) -> DirectoryCapabilities:
        """What the server offers (in-chain rule, server-side sort, virtual list view):
        read once, on first need, and kept for the connector's life."""
        if self._capabilities is None:
            async with self._detecting:
                if self._capabilities is None:
                    m, base = self.map, self.group_base_dn
                    self._capabilities = await self._pool.run(
                        lambda c: detect(c, base, m.group_filter, m.member)
                    )
        return self._capabilities

    @property
    def pool(self) -> ConnectionPool:
        return self._pool

    async def close(self) -> None:
        self._pool.close()
        for stop in self.on_close:
            stop()

    async def ping(self) -> None:
        """Prove a bound connection answers: one search under the base for at most one
        entry and no attributes (cheaper than any lookup). Not counted in :attr:`calls`."""
        base = self.base_dn
        await self._pool.run(lambda c: _first_entry(c, base))

    # -- people -------------------------------------------------------------------------

    async def people_by(
        self, field: LookupField, keys: Sequence[str]
    ) -> list[DirectoryPerson | None]:
        """Look people up by one identifier; ``None`` where the directory has no match."""
        attribute = self._lookup_attribute(field)
        found: dict[str, DirectoryPerson] = {}
        wanted = [k for k in dict.fromkeys(keys) if _valid_key(field, k)]
        queries = [
            f"(&{self.map.person_filter}(|"
            + "".join(f"({attribute}={self._assertion(field, key)})" for key in chunk)
            + "))"
            for chunk in chunks(wanted, self.batch_size)
        ]
        for entry in await self._search_all(self.base_dn, queries, self.map.person_attributes()):
            person = self.reader.person(entry)
            found[self._key_of(field, person)] = person
        return [
            found.get(_normalise(field, key)) if _valid_key(field, key) else None for key in keys
        ]

    async def search_people(
        self,
        text: str | None = None,
        *,
        include_leavers: bool = False,
        where: PeopleWhere | None = None,
    ) -> list[DirectoryPerson]:
        """Everyone matching every word of ``text`` in name, title, department or office,
        and every criterion of ``where`` (in the same one search).

        Paged (Simple Paged Results) so directories that cap page sizes, as AD
        does at 1,000, still return every match. Sorted by display name.
        Leavers (disabled or expired accounts) only when ``include_leavers``.
        """
        query = listing.people_query(self, text, where)
        if query is None:
            return []
        now = datetime.now(UTC)
        people = [
            self.reader.person(e)
            for e in await self.search(self.base_dn, query, self.map.person_attributes())
        ]
        rule = self.people_rule
        people = [p for p in people if not rule.excludes(p.dn)]
        if not include_leavers:
            people = [p for p in people if not p.is_leaver(now)]
        return sort_people(people)

    async def people_index(
        self,
        text: str | None = None,
        *,
        include_leavers: bool = False,
        where: PeopleWhere | None = None,
    ) -> list[str]:
        """The GUIDs :meth:`search_people` would list, in its order, read with only the
        attributes that order and the leaver rule need: a page of them then costs only
        its own records (looked up by GUID), not decoding every match to sort them."""
        if where is None:
            found = await listing.indexed_search(self, text, include_leavers=include_leavers)
            if found is not None:
                return found
        return await listing.people_index(self, text, include_leavers=include_leavers, where=where)

    async def indexed_search(
        self, text: str | None, *, include_leavers: bool = False
    ) -> list[str] | None:
        """The GUIDs :meth:`search_people` would list for ``text``, in its order, from the
        in-memory index; ``None`` when only the directory can answer exactly (.listing)."""
        return await listing.indexed_search(self, text, include_leavers=include_leavers)

    async def photo(self, guid: str) -> bytes | None:
        """The person's photo bytes, or ``None``."""
        if not _valid_key("guid", guid):
            return None
        query = f"(&{self.map.person_filter}({self.map.guid}={self._assertion('guid', guid)}))"
        entries = await self.search(self.base_dn, query, [self.map.photo])
        if not entries:
            return None
        value = entries[0]["raw_attributes"].get(self.map.photo) or []
        return bytes(value[0]) if value else None

    # -- org chart ----------------------------------------------------------------------

    async def reports_of(self, manager_dns: Sequence[str]) -> dict[str, list[DirectoryPerson]]:
        """Direct reports of each manager, keyed by the manager DN as given."""
        return await orgchart.reports_of(self, manager_dns)

    async def manager_chains(self, dns: Sequence[str]) -> dict[str, list[DirectoryPerson]]:
        """Each person's managers, nearest first, up to the top (one search per level)."""
        return await orgchart.manager_chains(self, dns)

    async def colleagues_of(self, dns: Sequence[str]) -> dict[str, list[DirectoryPerson]]:
        """People who share each person's manager (the person left out); two searches."""
        return await orgchart.colleagues_of(self, dns)

    # -- groups ---------------------------------------------------------------------------

    async def groups_of(self, member_dns: Sequence[str]) -> dict[str, list[DirectoryGroup]]:
        """Every group each member (person or group) belongs to, nested membership included."""
        return await groups.groups_of(self, member_dns)

    async def members_of(
        self, group_dns: Sequence[str], resolve: groups.PeopleByDn | None = None
    ) -> dict[str, list[DirectoryPerson]]:
        """Every person in each group, through nested groups too. ``resolve`` looks the
        members' DNs up instead of a directory search (a caller's record cache)."""
        return await groups.members_of(self, group_dns, resolve)

    async def groups_by(
        self, field: GroupLookupField, keys: Sequence[str]
    ) -> list[DirectoryGroup | None]:
        """Look groups up by GUID or name (``cn``, compared without case); ``None`` where
        the directory has no such group under the group base."""
        attribute = self.map.guid if field == "guid" else self.map.group_name
        found: dict[str, DirectoryGroup] = {}
        wanted = [k for k in dict.fromkeys(keys) if _valid_key(field, k)]
        for chunk in chunks(wanted, self.batch_size):
            clauses = "".join(f"({attribute}={self._assertion(field, key)})" for key in chunk)
            query = f"(&{self.map.group_filter}(|{clauses}))"
            for entry in await self.search(self.group_base_dn, query, self.map.group_attributes()):
                group = self.reader.group(entry)
                found[_group_key(field, group)] = group
        return [
            found.get(_group_key(field, key)) if _valid_key(field, key) else None for key in keys
        ]

    # -- change tracking ----------------------------------------------------------------

    async def change_checkpoint(self) -> str:
        """A checkpoint meaning "now": changes after it will be reported."""
        return await changes.change_checkpoint(self)

    async def changes_since(self, checkpoint: str | None) -> DirectoryChanges:
        """People changed (joiners, movers, leavers) and removed since ``checkpoint``.

        With no checkpoint (or one the directory cannot honour) every person is
        returned with ``full`` set. See :mod:`.changes` for the three ways.
        """
        found = await changes.changes_since(self, checkpoint)
        self.index.apply(found)
        await listing.refresh_search(self)
        return found

    # -- plumbing -----------------------------------------------------------------------

    async def search(
        self, base: str, query: str, attributes: list[str], *, complete_ranges: bool = True
    ) -> list[Entry]:
        """One paged search in a pool thread, ranged attributes completed (unless
        ``complete_ranges`` is false: then :meth:`finish_ranges` completes them)."""
        self.calls += 1
        page_size, step = self.page_size, self.features.range_step
        with _tracer.start_as_current_span(
            "LDAP search",
            kind=SpanKind.CLIENT,
            attributes={"townhall.source": "directory"},
            record_exception=False,  # its message may name an entry
        ) as span:
            try:
                entries = await self._pool.run(
                    lambda c: paged_search(
                        c,
                        base,
                        query,
                        attributes,
                        page_size=page_size,
                        range_step=step,
                        complete=complete_ranges,
                    )
                )
            except Exception as exc:
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                raise
            if span.is_recording():  # counts only: filters and DNs carry people's names
                span.set_attributes(
                    {"ldap.entries": len(entries), "ldap.attributes": len(attributes)}
                )
            return entries

    async def finish_ranges(self, entries: list[Entry]) -> None:
        """Complete the ranged attributes of entries searched without, each entry's
        slices in its own pool call, side by side (in place)."""
        step = self.features.range_step
        ranged = [e for e in entries if is_ranged(e)]
        if ranged:
            await asyncio.gather(
                *(self._pool.run(functools.partial(_complete, entry=e, step=step)) for e in ranged)
            )

    async def _entries_by_dn(
        self,
        dns: Iterable[str],
        object_filter: str,
        attributes: list[str],
        base: str = "",
        *,
        complete_ranges: bool = True,
    ) -> list[Entry]:
        """Entries of the given DNs matching ``object_filter``, one search per chunk."""
        unique = list({normalise_dn(dn): dn for dn in dns}.values())
        attribute = self.map.dn_attribute
        queries = [
            f"(&{object_filter}(|"
            + "".join(f"({attribute}={escape_filter_chars(d)})" for d in chunk)
            + "))"
            for chunk in chunks(unique, self.batch_size)
        ]
        return await self._search_all(base or self.base_dn, queries, attributes, complete_ranges)

    async def _search_all(
        self, base: str, queries: list[str], attributes: list[str], complete_ranges: bool = True
    ) -> list[Entry]:
        """Several searches side by side over the pool (its size bounds them), entries in
        query order: a batch's chunks, a level's groups and their ranged values overlap."""
        answers = await asyncio.gather(
            *(self.search(base, q, attributes, complete_ranges=complete_ranges) for q in queries)
        )
        return [entry for answer in answers for entry in answer]

    def guid_assertion(self, guid: str) -> str:
        """A GUID as a filter value (escaped bytes where the directory holds them)."""
        return self._assertion("guid", guid)

    def _lookup_attribute(self, field: LookupField) -> str:
        m = self.map
        return {
            "guid": m.guid,
            "account_name": m.account_name,
            "upn": m.upn,
            "employee_id": m.employee_id,
            "dn": m.dn_attribute,
            "mail": m.mail,
        }[field]

    def _assertion(self, field: LookupField | GroupLookupField, key: str) -> str:
        if field == "guid":
            value = uuid.UUID(key)
            if self.map.guid_is_binary:
                return str(escape_bytes(value.bytes_le))
            return str(value)
        return str(escape_filter_chars(key))

    def _key_of(self, field: LookupField, person: DirectoryPerson) -> str:
        value = {
            "guid": person.guid,
            "account_name": person.account_name,
            "upn": person.upn,
            "employee_id": person.employee_id,
            "dn": person.dn,
            "mail": person.mail,
        }[field]
        return _normalise(field, value or "")


def _complete(connection: Connection, *, entry: Entry, step: int | None) -> None:
    complete_entry_ranges(connection, entry, step)


def _first_entry(connection: Connection, base: str) -> None:
    connection.search(base, "(objectClass=*)", SUBTREE, attributes=["1.1"], size_limit=1)
    result = connection.result or {}
    code = result.get("result")
    if code == _NO_SUCH_OBJECT:
        raise DirectoryNotFound("the search base does not exist in the directory")
    if code not in (_SUCCESS, _SIZE_LIMIT):
        raise DirectoryRejected(f"search failed ({result.get('description')})")


_SUCCESS, _SIZE_LIMIT, _NO_SUCH_OBJECT = 0, 4, 32
_tracer = trace.get_tracer("townhall.directory")


def _valid_key(field: LookupField | GroupLookupField, key: Any) -> bool:
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH or "\x00" in key:
        return False
    if field == "guid":
        try:
            uuid.UUID(key)
        except ValueError:
            return False
    return True


def _group_key(field: GroupLookupField, group: DirectoryGroup | str) -> str:
    key = group if isinstance(group, str) else group.guid if field == "guid" else group.name
    return _normalise("guid", key) if field == "guid" else key.casefold()


def _normalise(field: LookupField, key: str) -> str:
    if field == "guid":
        try:
            return str(uuid.UUID(key))
        except (ValueError, TypeError, AttributeError):
            return str(key)
    if field == "dn":
        return normalise_dn(key)
    return key.casefold()
