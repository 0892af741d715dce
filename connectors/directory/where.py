"""Filters on a people search that the directory answers: department, office, title words,
line manager and group membership, as LDAP filter clauses.

A ``PeopleWhere`` travels inside a people-search cache key (``encode``/``decode``) and is
cached under ``normalised`` — the directory's own notion of "the same filter" (AD's case
rule and NFC for text, DNs as DNs) — while the values themselves reach the directory as
given, escaped (RFC 4515, ldap3's ``escape_filter_chars``), never case-folded by Python.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from ldap3.utils.conv import escape_filter_chars

from .entries import normalise_dn
from .errors import DirectoryRejected
from .matching import search_key, spellings
from .records import AttributeMap, DirectoryFeatures

IN_CHAIN = "1.2.840.113556.1.4.1941"
#: Separates the filter from the search text in a cache key: ``str.split`` treats it as
#: a space, so a search text (whitespace-joined words) never holds it.
KEY_SEPARATOR = "\x1f"


@dataclass(frozen=True, slots=True)
class PeopleWhere:
    """Directory criteria, all of which a person must meet (None or empty: no criterion)."""

    department: str | None = None  # the whole value, any case
    office: str | None = None  # the whole value, any case
    title_words: tuple[str, ...] = ()  # each word somewhere in the job title
    manager_dn: str | None = None  # direct reports of this person
    group_dn: str | None = None  # members of this group (nested, where the DC expands it)

    def __bool__(self) -> bool:
        return any((self.department, self.office, self.title_words, self.manager_dn, self.group_dn))

    def encode(self) -> str:
        """The filter as text (JSON), values as given."""
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)

    @classmethod
    def decode(cls, text: str) -> PeopleWhere:
        data = json.loads(text) if text else {}
        data["title_words"] = tuple(data.get("title_words") or ())
        return cls(**data)

    def normalised(self) -> str:
        """The cache key: equal for two filters a DC answers alike."""

        def text(value: str | None) -> str | None:
            return None if value is None else search_key(value)

        def dn(value: str | None) -> str | None:
            return None if value is None else normalise_dn(value)

        return json.dumps(
            [
                text(self.department),
                text(self.office),
                sorted({search_key(w) for w in self.title_words}),
                dn(self.manager_dn),
                dn(self.group_dn),
            ],
            ensure_ascii=False,
        )

    def clauses(self, m: AttributeMap, features: DirectoryFeatures) -> str:
        """The LDAP filter clauses (to AND with the rest of the search), escaped."""
        out = []
        for attribute, value in ((m.department, self.department), (m.office, self.office)):
            if value is not None:
                out.append(_either(attribute, value, exact=True))
        for word in self.title_words:
            out.append(_either(m.title, word, exact=False))
        if self.manager_dn is not None:
            out.append(f"({m.manager}={escape_filter_chars(self.manager_dn)})")
        if self.group_dn is not None:
            if not m.member_of:
                raise DirectoryRejected("this directory cannot filter people by group")
            rule = f":{IN_CHAIN}:" if features.nested_groups == "in_chain" else ""
            out.append(f"({m.member_of}{rule}={escape_filter_chars(self.group_dn)})")
        return "".join(out)


def _either(attribute: str, value: str, *, exact: bool) -> str:
    """``value`` in both its NFC and NFD spellings (a DC holds whichever was typed)."""
    forms = []
    for form in spellings(value):
        escaped = escape_filter_chars(form)
        forms.append(f"({attribute}={escaped})" if exact else f"({attribute}=*{escaped}*)")
    return forms[0] if len(forms) == 1 else f"(|{''.join(forms)})"


def people_search_key(text: str, *, include_leavers: bool, where: PeopleWhere | None) -> str:
    """The people-search loader's key: ``"<leavers>|<text>"``, the filter after
    ``KEY_SEPARATOR`` when there is one (``text`` is whitespace-joined words)."""
    base = f"{int(include_leavers)}|{' '.join(text.split())}"
    return f"{base}{KEY_SEPARATOR}{where.encode()}" if where else base


def split_people_search_key(key: str) -> tuple[str, str, PeopleWhere | None]:
    """``people_search_key`` read back: (leavers flag, text, the filter or None)."""
    leavers, _, rest = key.partition("|")
    text, separator, where = rest.partition(KEY_SEPARATOR)
    return leavers, text, PeopleWhere.decode(where) if separator else None
