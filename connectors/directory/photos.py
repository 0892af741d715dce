"""Who holds a photo, asked without the photo: a presence filter, the GUID only.

Person reads do not ask for the photo attribute (AD's ``thumbnailPhoto`` is 2 to 10 KB a
person, so a page of 100 would carry up to 1 MB of bytes only to learn a yes or no).
Instead one search per batch of GUIDs, ``(&<person filter>(<photo>=*)(|(<guid>=…)…))``,
asks for the GUID attribute alone: the server answers the presence test from its index
and sends no photo values; the entries that come back are the people with a photo.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .entries import chunks

if TYPE_CHECKING:
    from .connector import DirectoryConnector


async def photo_holders(d: DirectoryConnector, guids: Sequence[str]) -> set[str]:
    """The GUIDs among ``guids`` whose account holds a photo (as ``str(uuid.UUID)``:
    lower case, hyphenated). One search per ``d.batch_size`` GUIDs, side by side; none
    when the map has no photo attribute or no GUID is well formed."""
    m = d.map
    wanted = list(dict.fromkeys(g for g in (canonical_guid(k) for k in guids) if g is not None))
    if not m.photo or not wanted:
        return set()
    # Escaped as the connector's own GUID lookups are (escaped bytes for a binary GUID).
    queries = [
        f"(&{m.person_filter}({m.photo}=*)(|"
        + "".join(f"({m.guid}={d._assertion('guid', g)})" for g in chunk)
        + "))"
        for chunk in chunks(wanted, d.batch_size)
    ]
    entries = await d._search_all(d.base_dn, queries, [m.guid])
    return {d.reader.guid(entry) for entry in entries}


def canonical_guid(key: object) -> str | None:
    """``key`` as :func:`photo_holders` answers it (``str(uuid.UUID)``), or None."""
    if not isinstance(key, str) or len(key) > 64:
        return None
    try:
        return str(uuid.UUID(key))
    except ValueError:
        return None
