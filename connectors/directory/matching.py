"""How Active Directory compares text: the rules the embedded directory evaluates filters
by, and the key under which a people search is cached (two searches with one key get the
same answer from a DC).

AD (and Samba) compare strings case-insensitively by simple, one-to-one case mapping:
``ß`` is not ``ss`` and ``İ`` is not ``i̇`` (Python's ``casefold`` says otherwise, which is
why it must never shape a filter). Values are not Unicode-normalised: an NFC and an NFD
spelling of one name are different values, so Townhall searches both.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s*([,=+])\s*")


def fold(text: str) -> str:
    """AD's case-insensitive form: simple upper-case mapping, one character to one."""
    out = []
    for c in text:
        upper = c.upper()
        out.append(upper if len(upper) == 1 else c)
    return "".join(out)


def fold_dn(dn: str) -> str:
    """A DN as AD compares DNs: case folded, no spaces around separators."""
    return _SPACES.sub(r"\1", fold(dn.strip()))


def spellings(word: str) -> list[str]:
    """A word as typed in its NFC and NFD forms (one form when they agree)."""
    return list(dict.fromkeys(unicodedata.normalize(form, word) for form in ("NFC", "NFD")))


def search_key(text: str) -> str:
    """The cache key of a people search: what a DC answers alike shares a key (spacing,
    AD's case rule, NFC/NFD, since both spellings are searched); nothing else does."""
    return fold(unicodedata.normalize("NFC", " ".join(text.split())))
