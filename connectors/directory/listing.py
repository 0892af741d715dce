"""People searches and listings: the one LDAP filter for a search, and the page index.

The filter: every word of the text in name, title, department or office (each word
as typed, escaped, in its NFC and NFD spellings; ANR where configured), every
``where`` criterion, the person filter and the people rule's filter, in ONE search.

The page index is that search read with only what the listing's order and the leaver
rule need (GUID, display name, cn, account name, account control and expiry), sorted
as :func:`~.connector.sort_people` sorts records: GUIDs instead of records, so a page
of people is its own records' work (looked up by GUID). Everyone (no text, no
criteria) comes from the connector's in-memory index (:mod:`.index`), which the
change feed keeps current; so does a text search with no criteria
(:func:`indexed_search`), from the same index's search text (:mod:`.search_index`)
where the server's matching rule can be reproduced exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ldap3.utils.conv import escape_filter_chars

from .errors import DirectoryError
from .index import IndexRow
from .matching import spellings
from .search import Entry
from .search_index import MatchRule, detect_rule, row_text, word_forms
from .where import PeopleWhere

if TYPE_CHECKING:
    from .connector import DirectoryConnector

#: Words of a search beyond this are ignored (each adds a clause to the filter).
MAX_SEARCH_WORDS = 8
MAX_WORD_LENGTH = 1024
#: A change round's people are read again by GUID in up to this many searches (of
#: ``batch_size``); more changed people than that, and everyone is read again instead.
REREAD_LIMIT = 4
#: Searches by GUID a text search may spend confirming doubtful matches; past that, the
#: directory answers the whole search (one search however many match).
CONFIRM_LIMIT = 4


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


async def indexed_search(
    d: DirectoryConnector, text: str | None, *, include_leavers: bool
) -> list[str] | None:
    """The GUIDs :meth:`~.connector.DirectoryConnector.search_people` lists for ``text``
    (no criteria), in its order, from the in-memory index; ``None`` when the index
    cannot answer exactly as the server would (ANR, a people filter, a server whose
    matching rule is unknown, a word the rule's model does not cover): ask the server."""
    if d.features.anr or d.people_rule.filter:
        return None
    words = (text or "").split()[:MAX_SEARCH_WORDS]
    if not words:
        return None
    if any(not word.isprintable() or len(word) > MAX_WORD_LENGTH for word in words):
        return []  # as people_query: nobody
    index = d.index
    if not index.rule_known:
        async with d.index_lock:
            await _detect(d)
    rule = index.match_rule
    if rule is None:
        return None
    forms = [word_forms(rule, word) for word in words]
    if any(f is None for f in forms):
        return None
    if not index.fresh() or index.pending:
        async with d.index_lock:
            if not index.fresh() or len(index.pending) > REREAD_LIMIT * d.batch_size:
                index.replace(await _rows(d))  # one paged search beats many by GUID
            if index.pending:
                await _reread(d)
    rows, doubtful = index.search(
        [f for f in forms if f is not None], include_leavers=include_leavers, now=datetime.now(UTC)
    )
    if len(doubtful) > CONFIRM_LIMIT * d.batch_size:
        return None  # more to confirm than one search of the directory costs: ask it
    if doubtful:
        confirmed = await _confirm(d, text, sorted(doubtful))
        return [r.guid for r in rows if r.guid in confirmed or r.guid not in doubtful]
    return [row.guid for row in rows]


async def refresh_search(d: DirectoryConnector) -> None:
    """After a change round, off any request's path: the changed people's search text
    read again and everyone's text joined, so the next search waits for neither. A
    failing read, or more changed people than :data:`REREAD_LIMIT` searches read, leaves
    them pending: the next search reads them (or everyone)."""
    index = d.index
    if index.match_rule is None or not index.fresh():
        return
    async with d.index_lock:
        if not index.fresh() or len(index.pending) > REREAD_LIMIT * d.batch_size:
            return  # so many changed that the next search reads everyone instead
        try:
            if index.pending:
                await _reread(d)
        except DirectoryError:
            return
        index.prepare()


async def _confirm(d: DirectoryConnector, text: str | None, guids: list[str]) -> set[str]:
    """Which of ``guids`` the directory itself matches to ``text`` (one search per
    ``batch_size``): people whose values the index holds only in a wider form."""
    query = people_query(d, text, None)
    if query is None:
        return set()
    m, found = d.map, set()
    for start in range(0, len(guids), d.batch_size):
        keys = "".join(
            f"({m.guid}={d.guid_assertion(g)})" for g in guids[start : start + d.batch_size]
        )
        for entry in await d.search(d.base_dn, f"(&{query}(|{keys}))", [m.guid]):
            found.add(d.reader.guid(entry))
    return found


async def _everyone(d: DirectoryConnector, include_leavers: bool) -> list[str]:
    """Everyone, from the connector's in-memory index (built here when stale)."""
    index = d.index
    if not index.fresh():
        async with d.index_lock:
            if not index.fresh():
                index.replace(await _rows(d))
    return index.guids(include_leavers=include_leavers, now=datetime.now(UTC))


async def _detect(d: DirectoryConnector) -> None:
    """The server's matching rule, once (under the index lock); none is needed (and
    no search text kept) where a text search must go to the server anyway."""
    index = d.index
    if index.rule_known:
        return
    if not (d.features.anr or d.people_rule.filter):
        index.match_rule = await d.pool.run(detect_rule)
    index.rule_known = True


async def _rows(d: DirectoryConnector, guids: list[str] | None = None) -> list[IndexRow]:
    """Everyone's rows (or those of ``guids``), with their search text when a matching
    rule is known: one paged search (one per ``batch_size`` GUIDs)."""
    await _detect(d)
    m, rule = d.map, d.index.match_rule
    wanted = [m.guid, m.display_name, m.common_name, m.account_name, m.account_control,
              m.account_expires]  # fmt: skip
    if rule is not None:
        wanted += [m.title, m.department, m.office, m.mail]
    attributes = [n for n in dict.fromkeys(wanted) if n]
    query = f"(&{m.person_filter}{d.people_rule.filter})"
    if guids is None:
        entries = await d.search(d.base_dn, query, attributes)
    else:
        chunks = [guids[i : i + d.batch_size] for i in range(0, len(guids), d.batch_size)]
        entries = []
        for chunk in chunks:  # a round's changes: usually one chunk
            keys = "".join(f"({m.guid}={d.guid_assertion(g)})" for g in chunk)
            entries += await d.search(d.base_dn, f"(&{query}(|{keys}))", attributes)
    return [_row(d, rule, e) for e in entries if not d.people_rule.excludes(e["dn"])]


def _row(d: DirectoryConnector, rule: MatchRule | None, entry: Entry) -> IndexRow:
    enabled, expires = d.reader.account_state(entry)
    text = None
    if rule is not None:
        m, raw = d.map, entry.get("raw_attributes") or {}

        def values(name: str) -> list[str]:
            found = raw.get(name) if name else None
            return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                    for v in found or ()]  # fmt: skip

        names = list(dict.fromkeys([*values(m.display_name), *values(m.common_name)]))
        shared = [v for n in (m.title, m.department, m.office) for v in values(n)]
        text = row_text(rule, names, values(m.account_name), values(m.mail), shared)
    return IndexRow(d.reader.sort_name(entry), d.reader.guid(entry), enabled, expires, text)


async def _reread(d: DirectoryConnector) -> None:
    """Read the search text of the people the change feed changed (under the index lock)."""
    index = d.index
    guids = set(index.pending)
    index.pending -= guids
    try:
        rows = await _rows(d, sorted(guids))
    except BaseException:
        index.pending |= guids  # read again by the next search
        raise
    index.reread(guids, rows)
