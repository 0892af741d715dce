"""The embedded directory's entries, indexed, and searched as Active Directory searches.

Entries come from an LDIF file. AD computes back-links the LDIF does not carry:
``memberOf`` (from groups' ``member``) and ``directReports`` (from ``manager``); so does
this store. Filters arrive decoded from BER (``ber.Node``), so their values are the
raw bytes the client meant: escapes (``\\2a``, ``\\28``) were undone by the client's
encoder, and a ``*`` in a value is a literal star, never a wildcard.

Matching follows AD (and Samba): attribute names are case-insensitive; string values
compare case-insensitively by simple, one-to-one case mapping (``ß`` is not ``ss``,
``İ`` is not ``i̇``), with no Unicode normalisation (NFC and NFD forms differ, as they do
on a DC); DN-valued attributes compare as DNs (case and spaces around separators
ignored); binary attributes (``objectGUID``, ``objectSid``, photos) compare byte for
byte; integers and generalized times order as numbers. Extensible matches: AD's
``LDAP_MATCHING_RULE_IN_CHAIN`` (1.2.840.113556.1.4.1941) on DN attributes and the
bitwise AND/OR rules (…803, …804) on integers.

Every equality, presence and range test is answered from an index (value → entries);
a substring test scans the distinct values of one attribute, never every entry.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ldif import LDIFParser

from ..matching import fold, fold_dn
from .ber import CONTEXT, Node

IN_CHAIN = "1.2.840.113556.1.4.1941"
BIT_AND = "1.2.840.113556.1.4.803"
BIT_OR = "1.2.840.113556.1.4.804"
BINARY = frozenset({"objectguid", "objectsid", "thumbnailphoto", "jpegphoto", "usercertificate"})
DN_VALUED = frozenset(
    {"distinguishedname", "member", "memberof", "manager", "directreports", "managedby"}
)
INTEGER = frozenset(
    {
        "usnchanged", "usncreated", "useraccountcontrol", "accountexpires", "pwdlastset",
        "lastlogontimestamp", "badpwdcount", "primarygroupid", "samaccounttype", "grouptype",
        "instancetype", "logoncount",
    }
)  # fmt: skip
TIME = frozenset({"whenchanged", "whencreated"})


class FilterError(ValueError):
    """A filter the directory cannot evaluate (answered as a protocol error)."""


@dataclass(slots=True)
class Entry:
    dn: str
    attributes: dict[str, tuple[str, list[Any]]]  # folded name -> (name as loaded, values)
    # folded name -> the whole attribute as the server sends it (BER), filled when first sent
    encoded: dict[str, bytes] = field(default_factory=dict)

    def values(self, name: str) -> list[Any]:
        found = self.attributes.get(name)
        return found[1] if found else []


class EmbeddedStore:
    """The entries of one LDIF file and their indexes (read-only once loaded)."""

    def __init__(self, entries: Iterable[tuple[str, dict[str, list[Any]]]]) -> None:
        self.entries: list[Entry] = []
        self._by_dn: dict[str, int] = {}
        for dn, attributes in entries:
            loaded: dict[str, tuple[str, list[Any]]] = {}
            for name, values in attributes.items():
                key = name.lower()
                if key in BINARY:
                    values = [v.encode("utf-8") if isinstance(v, str) else v for v in values]
                loaded[key] = (name, list(values))
            loaded.setdefault("distinguishedname", ("distinguishedName", [dn]))
            known = self._by_dn.get(fold_dn(dn))
            if known is not None:  # a later entry of the same DN replaces the earlier
                self.entries[known] = Entry(dn, loaded)
                continue
            self._by_dn[fold_dn(dn)] = len(self.entries)
            self.entries.append(Entry(dn, loaded))
        self._back_links("member", "memberOf")
        self._back_links("manager", "directReports")
        self.all: frozenset[int] = frozenset(range(len(self.entries)))
        self._scopes: dict[tuple[str, int], frozenset[int]] = {}
        self._index: dict[str, dict[Any, set[int]]] = defaultdict(lambda: defaultdict(set))
        for i, entry in enumerate(self.entries):
            for key, (_, values) in entry.attributes.items():
                column = self._index[key]
                for value in values:
                    column[_normal(key, value)].add(i)

    @classmethod
    def from_ldif(cls, path: Path, extra: Iterable[tuple[str, dict[str, list[Any]]]] = ()) -> Any:
        with path.open("rb") as stream:
            parsed = list(LDIFParser(stream).parse())
        return cls([*extra, *parsed])

    def _back_links(self, forward: str, back: str) -> None:
        links: dict[int, list[str]] = defaultdict(list)
        for entry in self.entries:
            for target in entry.values(forward):
                index = self._by_dn.get(fold_dn(str(target)))
                if index is not None:
                    links[index].append(entry.dn)
        for index, sources in links.items():
            self.entries[index].attributes[back.lower()] = (back, sources)

    def entry(self, dn: str) -> int | None:
        return self._by_dn.get(fold_dn(dn))

    # -- scope ---------------------------------------------------------------------------

    def in_scope(self, base: str, scope: int) -> frozenset[int]:
        """Entries at ``base`` (0), directly under it (1) or anywhere under it (2)."""
        key = (fold_dn(base), scope)
        found = self._scopes.get(key)
        if found is None:
            found = frozenset(self._scan_scope(*key))
            if len(self._scopes) < 1024:  # the bases Townhall searches are few
                self._scopes[key] = found
        return found

    def _scan_scope(self, folded: str, scope: int) -> set[int]:
        if scope == 0:
            index = self._by_dn.get(folded)
            return {index} if index is not None else set()
        suffix = "," + folded if folded else ""
        found = set()
        base = self._by_dn.get(folded)
        if scope == 2 and base is not None:  # a subtree holds its base; one level does not
            found.add(base)
        for dn, index in self._by_dn.items():
            if folded and not dn.endswith(suffix):
                continue
            if scope == 1 and dn[: len(dn) - len(suffix)].count(",") != 0:
                continue
            found.add(index)
        return found

    # -- filters -------------------------------------------------------------------------

    def evaluate(self, node: Node) -> set[int]:
        """The entries a BER-decoded filter matches."""
        if node.cls != CONTEXT:
            raise FilterError("not a filter")
        kind = node.number
        if kind == 0:  # and
            result: set[int] | None = None
            for child in sorted(node.children, key=_cheap_first):
                matched = self.evaluate(child)
                result = matched if result is None else result & matched
                if not result:
                    return set()
            return set(self.all) if result is None else result
        if kind == 1:  # or
            union: set[int] = set()
            for child in node.children:
                union |= self.evaluate(child)
            return union
        if kind == 2:  # not
            if len(node.children) != 1:
                raise FilterError("not takes one filter")
            return set(self.all) - self.evaluate(node.children[0])
        if kind == 7:  # present
            return self._present(node.value.decode("utf-8", "replace").lower())
        if kind in (3, 5, 6, 8):  # equality, >=, <=, approximate (AD: equality)
            if len(node.children) != 2:
                raise FilterError("an assertion has a name and a value")
            name = node.children[0].text().lower()
            value = node.children[1].value
            if kind in (3, 8):
                return self._equal(name, value)
            return self._ordered(name, value, greater=kind == 5)
        if kind == 4:
            return self._substrings(node)
        if kind == 9:
            return self._extensible(node)
        raise FilterError(f"filter choice {kind} is not supported")

    def _present(self, name: str) -> set[int]:
        if name == "objectclass":
            return set(self.all)
        column = self._index.get(name)
        if not column:
            return set()
        found: set[int] = set()
        for entries in column.values():
            found |= entries
        return found

    def _equal(self, name: str, raw: bytes) -> set[int]:
        if name == "anr":
            return self._anr(raw)
        key = _assertion(name, raw)
        column = self._index.get(name)
        if key is None or not column:
            return set()
        return set(column.get(key, ()))

    def _ordered(self, name: str, raw: bytes, *, greater: bool) -> set[int]:
        column = self._index.get(name)
        key = _assertion(name, raw)
        if key is None or not column:
            return set()
        found: set[int] = set()
        for value, entries in column.items():
            try:
                matched = value >= key if greater else value <= key
            except TypeError:  # a number against text: AD would not match
                continue
            if matched:
                found |= entries
        return found

    def _substrings(self, node: Node) -> set[int]:
        if len(node.children) != 2:
            raise FilterError("substrings take a name and pieces")
        name = node.children[0].text().lower()
        pieces: list[tuple[int, str]] = []
        for piece in node.children[1].children:
            try:
                pieces.append((piece.number, fold(piece.text())))
            except UnicodeDecodeError:
                return set()
        column = self._index.get(name)
        if not column or name in BINARY:
            return set()
        pattern = _substring_pattern(pieces)
        found: set[int] = set()
        for value, entries in column.items():
            if isinstance(value, str) and pattern.fullmatch(value):
                found |= entries
        return found

    def _extensible(self, node: Node) -> set[int]:
        rule = name = None
        raw = b""
        for part in node.children:
            if part.number == 1:
                rule = part.text()
            elif part.number == 2:
                name = part.text().lower()
            elif part.number == 3:
                raw = part.value
            elif part.number == 4 and part.boolean():
                raise FilterError("dnAttributes matching is not supported")
        if name is None:
            raise FilterError("an extensible match needs an attribute")
        if rule is None:
            return self._equal(name, raw)
        if rule == IN_CHAIN:
            return self._in_chain(name, raw)
        if rule in (BIT_AND, BIT_OR):
            try:
                mask = int(raw.decode("ascii"))
            except ValueError:
                return set()
            found: set[int] = set()
            for value, entries in (self._index.get(name) or {}).items():
                if isinstance(value, int) and (
                    (value & mask) == mask if rule == BIT_AND else value & mask
                ):
                    found |= entries
            return found
        raise FilterError(f"matching rule {rule} is not supported")

    def _in_chain(self, name: str, raw: bytes) -> set[int]:
        """Entries whose ``name`` links reach the DN ``raw`` through any chain of links."""
        if name not in DN_VALUED:
            return set()
        target = self._by_dn.get(fold_dn(raw.decode("utf-8", "replace")))
        if target is None:
            return set()
        column = self._index.get(name) or {}
        found: set[int] = set()
        frontier = [target]
        seen = {target}
        while frontier:  # entries linking to the frontier, level by level (cycles stop)
            step: list[int] = []
            for index in frontier:
                for linker in column.get(fold_dn(self.entries[index].dn), ()):
                    found.add(linker)
                    if linker not in seen:
                        seen.add(linker)
                        step.append(linker)
            frontier = step
        return found

    def _anr(self, raw: bytes) -> set[int]:
        """AD's ambiguous name resolution, simplified: a prefix of the usual naming
        attributes, or of "given surname" either way round."""
        text = fold(raw.decode("utf-8", "replace").strip())
        if not text:
            return set()
        found: set[int] = set()
        for name in ("displayname", "givenname", "sn", "samaccountname", "mail", "cn"):
            for value, entries in (self._index.get(name) or {}).items():
                if isinstance(value, str) and value.startswith(text):
                    found |= entries
        return found


def _cheap_first(node: Node) -> int:
    """Evaluate an AND's equality tests before its substrings and negations."""
    return {3: 0, 7: 1, 9: 2, 1: 3, 0: 3, 5: 4, 6: 4, 4: 5, 2: 6}.get(node.number, 7)


def _normal(name: str, value: Any) -> Any:
    """An attribute value as the index keeps it."""
    if name in BINARY:
        return value if isinstance(value, bytes) else str(value).encode("utf-8")
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    if name in DN_VALUED:
        return fold_dn(text)
    if name in INTEGER and re.fullmatch(r"-?\d+", text.strip()):
        return int(text)
    if name in TIME and re.fullmatch(r"\d{14}(\.\d+)?Z", text.strip()):
        return int(text[:14])  # generalized time: ordered as a number
    return fold(text)


def _assertion(name: str, raw: bytes) -> Any:
    if name in BINARY:
        return raw
    try:
        return _normal(name, raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None


def _substring_pattern(pieces: list[tuple[int, str]]) -> re.Pattern[str]:
    """initial [0], any [1], final [2] pieces as one anchored pattern of literals."""
    initial = "".join(re.escape(t) for n, t in pieces if n == 0)
    middle = ".*".join(re.escape(t) for n, t in pieces if n == 1)
    final = "".join(re.escape(t) for n, t in pieces if n == 2)
    body = initial + ".*" + (middle + ".*" if middle else "") + final
    return re.compile(body, re.DOTALL)
