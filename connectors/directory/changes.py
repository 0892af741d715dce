"""Change tracking: what changed in the directory since a checkpoint.

Two ways, both AD's own:

* ``uSNChanged``: every write on a DC bumps its update sequence number. Read
  the DC's ``highestCommittedUSN`` first, then search ``uSNChanged>=old+1``;
  the number read first is the next checkpoint (a change racing the search is
  seen twice, never lost). USNs belong to one DC, so the checkpoint carries a
  fingerprint of the DC (``dsServiceName``): if another DC answers next time,
  the feed starts again from everything rather than trusting a foreign number.
* DirSync (control 1.2.840.113556.1.4.841): the DC keeps the state in an
  opaque cookie. It needs the "Replicating Directory Changes" right and the
  root of the naming context as its base; it reports the GUIDs of changed
  objects, which the connector then reads in one batch (keeping only people),
  and the GUIDs of deleted objects (a deleted group's GUID may be among them:
  a tombstone does not always say what it was).

* a change timestamp (``modifyTimestamp``/``whenChanged``), for directories
  without either (OpenLDAP): search ``changed>=checkpoint``, the newest time
  seen is the next checkpoint. Changes made within the checkpoint's second are
  reported again (never lost); deletions cannot be seen; with multi-master
  replication a change replicated late with an older time can be missed, so
  point it at one server.

Checkpoints are opaque text (``usn:…``, ``dirsync:…``, ``time:…``) holding no
DN. The functions taking a connection are blocking and run in a pool thread.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ldap3 import BASE, SUBTREE, Connection
from ldap3.protocol.microsoft import dir_sync_control, show_deleted_control

from .entries import normalise_dn, under
from .errors import DirectoryRejected
from .records import DirectoryChanges, DirectoryPerson
from .search import Entry, paged_search

if TYPE_CHECKING:
    from .connector import DirectoryConnector

DIRSYNC = "1.2.840.113556.1.4.841"
_MAX_DIRSYNC_ROUNDS = 10_000
_INSUFFICIENT_ACCESS = 50


@dataclass(frozen=True, slots=True)
class UsnCheckpoint:
    usn: int
    dc: str  # a fingerprint of the DC the number belongs to

    def encode(self) -> str:
        return f"usn:{self.usn}:{self.dc}"


@dataclass(frozen=True, slots=True)
class DirSyncCheckpoint:
    cookie: bytes

    def encode(self) -> str:
        return "dirsync:" + base64.urlsafe_b64encode(self.cookie).decode("ascii")


@dataclass(frozen=True, slots=True)
class TimestampCheckpoint:
    value: str  # GeneralizedTime, whole seconds: 20250102030405Z

    @classmethod
    def of(cls, when: datetime) -> TimestampCheckpoint:
        return cls(when.astimezone(UTC).strftime(_TIME_FORMAT))

    def encode(self) -> str:
        return f"time:{self.value}"


_TIME_FORMAT = "%Y%m%d%H%M%SZ"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Checkpoint = UsnCheckpoint | DirSyncCheckpoint | TimestampCheckpoint


def decode_checkpoint(token: str | None) -> Checkpoint | None:
    """The checkpoint in ``token``; ``None`` for no token or one that cannot be read."""
    if not token:
        return None
    kind, _, rest = token.partition(":")
    try:
        if kind == "usn":
            usn, _, dc = rest.partition(":")
            return UsnCheckpoint(int(usn), dc) if dc and int(usn) >= 0 else None
        if kind == "time":
            datetime.strptime(rest, _TIME_FORMAT)  # ValueError unless exactly that shape
            return TimestampCheckpoint(rest)
        if kind == "dirsync":
            cookie = base64.b64decode(rest.encode("ascii"), altchars=b"-_", validate=True)
            return DirSyncCheckpoint(cookie) if cookie else None
    except (ValueError, binascii.Error):
        return None
    return None


@dataclass(frozen=True, slots=True)
class RootFacts:
    highest_usn: int
    dc: str
    naming_context: str


def read_root(connection: Connection) -> RootFacts:
    """The DC's highestCommittedUSN, its fingerprint and the default naming context."""
    connection.search(
        "",
        "(objectClass=*)",
        BASE,
        attributes=["highestCommittedUSN", "dsServiceName", "defaultNamingContext"],
    )
    entries = [e for e in connection.response or [] if e.get("type") == "searchResEntry"]
    attrs = entries[0]["attributes"] if entries else {}

    def first(name: str) -> str:
        value = attrs.get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        return str(value) if value not in (None, "") else ""

    usn, service, context = (
        first("highestCommittedUSN"),
        first("dsServiceName"),
        first("defaultNamingContext"),
    )
    if not usn.isdigit() or not service:
        raise DirectoryRejected("the directory does not publish highestCommittedUSN (not AD?)")
    fingerprint = hashlib.sha256(normalise_dn(service).encode()).hexdigest()[:16]
    return RootFacts(int(usn), fingerprint, context)


@dataclass(slots=True)
class UsnAnswer:
    entries: list[Entry]
    removed: list[Entry]
    checkpoint: UsnCheckpoint
    full: bool


def usn_changes(
    connection: Connection,
    since: UsnCheckpoint | None,
    *,
    base: str,
    person_filter: str,
    counter: str,
    attributes: list[str],
    guid_attribute: str,
    page_size: int,
) -> UsnAnswer:
    """People changed (and deleted) since ``since`` on the DC behind ``connection``."""
    root = read_root(connection)  # first: a change made during the search is seen again
    full = since is None or since.dc != root.dc or since.usn > root.highest_usn
    if full or since is None:
        query = person_filter
    else:
        query = f"(&{person_filter}({counter}>={since.usn + 1}))"
    entries = paged_search(connection, base, query, attributes, page_size=page_size)
    removed: list[Entry] = []
    if not full and since is not None and root.naming_context:
        removed = _deleted_since(
            connection, root.naming_context, base, person_filter, counter, since.usn,
            guid_attribute, page_size,
        )  # fmt: skip
    return UsnAnswer(entries, removed, UsnCheckpoint(root.highest_usn, root.dc), full)


def _deleted_since(
    connection: Connection,
    naming_context: str,
    base: str,
    person_filter: str,
    counter: str,
    usn: int,
    guid_attribute: str,
    page_size: int,
) -> list[Entry]:
    """Tombstones of people deleted since ``usn`` that lived under ``base``.

    Reading deleted objects needs rights many service accounts lack; without
    them the DC answers with nothing, and the feed reports no removals (the
    account's disappearance still shows when it is looked up)."""
    query = f"(&{person_filter}(isDeleted=TRUE)({counter}>={usn + 1}))"
    connection.search(
        naming_context,
        query,
        SUBTREE,
        attributes=[guid_attribute, "lastKnownParent"],
        paged_size=min(page_size, 1000),
        controls=[show_deleted_control(criticality=True)],
    )
    if (connection.result or {}).get("result") not in (0, 4):
        return []
    found = []
    for entry in connection.response or []:
        if entry.get("type") != "searchResEntry":
            continue
        parent = entry["attributes"].get("lastKnownParent")
        parent = parent[0] if isinstance(parent, list) and parent else parent
        if isinstance(parent, str) and under(parent, base):
            found.append(entry)
    return found


@dataclass(slots=True)
class DirSyncAnswer:
    changed: list[Entry]
    removed: list[Entry]
    checkpoint: DirSyncCheckpoint


def dirsync_changes(
    connection: Connection,
    since: DirSyncCheckpoint | None,
    *,
    guid_attribute: str,
    attributes: list[str],
    person_class: str = "user",
) -> DirSyncAnswer:
    """Objects changed or deleted since the DirSync cookie in ``since``.

    DirSync reports an object only when one of the requested ``attributes``
    changed, so ask for every attribute a change of which matters."""
    root = read_root(connection)
    cookie = since.cookie if since else None
    changed: list[Entry] = []
    removed: list[Entry] = []
    for _ in range(_MAX_DIRSYNC_ROUNDS):
        connection.search(
            root.naming_context,
            # With incremental values a DC returns only the changed attributes,
            # and Samba matches the filter against what it returns: a filter on
            # objectClass would miss every modification. Every answer carries
            # the GUID, so filter on that; the batch read after keeps only people.
            f"({guid_attribute}=*)",
            SUBTREE,
            attributes=list(
                dict.fromkeys([*attributes, guid_attribute, "isDeleted", "objectClass"])
            ),
            controls=[
                dir_sync_control(
                    criticality=True,
                    object_security=False,
                    ancestors_first=True,
                    public_data_only=False,
                    incremental_values=True,
                    max_length=2147483647,
                    cookie=cookie,
                )
            ],
        )
        result: dict[str, Any] = connection.result or {}
        if result.get("result") == _INSUFFICIENT_ACCESS:
            raise DirectoryRejected(
                "DirSync needs the 'Replicating Directory Changes' right for the service account"
            )
        control = (result.get("controls") or {}).get(DIRSYNC)
        if result.get("result") != 0 or control is None:
            raise DirectoryRejected(f"DirSync failed ({result.get('description')})")
        for entry in connection.response or []:
            if entry.get("type") != "searchResEntry":
                continue
            attrs = entry["attributes"]
            deleted = attrs.get("isDeleted")
            deleted = deleted[0] if isinstance(deleted, list) and deleted else deleted
            if deleted not in (True, "TRUE", b"TRUE"):
                changed.append(entry)
            else:
                # A tombstone often comes without objectClass (it did not
                # change): report it unless it is known to be something else.
                classes = {str(c).casefold() for c in attrs.get("objectClass") or []}
                if not classes or person_class in classes:
                    removed.append(entry)
        cookie = control["value"]["cookie"]
        if not control["value"]["more_results"]:
            return DirSyncAnswer(changed, removed, DirSyncCheckpoint(bytes(cookie or b"")))
    raise DirectoryRejected("DirSync never reported the end of the changes")


# -- the connector's entry points ------------------------------------------------------


async def change_checkpoint(d: DirectoryConnector) -> str:
    """A checkpoint meaning "now"."""
    if d.features.change_tracking == "usn":
        root = await d.pool.run(read_root)
        return UsnCheckpoint(root.highest_usn, root.dc).encode()
    # DirSync and timestamps learn "now" from a first full pass.
    return (await changes_since(d, None)).checkpoint


async def changes_since(d: DirectoryConnector, checkpoint: str | None) -> DirectoryChanges:
    since = decode_checkpoint(checkpoint)
    tracking = d.features.change_tracking
    d.calls += 1
    if tracking == "dirsync":
        return await _by_dirsync(d, since if isinstance(since, DirSyncCheckpoint) else None)
    if tracking == "timestamp":
        return await _by_timestamp(d, since if isinstance(since, TimestampCheckpoint) else None)
    if not d.map.change_counter:
        raise DirectoryRejected("this directory's attribute map has no change counter")
    usn = since if isinstance(since, UsnCheckpoint) else None
    m = d.map

    def run(connection: Connection) -> UsnAnswer:
        return usn_changes(
            connection, usn, base=d.base_dn, person_filter=m.person_filter,
            counter=m.change_counter, attributes=m.person_attributes(), guid_attribute=m.guid,
            page_size=d.page_size,
        )  # fmt: skip

    answer = await d.pool.run(run)
    return DirectoryChanges(
        people=_sorted(d.reader.person(e) for e in answer.entries),
        removed=sorted({d.reader.guid(e) for e in answer.removed}),
        checkpoint=answer.checkpoint.encode(),
        full=answer.full,
    )


async def _by_dirsync(d: DirectoryConnector, since: DirSyncCheckpoint | None) -> DirectoryChanges:
    attributes = [*d.map.person_attributes(), d.map.photo]
    answer = await d.pool.run(
        lambda c: dirsync_changes(c, since, guid_attribute=d.map.guid, attributes=attributes)
    )
    guids = list(dict.fromkeys(d.reader.guid(e) for e in answer.changed))
    found = [p for p in await d.people_by("guid", guids) if p is not None]
    return DirectoryChanges(
        people=_sorted(found),
        removed=sorted({d.reader.guid(e) for e in answer.removed}),
        checkpoint=answer.checkpoint.encode(),
        full=since is None,
    )


async def _by_timestamp(
    d: DirectoryConnector, since: TimestampCheckpoint | None
) -> DirectoryChanges:
    m = d.map
    if not m.changed:
        raise DirectoryRejected("this directory's attribute map has no change time")
    # "….0Z": Samba parses GeneralizedTime only with the fraction; OpenLDAP takes both.
    query = (
        m.person_filter
        if since is None
        else f"(&{m.person_filter}({m.changed}>={since.value[:-1]}.0Z))"
    )
    people = [d.reader.person(e) for e in await d.search(d.base_dn, query, m.person_attributes())]
    latest = max((p.changed_at for p in people if p.changed_at is not None), default=None)
    if latest is not None:
        checkpoint = TimestampCheckpoint.of(latest)
        if since is not None and checkpoint.value < since.value:
            checkpoint = since
    else:
        checkpoint = since or TimestampCheckpoint.of(_EPOCH)
    return DirectoryChanges(
        people=_sorted(people), checkpoint=checkpoint.encode(), full=since is None
    )


def _sorted(people: Iterable[DirectoryPerson]) -> list[DirectoryPerson]:
    return sorted(people, key=lambda p: (p.display_name.casefold(), p.guid))
