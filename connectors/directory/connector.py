"""Reads people, the org chart and groups from Active Directory (or another LDAP directory).

Every batch lookup is ONE search (an OR filter, split into bounded chunks for
very large batches); results come back in key order with ``None`` for a key
the directory does not know. Every value that reaches a filter is escaped
(RFC 4515; GUIDs as escaped bytes).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from ldap3 import BASE, SUBTREE, Connection
from ldap3.core import exceptions as ldap_exc
from ldap3.utils.conv import escape_bytes, escape_filter_chars
from ldap3.utils.dn import parse_dn

from .errors import DirectoryRejected
from .pool import ConnectionPool
from .records import AttributeMap, DirectoryGroup, DirectoryPerson

LookupField = Literal["guid", "account_name", "upn", "employee_id", "dn", "mail"]

_PAGED_RESULTS = "1.2.840.113556.1.4.319"
_ACCOUNT_DISABLED = 0x2
_NEVER = (0, 0x7FFFFFFFFFFFFFFF)
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


class DirectoryConnector:
    """Batch lookups, org chart, groups and search over a pool of LDAP connections."""

    def __init__(
        self,
        pool: ConnectionPool,
        *,
        base_dn: str,
        group_base_dn: str | None = None,
        attributes: AttributeMap | None = None,
        page_size: int = 500,
        batch_size: int = 100,
    ) -> None:
        self._pool = pool
        self._base = base_dn
        self._group_base = group_base_dn or base_dn
        self._map = attributes or AttributeMap()
        self._page_size = page_size
        self._batch_size = batch_size
        self.calls = 0  # searches sent, for tests and benchmarks

    async def close(self) -> None:
        self._pool.close()

    # -- people -------------------------------------------------------------------------

    async def people_by(
        self, field: LookupField, keys: Sequence[str]
    ) -> list[DirectoryPerson | None]:
        """Look people up by one identifier; ``None`` where the directory has no match."""
        attribute = self._lookup_attribute(field)
        found: dict[str, DirectoryPerson] = {}
        wanted = [k for k in dict.fromkeys(keys) if _valid_key(field, k)]
        for chunk in _chunks(wanted, self._batch_size):
            clauses = "".join(f"({attribute}={self._assertion(field, key)})" for key in chunk)
            query = f"(&{self._map.person_filter}(|{clauses}))"
            for entry in await self._search(self._base, query, self._map.person_attributes()):
                person = self._person(entry)
                found[self._key_of(field, person)] = person
        return [
            found.get(_normalise(field, key)) if _valid_key(field, key) else None for key in keys
        ]

    async def reports_of(self, manager_dns: Sequence[str]) -> dict[str, list[DirectoryPerson]]:
        """Direct reports of each manager, keyed by the manager DN as given."""
        unique = {normalise_dn(dn): dn for dn in manager_dns}
        by_norm: dict[str, list[DirectoryPerson]] = {norm: [] for norm in unique}
        for chunk in _chunks(list(unique.values()), self._batch_size):
            clauses = "".join(f"({self._map.manager}={escape_filter_chars(dn)})" for dn in chunk)
            query = f"(&{self._map.person_filter}(|{clauses}))"
            for entry in await self._search(self._base, query, self._map.person_attributes()):
                person = self._person(entry)
                if person.manager_dn is not None:
                    by_norm.setdefault(normalise_dn(person.manager_dn), []).append(person)
        for people in by_norm.values():
            people.sort(key=lambda p: (p.display_name.casefold(), p.guid))
        return {dn: by_norm.get(normalise_dn(dn), []) for dn in manager_dns}

    async def search_people(
        self, text: str | None = None, *, include_leavers: bool = False
    ) -> list[DirectoryPerson]:
        """Everyone matching every word of ``text`` in name, title, department or office.

        Paged (Simple Paged Results) so directories that cap page sizes, as AD
        does at 1,000, still return every match. Sorted by display name.
        """
        words = (text or "").split()[:8]
        clauses = []
        for word in words:
            value = escape_filter_chars(word)
            m = self._map
            clauses.append(
                f"(|({m.display_name}=*{value}*)({m.title}=*{value}*)({m.department}=*{value}*)"
                f"({m.office}=*{value}*)({m.account_name}={value}*)({m.mail}={value}*))"
            )
        query = f"(&{self._map.person_filter}({self._map.display_name}=*){''.join(clauses)})"
        now = datetime.now(UTC)
        people = [
            self._person(e)
            for e in await self._search(self._base, query, self._map.person_attributes())
        ]
        if not include_leavers:
            people = [p for p in people if not p.is_leaver(now)]
        people.sort(key=lambda p: (p.display_name.casefold(), p.guid))
        return people

    async def photo(self, guid: str) -> bytes | None:
        """The person's thumbnail photo bytes, or ``None``."""
        if not _valid_key("guid", guid):
            return None
        query = f"(&{self._map.person_filter}({self._map.guid}={self._assertion('guid', guid)}))"
        entries = await self._search(self._base, query, [self._map.photo])
        if not entries:
            return None
        value = entries[0]["raw_attributes"].get(self._map.photo) or []
        return bytes(value[0]) if value else None

    # -- groups -------------------------------------------------------------------------

    async def groups_of(self, member_dns: Sequence[str]) -> dict[str, list[DirectoryGroup]]:
        """Every group each member belongs to, nested membership included.

        Walks the membership graph one level per search for all members at
        once (so it works on any LDAP directory, and a group cycle ends the walk).
        """
        direct: dict[str, set[str]] = {}  # norm dn -> norm dns of groups containing it
        groups: dict[str, DirectoryGroup] = {}
        frontier = {normalise_dn(dn): dn for dn in member_dns}
        seen = set(frontier)
        while frontier:
            for chunk in _chunks(sorted(frontier.values()), self._batch_size):
                clauses = "".join(f"({self._map.member}={escape_filter_chars(dn)})" for dn in chunk)
                query = f"(&{self._map.group_filter}(|{clauses}))"
                attrs = [*self._map.group_attributes(), self._map.member]
                for entry in await self._search(self._group_base, query, attrs):
                    group = self._group(entry)
                    gdn = normalise_dn(group.dn)
                    groups[gdn] = group
                    members = entry["attributes"].get(self._map.member) or []
                    for member in members:
                        norm = normalise_dn(member)
                        if norm in seen:
                            direct.setdefault(norm, set()).add(gdn)
            frontier = {g: groups[g].dn for g in groups if g not in seen}
            seen |= set(frontier)
        result: dict[str, list[DirectoryGroup]] = {}
        for dn in member_dns:
            closure: set[str] = set()
            stack = [normalise_dn(dn)]
            while stack:
                for parent in direct.get(stack.pop(), ()):
                    if parent not in closure:
                        closure.add(parent)
                        stack.append(parent)
            result[dn] = sorted((groups[g] for g in closure), key=lambda g: g.name.casefold())
        return result

    # -- plumbing -----------------------------------------------------------------------

    async def _search(self, base: str, query: str, attributes: list[str]) -> list[dict[str, Any]]:
        self.calls += 1
        page_size = self._page_size

        def run(connection: Connection) -> list[dict[str, Any]]:
            entries: list[dict[str, Any]] = []
            cookie: bytes | None = None
            while True:
                connection.search(
                    base,
                    query,
                    SUBTREE,
                    attributes=attributes,
                    paged_size=page_size,
                    paged_cookie=cookie,
                )
                result = connection.result
                if result.get("result") not in (0, 4):  # success, sizeLimitExceeded
                    if result.get("result") == 32:  # noSuchObject: the base is empty
                        return entries
                    raise DirectoryRejected(f"search failed ({result.get('description')})")
                entries.extend(
                    e for e in connection.response or [] if e.get("type") == "searchResEntry"
                )
                control = (result.get("controls") or {}).get(_PAGED_RESULTS)
                cookie = control["value"]["cookie"] if control else None
                if not cookie:
                    return entries

        return await self._pool.run(run)

    def _lookup_attribute(self, field: LookupField) -> str:
        m = self._map
        names: dict[str, str] = {
            "guid": m.guid,
            "account_name": m.account_name,
            "upn": m.upn,
            "employee_id": m.employee_id,
            "dn": m.dn_attribute,
            "mail": m.mail,
        }
        return names[field]

    def _assertion(self, field: LookupField, key: str) -> str:
        if field == "guid" and self._map.guid_is_binary:
            return str(escape_bytes(uuid.UUID(key).bytes_le))
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

    def _person(self, entry: dict[str, Any]) -> DirectoryPerson:
        m = self._map
        attrs = entry["attributes"]
        raw = entry["raw_attributes"]

        def text(name: str) -> str | None:
            value = attrs.get(name)
            if isinstance(value, list):
                value = value[0] if value else None
            if value is None or value == "":
                return None
            return str(value)

        control = _int(attrs.get(m.account_control))
        display = text(m.display_name) or text(m.common_name) or text(m.account_name) or "?"
        return DirectoryPerson(
            guid=self._guid(raw, attrs),
            dn=entry["dn"],
            account_name=text(m.account_name),
            upn=text(m.upn),
            display_name=display,
            given_name=text(m.given_name),
            surname=text(m.surname),
            mail=text(m.mail),
            title=text(m.title),
            department=text(m.department),
            office=text(m.office),
            locality=text(m.locality),
            telephone=text(m.telephone),
            mobile=text(m.mobile),
            employee_id=text(m.employee_id),
            manager_dn=text(m.manager),
            enabled=not (control or 0) & _ACCOUNT_DISABLED,
            expires_at=_expiry(attrs.get(m.account_expires)),
            changed_at=_timestamp(attrs.get(m.changed)),
        )

    def _group(self, entry: dict[str, Any]) -> DirectoryGroup:
        attrs = entry["attributes"]
        name = attrs.get(self._map.group_name)
        description = attrs.get(self._map.description)
        return DirectoryGroup(
            guid=self._guid(entry["raw_attributes"], attrs),
            dn=entry["dn"],
            name=str(name[0] if isinstance(name, list) else name),
            description=(description[0] if description else None)
            if isinstance(description, list)
            else description,
        )

    def _guid(self, raw: dict[str, list[bytes]], attrs: dict[str, Any]) -> str:
        if self._map.guid_is_binary:
            return str(uuid.UUID(bytes_le=bytes(raw[self._map.guid][0])))
        value = attrs[self._map.guid]
        return str(uuid.UUID(str(value[0] if isinstance(value, list) else value)))


def normalise_dn(dn: str) -> str:
    """A DN in a form that compares equal however the server escaped or cased it."""
    try:
        parts = parse_dn(dn, escape=False, strip=True)
    except ldap_exc.LDAPInvalidDnError:
        return dn.strip().casefold()
    return ",".join(f"{attr.casefold()}={_unescape(value).casefold()}" for attr, value, _ in parts)


def _unescape(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        char = value[i]
        if char == "\\" and i + 1 < len(value):
            pair = value[i + 1 : i + 3]
            if len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair):
                out.append(chr(int(pair, 16)))
                i += 3
                continue
            out.append(value[i + 1])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _valid_key(field: LookupField, key: str) -> bool:
    if field == "guid":
        try:
            uuid.UUID(key)
        except (ValueError, AttributeError, TypeError):
            return False
    return isinstance(key, str) and bool(key) and len(key) <= 1024 and "\x00" not in key


def _normalise(field: LookupField, key: str) -> str:
    if field == "guid":
        try:
            return str(uuid.UUID(key))
        except (ValueError, TypeError, AttributeError):
            return str(key)
    if field == "dn":
        return normalise_dn(key)
    return key.casefold()


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _int(value: Any) -> int | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _expiry(value: Any) -> datetime | None:
    if isinstance(value, datetime):  # ldap3 decodes accountExpires when it knows the schema
        if value.year >= 9999 or value.year <= 1601:
            return None
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    ticks = _int(value)
    if ticks is None or ticks in _NEVER:
        return None
    return _FILETIME_EPOCH + timedelta(microseconds=ticks // 10)


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and len(value) >= 14:
        try:
            return datetime.strptime(value[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            return None
    return None


ConnectionFactory = Callable[[], Connection]
__all__ = ["BASE", "DirectoryConnector", "LookupField", "normalise_dn"]
