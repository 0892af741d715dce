"""The whole-directory page index, held in memory and kept current by the change feed.

Each person is a row of what the listing's order and the leaver rule need: the sort
key (display name, case-folded), the GUID, and whether the account is enabled and
when it expires. The index is built by one search reading only those attributes
(:func:`.listing.people_index`); after that, every change-feed round the connector
answers (:meth:`DirectoryConnector.changes_since`) updates the changed rows and drops
the removed ones, so a page of everyone costs a copy of GUIDs, not a directory read.

Rows also carry each person's searchable text (:mod:`.search_index`), so a text search
is answered here too. A change-feed record lacks some of it (``cn``, every value of a
multi-valued name), so a changed person's row waits in :attr:`PeopleIndex.pending`
until the next search reads their text again by GUID (one search per round's changes).

It is rebuilt when the feed starts again from everything (``full``), when nothing
has refreshed it for ``max_age`` seconds (no feed is running, or it fails), and on
every change while the people rule has an LDAP filter (a changed record cannot be
checked against it here). The change feed by timestamp cannot see deletions: the
age limit bounds how long a deleted account stays listed (its record lookup fails,
so the page shows it as missing, never as data).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from datetime import datetime

from .records import DirectoryChanges, DirectoryPerson, PeopleRule
from .search_index import MatchRule, SearchText

#: Seconds an index nobody refreshed is trusted (the record cache's default TTL).
DEFAULT_MAX_AGE = 300.0


@dataclass(frozen=True, slots=True)
class IndexRow:
    key: str  # display name, case-folded, as the listing sorts
    guid: str
    enabled: bool
    expires_at: datetime | None
    # Its search line (.search_index) until joined into the index's search text; None
    # after, or while pending (a change-feed record, read again before the next search).
    text: str | None = None

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
        # The server's matching rule (.search_index), once detected; None: no text kept.
        self.match_rule: MatchRule | None = None
        self.rule_known = False
        self.pending: set[str] = set()  # GUIDs whose search text must be read again
        # The joined search text and the rows it was built from, in its order: built on
        # the first search after a change, from the rows' new lines and its own old ones.
        self._search: SearchText | None = None
        self._searched: list[IndexRow] | None = None

    def fresh(self) -> bool:
        return self._refreshed is not None and time.monotonic() - self._refreshed < self.max_age

    def replace(self, rows: list[IndexRow]) -> None:
        self._rows = {row.guid: row for row in rows}
        self._sorted = sorted(rows, key=lambda r: (r.key, r.guid))
        self._search = self._searched = None
        self.pending = set()
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
            self.pending.discard(guid.lower())
        for person in changes.people:
            if self.rule.excludes(person.dn):
                self._rows.pop(person.guid, None)
                self.pending.discard(person.guid)
            else:
                self._rows[person.guid] = IndexRow.of(person)
                if self.match_rule is not None:
                    self.pending.add(person.guid)
        if changes.people or changes.removed:
            self._sorted = None
        self._refreshed = time.monotonic()

    def clear(self) -> None:
        self._rows, self._sorted, self._refreshed = {}, None, None
        self._search, self._searched, self.pending = None, None, set()

    def reread(self, guids: set[str], rows: list[IndexRow]) -> None:
        """The search text of changed people, read again: ``rows`` are those of ``guids``
        the directory still lists as people (the others are dropped). A GUID changed
        again meanwhile stays pending (this answer may predate that change)."""
        found = {row.guid: row for row in rows}
        for guid in guids - self.pending:
            if guid not in self._rows:
                continue  # removed meanwhile
            row = found.get(guid)
            if row is None:  # no longer a person (or gone): as the directory's search
                self._rows.pop(guid, None)
            else:
                self._rows[guid] = row
        self._sorted = None

    def guids(self, *, include_leavers: bool, now: datetime) -> list[str]:
        rows = self._listing()
        if include_leavers:
            return [row.guid for row in rows]
        return [row.guid for row in rows if not row.is_leaver(now)]

    def search(
        self, words: list[list[str]], *, include_leavers: bool, now: datetime
    ) -> tuple[list[IndexRow], set[str]]:
        """The rows matching every word (each by any of its normalised forms,
        :func:`.search_index.word_forms`), in the listing's order, and the GUIDs among
        them whose match the directory must confirm (:data:`.search_index.DOUBTFUL`).
        Every row must have its text (nothing pending)."""
        rows = self._listing()
        if self._searched is not rows:
            self._join(rows)
        assert self._search is not None
        search = self._search
        found = [n for n in search.matches(words) if include_leavers or not rows[n].is_leaver(now)]
        return [rows[n] for n in found], {rows[n].guid for n in found if search.doubtful(n)}

    def prepare(self) -> None:
        """Join the search text now (a change round's end), not on the next search."""
        rows = self._listing()
        if self.match_rule is not None and not self.pending and self._searched is not rows:
            self._join(rows)

    def _join(self, rows: list[IndexRow]) -> None:
        """Join everyone's lines in the listing's order. A row's line is held once: new
        rows bring theirs, which then moves into the joined text (the row keeps None);
        unchanged rows' lines are copied from the old joined text."""
        old, old_rows = self._search, self._searched or []
        where = {row.guid: n for n, row in enumerate(old_rows)} if old is not None else {}
        lines = []
        for n, row in enumerate(rows):
            if row.text is not None:
                lines.append(row.text)
                rows[n] = self._rows[row.guid] = dataclasses.replace(row, text=None)
            else:
                at = where.get(row.guid)
                lines.append(old.line(at) if old is not None and at is not None else "")
        self._search, self._searched = SearchText(lines), rows

    def _listing(self) -> list[IndexRow]:
        if self._sorted is None:
            self._sorted = sorted(self._rows.values(), key=lambda r: (r.key, r.guid))
        return self._sorted
