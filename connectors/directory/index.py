"""The whole-directory page index, held in memory and kept current by the change feed.

Each person is a row of what the listing's order and the leaver rule need: the sort
key (display name, case-folded), the GUID, and whether the account is enabled and
when it expires. The index is built by one search reading only those attributes
(:func:`.listing.people_index`); after that, every change-feed round the connector
answers (:meth:`DirectoryConnector.changes_since`) updates the changed rows and drops
the removed ones, so a page of everyone costs a copy of GUIDs, not a directory read.

It is rebuilt when the feed starts again from everything (``full``), when nothing
has refreshed it for ``max_age`` seconds (no feed is running, or it fails), and on
every change while the people rule has an LDAP filter (a changed record cannot be
checked against it here). The change feed by timestamp cannot see deletions: the
age limit bounds how long a deleted account stays listed (its record lookup fails,
so the page shows it as missing, never as data).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from .records import DirectoryChanges, DirectoryPerson, PeopleRule

#: Seconds an index nobody refreshed is trusted (the record cache's default TTL).
DEFAULT_MAX_AGE = 300.0


@dataclass(frozen=True, slots=True)
class IndexRow:
    key: str  # display name, case-folded, as the listing sorts
    guid: str
    enabled: bool
    expires_at: datetime | None

    def is_leaver(self, now: datetime) -> bool:
        return not self.enabled or (self.expires_at is not None and self.expires_at <= now)

    @classmethod
    def of(cls, person: DirectoryPerson) -> IndexRow:
        return cls(person.display_name.casefold(), person.guid, person.enabled, person.expires_at)


class PeopleIndex:
    """Rows by GUID; sorted on first read after a change."""

    def __init__(self, rule: PeopleRule, max_age: float = DEFAULT_MAX_AGE) -> None:
        self.rule = rule
        self.max_age = max_age
        self._rows: dict[str, IndexRow] = {}
        self._sorted: list[IndexRow] | None = None
        self._refreshed: float | None = None  # monotonic time of the last build or feed round
        self.builds = 0  # how many times it was read whole from the directory

    def fresh(self) -> bool:
        return self._refreshed is not None and time.monotonic() - self._refreshed < self.max_age

    def replace(self, rows: list[IndexRow]) -> None:
        self._rows = {row.guid: row for row in rows}
        self._sorted = sorted(rows, key=lambda r: (r.key, r.guid))
        self._refreshed = time.monotonic()
        self.builds += 1

    def apply(self, changes: DirectoryChanges) -> None:
        """A change-feed round: update what changed, or let go when that is not safe."""
        if self._refreshed is None:
            return
        if changes.full or (self.rule.filter and (changes.people or changes.removed)):
            self.clear()
            return
        for guid in changes.removed:
            self._rows.pop(guid.lower(), None)
        for person in changes.people:
            if self.rule.excludes(person.dn):
                self._rows.pop(person.guid, None)
            else:
                self._rows[person.guid] = IndexRow.of(person)
        if changes.people or changes.removed:
            self._sorted = None
        self._refreshed = time.monotonic()

    def clear(self) -> None:
        self._rows, self._sorted, self._refreshed = {}, None, None

    def guids(self, *, include_leavers: bool, now: datetime) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self._rows.values(), key=lambda r: (r.key, r.guid))
        if include_leavers:
            return [row.guid for row in self._sorted]
        return [row.guid for row in self._sorted if not row.is_leaver(now)]
