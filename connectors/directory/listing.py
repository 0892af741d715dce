"""People searches and listings: the one LDAP filter for a search, and the page index.

The filter: every word of the text in name, title, department or office (each word
as typed, escaped, in its NFC and NFD spellings; ANR where configured), every
``where`` criterion, the person filter and the people rule's filter, in ONE search.

The page index is that search read with only what the listing's order and the leaver
rule need (GUID, display name, cn, account name, account control and expiry), sorted
as :func:`~.connector.sort_people` sorts records: GUIDs instead of records, so a page
of people is its own records' work (looked up by GUID). Everyone (no text, no
criteria) comes from the connector's in-memory index (:mod:`.index`), which the
change feed keeps current.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ldap3.utils.conv import escape_filter_chars

from .index import IndexRow
from .matching import spellings
from .where import PeopleWhere

if TYPE_CHECKING:
    from .connector import DirectoryConnector

#: Words of a search beyond this are ignored (each adds a clause to the filter).
MAX_SEARCH_WORDS = 8
MAX_WORD_LENGTH = 1024


def people_query(d: DirectoryConnector, text: str | None, where: PeopleWhere | None) -> str | None:
    """The search's LDAP filter; None when the text cannot match anyone."""
    m = d.map
    clauses = []
    words = (text or "").split()[:MAX_SEARCH_WORDS]
    if any(not word.isprintable() or len(word) > MAX_WORD_LENGTH for word in words):
        # No name holds a control character; some servers drop NULs while
        # matching, which would turn the word into "match everyone".
        return None
    for word in words:
        # The word as typed (escaped, never case-folded: the directory applies its own
        # case rule), in both its NFC and NFD spellings, which a DC tells apart.
        either = []
        for form in spellings(word):
            value = escape_filter_chars(form)
            fields = f"({m.title}=*{value}*)({m.department}=*{value}*)({m.office}=*{value}*)"
            if d.features.anr:
                # ANR covers the names, account name and mail through AD's own index.
                either.append(f"(anr={value}){fields}")
            else:
                # cn too: an account without a displayName is listed by its cn.
                either.append(
                    f"({m.display_name}=*{value}*)({m.common_name}=*{value}*){fields}"
                    f"({m.account_name}={value}*)({m.mail}={value}*)"
                )
        clauses.append(f"(|{''.join(either)})")
    if where:
        clauses.append(where.clauses(m, d.features))
    return f"(&{m.person_filter}{d.people_rule.filter}{''.join(clauses)})"


async def people_index(
    d: DirectoryConnector,
    text: str | None,
    *,
    include_leavers: bool,
    where: PeopleWhere | None,
) -> list[str]:
    if not (text or "").split() and where is None:
        return await _everyone(d, include_leavers)
    query = people_query(d, text, where)
    if query is None:
        return []
    m = d.map
    wanted = [m.guid, m.display_name, m.common_name, m.account_name]
    if not include_leavers:
        wanted += [m.account_control, m.account_expires]
    entries = await d.search(d.base_dn, query, [n for n in dict.fromkeys(wanted) if n])
    now = datetime.now(UTC)
    rule, reader = d.people_rule, d.reader
    keyed = [
        (reader.sort_name(entry), reader.guid(entry))
        for entry in entries
        if not rule.excludes(entry["dn"]) and (include_leavers or not reader.leaver(entry, now))
    ]
    keyed.sort()
    return [guid for _, guid in keyed]


async def _everyone(d: DirectoryConnector, include_leavers: bool) -> list[str]:
    """Everyone, from the connector's in-memory index (built here when stale)."""
    index = d.index
    if not index.fresh():
        async with d.index_lock:
            if not index.fresh():
                index.replace(await _rows(d))
    return index.guids(include_leavers=include_leavers, now=datetime.now(UTC))


async def _rows(d: DirectoryConnector) -> list[IndexRow]:
    m = d.map
    wanted = [m.guid, m.display_name, m.common_name, m.account_name, m.account_control,
              m.account_expires]  # fmt: skip
    query = f"(&{m.person_filter}{d.people_rule.filter})"
    entries = await d.search(d.base_dn, query, [n for n in dict.fromkeys(wanted) if n])
    rows = []
    for entry in entries:
        if d.people_rule.excludes(entry["dn"]):
            continue
        enabled, expires = d.reader.account_state(entry)
        rows.append(IndexRow(d.reader.sort_name(entry), d.reader.guid(entry), enabled, expires))
    return rows
