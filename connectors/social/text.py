"""Tags and mentions in text: how ``#tag`` and ``@account`` are found and normalised."""

from __future__ import annotations

import re
import unicodedata

MAX_TAG = 64
# A mention is "@" + a directory account name, not inside a word or an e-mail address.
_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9._-]{0,63})")
_HASHTAG = re.compile(r"(?<![\w&#/])#(\w[\w-]{0,63})")
_SEPARATORS = re.compile(r"[\s_]+")
_NOT_TAG = re.compile(r"[^\w-]+")


def normalise_tag(value: str, *, limit: int | None = MAX_TAG) -> str:
    """``"Data  Protection"``, ``"#data_protection"`` -> ``"data-protection"``; ``""`` if none.

    Cut to ``limit`` characters (None: not cut, so that input can be refused as too long
    rather than stored shortened)."""
    text = unicodedata.normalize("NFKC", value).strip().lstrip("#").casefold()
    text = _SEPARATORS.sub("-", text)
    text = _NOT_TAG.sub("", text).strip("-")
    text = re.sub(r"-{2,}", "-", text)
    return text if limit is None else text[:limit]


def tags_in(text: str) -> list[str]:
    """Distinct normalised ``#tags`` of a text, in order of first use."""
    seen: dict[str, None] = {}
    for match in _HASHTAG.finditer(text):
        tag = normalise_tag(match.group(1))
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


def mentions_in(text: str) -> list[str]:
    """Distinct ``@account`` names of a text (trailing dots dropped), in order."""
    seen: dict[str, None] = {}
    for match in _MENTION.finditer(text):
        name = match.group(1).rstrip(".-")
        if name:
            seen.setdefault(name.casefold(), None)
    return list(seen)
