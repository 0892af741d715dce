"""The council's vocabulary of related terms, which ``experts`` applies to a topic.

A vocabulary file is JSON: ``{"concepts": [{"terms": [...], "groups": [...]}]}``. Each
concept is a set of words or phrases that mean the same to the council ("GDPR", "data
protection", "information governance", "subject access"), and the directory groups whose
members know about it ("Data Protection Champions"). Terms are compared as tags are
(``normalise_tag``: case, spaces and ``#`` do not matter). Several files merge: concepts that
share a term become one, so a council extends the sample vocabulary by naming a second file
that adds terms to an existing concept or new concepts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from connectors.social import normalise_tag

MAX_RELATED = 12  # related terms applied to one topic: each costs a search


class _ConceptFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    terms: list[str] = Field(min_length=1)
    groups: list[str] = Field(default_factory=list)
    note: str = ""


class _VocabularyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    concepts: list[_ConceptFile]


@dataclass(frozen=True, slots=True)
class Related:
    """What the vocabulary adds to a topic: related terms (as written in the file, the
    topic's own spelling left out) and the groups whose members know about it."""

    terms: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


class Vocabulary:
    """Concepts of related terms, merged from one or more files."""

    def __init__(self, concepts: Iterable[tuple[Sequence[str], Sequence[str]]] = ()) -> None:
        # Merge concepts that share a term (in file order, so the first spelling stays).
        merged: list[tuple[dict[str, str], dict[str, str]]] = []
        for terms, groups in concepts:
            keys = {normalise_tag(t): t.strip() for t in terms if normalise_tag(t)}
            names = {g.casefold(): g for g in groups}
            joined = [c for c in merged if c[0].keys() & keys.keys()]
            target: tuple[dict[str, str], dict[str, str]] = ({}, {})
            for c in joined:
                merged.remove(c)
                target[0].update(c[0])
                target[1].update(c[1])
            for key, term in keys.items():
                target[0].setdefault(key, term)
            for key, name in names.items():
                target[1].setdefault(key, name)
            merged.append(target)
        self._by_term: dict[str, tuple[dict[str, str], dict[str, str]]] = {
            key: concept for concept in merged for key in concept[0]
        }
        self.concepts = len(merged)

    @classmethod
    def from_files(cls, paths: Sequence[Path]) -> Vocabulary:
        """The vocabularies of ``paths`` merged, in order (a file that cannot be read or
        parsed stops start-up: the error names the file)."""
        concepts: list[tuple[Sequence[str], Sequence[str]]] = []
        for path in paths:
            try:
                parsed = _VocabularyFile.model_validate_json(path.read_bytes())
            except (OSError, ValueError) as exc:
                raise ValueError(f"vocabulary file {path} cannot be read: {exc}") from exc
            concepts.extend((c.terms, c.groups) for c in parsed.concepts)
        return cls(concepts)

    def related(self, topic: str) -> Related:
        """The related terms and groups of ``topic`` (nothing when no concept holds it)."""
        key = normalise_tag(topic)
        concept = self._by_term.get(key)
        if concept is None:
            return Related()
        terms = tuple(t for k, t in concept[0].items() if k != key)[:MAX_RELATED]
        return Related(terms=terms, groups=tuple(concept[1].values()))
