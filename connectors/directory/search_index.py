"""People search answered from memory, matching each word as the directory itself would.

A text search (no ``where``) lists everyone whose name, ``cn``, title, department or
office contains every word, or whose account name or mail starts with it
(:func:`.listing.people_query` says the same to the directory). Each person's values
are kept in the form the server's matching rule compares (:func:`normalise`). The
per-person part (accounts, mails, names) of everyone, in the listing's order, is joined
into one text of lines; the values many people share (titles, departments, offices) are
kept once each, in a text of their own, with the lines holding each. A word's matches
are found in both by one compiled pattern starting with the word (a literal scan at C
speed), each match yielding a line's number (the row's place in the listing) or a
value's (all its lines at once), never a Python step per person. Lines look like::

    \x02account\x03mail\x04display name\x01cn\x00<n>\n      (a value: \x04title\x00<id>\n)

A word (printable: it holds none of these separators) is a substring match when it is
followed by nothing but field text up to ``\x00`` (so not inside the account or mail
part), and a prefix match when it follows ``\x02`` or ``\x03``. Values' own control
characters become ``\x01``, which no word can match across.

The matching rules, found out from the root DSE rather than configured (:func:`detect_rule`):

* ``ad`` (Active Directory, Samba, the embedded directory): simple one-to-one case
  mapping (:func:`.matching.fold`), no Unicode normalisation. Beyond ASCII that mapping
  is each server's own table (Samba does not take a lower-case dotless i for an
  upper-case I; Windows has its own), so only ASCII words are answered here. For them a
  value compares exactly unless it holds one of the few letters some table maps onto
  ASCII (:data:`_RISKY`: dotless and dotted i, long s, the Kelvin sign, sharp s, the
  ligatures); a person with one is kept in a wider form and marked *doubtful*, confirmed
  by the directory when matched, as on OpenLDAP below.
* ``openldap``: caseIgnore(IA5)SubstringsMatch folds case and applies compatibility
  normalisation (``ﬁ`` is ``fi``, ``ß`` may be ``ss``, the Kelvin sign is ``k``) by its own,
  older Unicode tables and substring index keys, which cannot be reproduced exactly.
  Only ASCII words are answered here (others go to the directory). Values of ASCII
  text compare as lower case (spaces collapsed), exactly; a person with any other
  character in a searchable value is kept in a wider form (compatibility-decomposed,
  marks dropped, case-folded: every match slapd could make, and more) and marked
  *doubtful* (:data:`DOUBTFUL`): when one is among the matches, the directory confirms
  those few by GUID (:func:`.listing.indexed_search`).

Any other server is left to the directory.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from itertools import accumulate
from typing import Literal

from ldap3 import BASE, Connection

from .matching import fold

MatchRule = Literal["ad", "openldap"]

ACTIVE_DIRECTORY = "1.2.840.113556.1.4.800"
_FIELD, _ACCOUNT, _MAIL, _TEXT, _END = "\x01", "\x02", "\x03", "\x04", "\x00"
_VALUE = "\x06"  # before each shared value (title, department, office) of a row's line
# A value's own separators and line ends must not read as the index's own.
_CLEAN = str.maketrans({c: _FIELD for c in "\x00\x02\x03\x04\x05\x06\n"})
# OpenLDAP folds these unlike Python's simple lower-case mapping (measured on slapd 2.5).
#: Starts the line of a person whose match the directory must confirm.
DOUBTFUL = "\x05"
_SPACES = re.compile(" +")


def detect_rule(connection: Connection) -> MatchRule | None:
    """Which matching rule the server compares names by, from its root DSE (blocking)."""
    wanted = ["supportedCapabilities", "objectClass", "structuralObjectClass"]
    connection.search("", "(objectClass=*)", BASE, attributes=wanted)
    root: dict[str, object] = {}
    for entry in connection.response or []:
        if entry.get("type") == "searchResEntry":
            root = entry.get("attributes") or {}
    if ACTIVE_DIRECTORY in _texts(root.get("supportedCapabilities")):
        return "ad"
    classes = {c.casefold() for n in ("objectClass", "structuralObjectClass")
               for c in _texts(root.get(n))}  # fmt: skip
    return "openldap" if "openldaprootdse" in classes else None


def normalise(rule: MatchRule, value: str) -> str:
    """A value in the form the rule compares: AD's case mapping; OpenLDAP's case folding,
    compatibility composition and insignificant spaces."""
    if rule == "ad":
        # Exact by the case mapping, unless a letter some case table maps onto ASCII is
        # there: then the wider form (marks dropped, compatibility-decomposed, case-folded,
        # dotless i as i, then the case mapping): every match a DC could make for an ASCII
        # word, and more (such a person's matches are confirmed by the DC).
        if not _risky(value):
            return fold(value)
        return fold(_wider(value).replace("\u0131", "i"))
    if not value.isascii():  # the wider form: see the module's docstring
        value = _wider(value)
    return _SPACES.sub(" ", value.lower().strip(" "))


#: Letters beyond ASCII that some case mapping or folding turns into ASCII letters (the
#: dotless and dotted i, the long s, the Kelvin sign, sharp s, the ligatures...): only these
#: can take part in an ASCII word's match at a DC, by that DC's own table. A value without
#: them compares the same by Python's one-to-one mapping as by any DC's, for ASCII words.
_RISKY = frozenset(
    "\u00df\u0130\u0131\u0149\u017f\u01f0\u1e96\u1e97\u1e98\u1e99\u1e9a\u1e9e\u212a"
    "\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06"
)  # every such letter in this Python's Unicode tables (a test checks the list is whole)


def _risky(value: str) -> bool:
    """Whether an ASCII word could match ``value`` at some DC where the exact mapping says
    no: a letter of :data:`_RISKY`, or one compatibility-equal to ASCII (full-width
    letters, which a Windows DC compares width-insensitively, circled and mathematical
    letters): rare in a directory, so such a person's matches are simply confirmed."""
    if value.isascii():
        return False
    if not _RISKY.isdisjoint(value):
        return True
    return any(not c.isascii() and unicodedata.normalize("NFKC", c).isascii() for c in value)


def _wider(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def word_forms(rule: MatchRule, word: str) -> list[str] | None:
    """The normalised forms to look a word up by (any one matching is a match); ``None``
    when the index cannot answer for it exactly (the directory must be asked)."""
    if not word.isascii():
        return None
    return [fold(word) if rule == "ad" else word.lower()]


def row_text(
    rule: MatchRule,
    names: Iterable[str],
    accounts: Iterable[str],
    mails: Iterable[str],
    values: Iterable[str] = (),
) -> str:
    """One person's line, without its number: prefix fields first, then the names, then
    the shared values (title, department, office), each after :data:`_VALUE`."""

    def part(marker: str, found: Iterable[str]) -> str:
        return "".join(marker + normalise(rule, v).translate(_CLEAN) for v in found if v)

    names, accounts, mails, values = list(names), list(accounts), list(mails), list(values)
    everything = [*names, *accounts, *mails, *values]
    if rule == "ad":
        doubtful = any(_risky(v) for v in everything)
    else:
        doubtful = not all(v.isascii() for v in everything)
    return (
        (DOUBTFUL if doubtful else "")
        + part(_ACCOUNT, accounts)
        + part(_MAIL, mails)
        + _TEXT
        + _FIELD.join(normalise(rule, v).translate(_CLEAN) for v in names if v)
        + part(_VALUE, values)
    )


class SearchText:
    """Everyone's lines in the listing's order: which line numbers match words.

    The per-person part of each line (accounts, mails, names) is joined into one text;
    the values many people share (titles, departments, offices) are kept once each, in
    a text of their own, with the lines that hold each: a word is looked for in both,
    and a value it matches brings all its lines at once."""

    def __init__(self, lines: Sequence[str]) -> None:
        pieces: list[str] = []
        ids: dict[str, int] = {}
        holders: list[list[int]] = []  # value id -> its lines
        self.line_values = array("I")  # the value ids of every line, line after line
        self.value_starts = array("I")  # line n's value ids start here
        for n, line in enumerate(lines):
            head, *values = line.split(_VALUE)
            pieces.append(f"{head}{_END}{n}\n")
            self.value_starts.append(len(self.line_values))
            for value in values:
                found = ids.setdefault(value, len(ids))
                if found == len(holders):
                    holders.append([])
                holders[found].append(n)
                self.line_values.append(found)
        self.value_starts.append(len(self.line_values))
        self.starts = array("L", accumulate((len(p) for p in pieces[:-1]), initial=0))
        self.text = "".join(pieces)
        self.values = list(ids)
        self.values_text = "".join(f"{_TEXT}{v}{_END}{i}\n" for i, v in enumerate(self.values))
        self.holders = [array("I", lines_of) for lines_of in holders]

    def doubtful(self, n: int) -> bool:
        """Whether line ``n``'s match must be confirmed by the directory."""
        return self.text.startswith(DOUBTFUL, self.starts[n])

    def line(self, n: int) -> str:
        """Line ``n`` as it was given."""
        start = self.starts[n]
        ids = self.line_values[self.value_starts[n] : self.value_starts[n + 1]]
        return self.text[start : self.text.index(_END, start)] + "".join(
            _VALUE + self.values[i] for i in ids
        )

    def matches(self, words: Sequence[Sequence[str]]) -> list[int]:
        """Line numbers (ascending) matching every word, each word by any of its forms."""
        found: set[int] | None = None
        for forms in words:
            hits: set[int] = set()
            for form in forms:
                pattern = _pattern(form)
                hits.update(map(int, pattern.findall(self.text)))
                for value in pattern.findall(self.values_text):
                    hits.update(self.holders[int(value)])
            found = hits if found is None else found & hits
            if not found:
                return []
        return sorted(found or ())


@functools.lru_cache(maxsize=256)
def _pattern(form: str) -> re.Pattern[str]:
    """One scan for a word's matches: it starts with the word (so the scan looks for that
    literal), then either it followed an account or mail marker (a prefix match: any
    text may follow), or nothing but field text follows it to the end of the fields (a
    substring match outside the prefix fields); it captures the line's number."""
    literal = re.escape(form)
    prefix = f"(?<=[{_ACCOUNT}{_MAIL}]{literal})[^{_END}\n]*"
    within = f"[^{_END}{_ACCOUNT}{_MAIL}{_TEXT}\n]*"
    return re.compile(f"{literal}(?:{prefix}|{within}){_END}([0-9]+)")


def _texts(value: object) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [i.decode("utf-8", "replace") if isinstance(i, bytes) else str(i) for i in items]
