"""The blocking search loop: paged results, AD's page cap and ranged attribute retrieval.

These functions run in a pool thread with one ldap3 connection. A search asks
for pages with the Simple Paged Results control and follows the cookie until
the server has nothing more; the page size is capped at 1,000, the most AD
will send (``MaxPageSize``), so asking for more never silently loses entries.

Ranged retrieval: AD sends a big multi-valued attribute (``member`` of a big
group, ``directReports`` of a big manager) in slices named like
``member;range=0-1499``; the last slice ends in ``*``. The loop asks for the
next slice (``member;range=1500-*``, or a fixed window when configured) until
the ``*``. ldap3's own ``auto_range`` is switched off so this loop owns the
error handling, which is why connections are opened with
``return_empty_attributes=False`` (together they make ldap3 raise ``KeyError``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from ldap3 import BASE, SUBTREE, Connection

from .errors import DirectoryNotFound, DirectoryRejected

PAGED_RESULTS = "1.2.840.113556.1.4.319"
#: AD's default MaxPageSize: a larger page size is answered with 1,000 entries.
AD_MAX_PAGE = 1000
#: Guards the range loop against a server that never sends the final slice.
MAX_RANGE_ROUNDS = 10_000

_SUCCESS, _SIZE_LIMIT, _NO_SUCH_OBJECT = 0, 4, 32
_RANGE = re.compile(
    r"^(?P<attr>[^;]+)(?P<options>(;[^;]+)*);range=(?P<low>\d+)-(?P<high>\d+|\*)$", re.I
)

Entry = dict[str, Any]
#: Asks the server for one attribute slice: name sent -> (name answered, values).
FetchSlice = Callable[[str], tuple[str | None, list[bytes]]]


def paged_search(
    connection: Connection,
    base: str,
    query: str,
    attributes: Sequence[str],
    *,
    page_size: int,
    range_step: int | None = None,
    scope: str = SUBTREE,
    controls: list[tuple[str, bool, Any]] | None = None,
    complete: bool = True,
) -> list[Entry]:
    """Every entry matching ``query`` under ``base``, paged, ranged attributes completed
    (unless ``complete`` is false: then they keep their first slice, for the caller to
    complete with :func:`complete_ranges` when it chooses)."""
    size = max(1, min(page_size, AD_MAX_PAGE))
    entries: list[Entry] = []
    cookie: bytes | None = None
    while True:
        connection.search(
            base,
            query,
            scope,
            attributes=list(attributes),
            paged_size=size,
            paged_cookie=cookie,
            controls=controls,
        )
        result = connection.result or {}
        code = result.get("result")
        if code == _NO_SUCH_OBJECT:
            raise DirectoryNotFound("the search base does not exist in the directory")
        if code not in (_SUCCESS, _SIZE_LIMIT):
            raise DirectoryRejected(f"search failed ({result.get('description')})")
        entries.extend(e for e in connection.response or [] if e.get("type") == "searchResEntry")
        control = (result.get("controls") or {}).get(PAGED_RESULTS)
        cookie = control["value"]["cookie"] if control else None
        if not cookie:
            if code == _SIZE_LIMIT:
                # No cookie to go on with: the server cut the answer short
                # (paging unsupported or refused). Returning a partial list
                # would look like people had left.
                raise DirectoryRejected("the directory cut the search short (size limit)")
            break
    if complete:
        for entry in entries:
            complete_ranges(connection, entry, range_step)
    return entries


def is_ranged(entry: Entry) -> bool:
    """Whether some attribute of ``entry`` came as a first slice, with more to read."""
    return any(";range=" in name.lower() for name in entry.get("raw_attributes") or {})


def ranged_name(attribute: str, step: int | None) -> str:
    """The attribute name to ask for: the first slice when a fixed window is configured."""
    return f"{attribute};range=0-{step - 1}" if step else attribute


def parse_range(name: str) -> tuple[str, int, int | None] | None:
    """``member;range=0-1499`` -> ("member", 0, 1499); ``…=1500-*`` -> (…, 1500, None)."""
    match = _RANGE.match(name)
    if match is None:
        return None
    high = match["high"]
    return match["attr"] + match["options"], int(match["low"]), None if high == "*" else int(high)


def ranged_values(
    first_name: str, first_values: Sequence[bytes], fetch: FetchSlice, step: int | None
) -> tuple[str, list[bytes]]:
    """Follow a ranged attribute from its first slice to the last; (attribute, all values)."""
    parsed = parse_range(first_name)
    if parsed is None:
        return first_name, list(first_values)
    attribute, low, high = parsed
    if low != 0:
        raise DirectoryRejected("the directory answered a range that does not start at 0")
    values = list(first_values)
    rounds = 0
    while high is not None:
        rounds += 1
        if rounds > MAX_RANGE_ROUNDS:
            raise DirectoryRejected("the directory never sent the last slice of a ranged value")
        start = high + 1
        end = "*" if step is None else str(high + step)
        answered, chunk = fetch(f"{attribute};range={start}-{end}")
        if answered is None:  # nothing past the last slice: the value shrank meanwhile
            break
        slice_ = parse_range(answered)
        if slice_ is None:  # the server sent the whole attribute after all
            return attribute, list(chunk)
        if slice_[0].casefold() != attribute.casefold() or slice_[1] != start:
            raise DirectoryRejected("the directory answered an unexpected range")
        values.extend(chunk)
        high = slice_[2]
    return attribute, values


def complete_ranges(connection: Connection, entry: Entry, step: int | None) -> None:
    """Replace every ranged attribute of ``entry`` by its complete value, in place."""
    raw: dict[str, Any] = entry.get("raw_attributes") or {}
    for name in [n for n in raw if ";range=" in n.lower()]:
        parsed = parse_range(name)
        if parsed is None:
            continue
        fetch = functools.partial(_fetch_slice, connection, entry["dn"], attribute=parsed[0])
        attribute, values = ranged_values(name, raw[name] or [], fetch, step)
        del raw[name]
        entry["attributes"].pop(name, None)
        raw[attribute] = values
        entry["attributes"][attribute] = [v.decode("utf-8", "replace") for v in values]


def _fetch_slice(
    connection: Connection, dn: str, wanted: str, *, attribute: str
) -> tuple[str | None, list[bytes]]:
    connection.search(dn, "(objectClass=*)", BASE, attributes=[wanted])
    result = connection.result or {}
    if result.get("result") == _NO_SUCH_OBJECT:
        return None, []
    if result.get("result") != _SUCCESS:
        raise DirectoryRejected(f"ranged read failed ({result.get('description')})")
    for found in connection.response or []:
        if found.get("type") != "searchResEntry":
            continue
        for name, values in (found.get("raw_attributes") or {}).items():
            base_name = name.split(";", 1)[0]
            if base_name.casefold() == attribute.split(";", 1)[0].casefold():
                return name, list(values or [])
    return None, []
