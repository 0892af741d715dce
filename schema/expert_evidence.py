"""The evidence ``experts`` weighs, gathered for a topic and its related terms.

Each source is read once per term: the social store's skills, interests and comments
(through the access gate), the directory's people search (job title, department) with
HR's job title preferred where HR has one, the groups the council's vocabulary names,
and documents — their titles and tags in the gated listing, their text in the gated
search index. A document the viewer may not read is never evidence (every document
reader here is the viewer's gate). Evidence of a related term weighs ``RELATED`` of the
topic's own; each kind of evidence counts once per person, at its strongest.
"""

from __future__ import annotations

import contextlib
import enum
import re
from dataclasses import dataclass, field

import strawberry

from connectors.directory import DirectoryPerson
from connectors.documents import DocumentError, DocumentRecord
from connectors.social import normalise_tag

from .context import Info
from .errors import upstream

RELATED = 0.75  # a related term's evidence, against the topic's own
MIN_SEARCHED = 4  # a term is looked for in documents' text only with a word this long


@strawberry.enum(description="Why someone ranked as an expert.")
class ExpertReasonKind(enum.Enum):
    _value_: str  # the plain value (Strawberry unwraps enum_value)
    DECLARED_SKILL = strawberry.enum_value(
        "declared_skill", description="They list the topic among the skills in their profile."
    )
    ENDORSED = strawberry.enum_value(
        "endorsed", description="Colleagues endorse that skill of theirs (each endorsement adds)."
    )
    INTEREST = strawberry.enum_value(
        "interest", description="They list the topic among their interests or ask-me-about tags."
    )
    JOB_TITLE = strawberry.enum_value(
        "job_title", description="Their job title (HR's where HR has one) names the topic."
    )
    DEPARTMENT = strawberry.enum_value(
        "department", description="Their department or team names the topic."
    )
    GROUP = strawberry.enum_value(
        "group",
        description="They belong to a directory group the council's vocabulary names for the "
        "topic (e.g. Data Protection Champions for GDPR), or one named as the topic.",
    )
    WROTE_DOCUMENTS = strawberry.enum_value(
        "wrote_documents",
        description="They wrote documents about the topic (in title or tags; in the text "
        "counts half) that the viewer may read.",
    )
    CHANGED_DOCUMENTS = strawberry.enum_value(
        "changed_documents",
        description="They last changed documents about the topic that the viewer may read.",
    )
    COMMENTED = strawberry.enum_value(
        "commented",
        description="They commented on such documents, or wrote comments tagged with the topic.",
    )


@strawberry.type(description="One reason, and how much it added to the score.")
class ExpertReason:
    kind: ExpertReasonKind = strawberry.field(description="The kind of evidence.")
    detail: str = strawberry.field(description="The evidence, in words.")
    weight: float = strawberry.field(description="What it added to the score.")
    related_term: str | None = strawberry.field(
        default=None,
        description="The related term (from the council's vocabulary) this evidence matched "
        "instead of the topic itself; null when it matched the topic.",
    )


@dataclass(frozen=True, slots=True)
class Term:
    """The topic (``related`` false) or one of its related terms."""

    text: str
    related: bool

    @property
    def tag(self) -> str:
        return normalise_tag(self.text)

    @property
    def words(self) -> list[str]:
        return [w for w in self.tag.split("-") if w]

    @property
    def factor(self) -> float:
        return RELATED if self.related else 1.0

    @property
    def shown(self) -> str | None:
        return self.text if self.related else None


@dataclass(slots=True)
class Scores:
    """The strongest reason of each kind, per person."""

    reasons: dict[str, dict[ExpertReasonKind, ExpertReason]] = field(default_factory=dict)

    def add(
        self, guid: str, kind: ExpertReasonKind, detail: str, weight: float, term: Term
    ) -> None:
        weight = round(weight, 2)
        if weight <= 0:
            return
        mine = self.reasons.setdefault(guid, {})
        if kind not in mine or mine[kind].weight < weight:
            mine[kind] = ExpertReason(
                kind=kind, detail=detail, weight=weight, related_term=term.shown
            )


def names(text: str | None, words: list[str]) -> bool:
    """Whether ``text`` holds every word as a whole word ("gis" is not in "registrar")."""
    found = set(re.findall(r"\w+", (text or "").casefold()))
    return bool(words) and all(w in found for w in words)


def _about(document: DocumentRecord, term: Term) -> bool:
    if term.tag in {normalise_tag(t) for t in document.tags}:
        return True
    return names(document.title or document.file_name, term.words)


async def skills_and_comments(
    info: Info, terms: list[Term], about: list[str], scores: Scores
) -> None:
    """Declared and endorsed skills, interests, and comments (tagged with a term, or on the
    documents ``about`` the topic)."""
    for term in terms:
        paths = about if not term.related else []
        signals = await upstream(info.context.scope.comments.topic_signals(term.tag, paths))
        f, tag = term.factor, term.tag
        for guid, endorsements in signals.declared.items():
            scores.add(
                guid, ExpertReasonKind.DECLARED_SKILL, f"Lists #{tag} as a skill", 3 * f, term
            )
            scores.add(
                guid,
                ExpertReasonKind.ENDORSED,
                f"Endorsed for #{tag} by {endorsements} colleague(s)",
                min(0.5 * endorsements, 5.0) * f,
                term,
            )
        for guid in signals.interested:
            detail = f"Interested in, or asks to be asked about, #{tag}"
            scores.add(guid, ExpertReasonKind.INTEREST, detail, 1.0 * f, term)
        talked: dict[str, float] = {}
        for (guid, _), n in signals.tagged_comments.items():
            talked[guid] = talked.get(guid, 0.0) + 0.5 * n
        for (guid, _), n in signals.document_comments.items():
            talked[guid] = talked.get(guid, 0.0) + 0.25 * n
        for guid, weight in talked.items():
            detail = f"Commented on #{tag}"
            scores.add(guid, ExpertReasonKind.COMMENTED, detail, min(weight, 2.0) * f, term)


def _join_key(info: Info, person: DirectoryPerson) -> str | None:
    by_number = info.context.policy.hr_join == "employee_number"
    return person.employee_id if by_number else person.upn


async def titles(info: Info, terms: list[Term], scores: Scores) -> None:
    """Job titles (HR's where HR has one, else the directory's) and departments."""
    loaders = info.context.loaders
    found: dict[str, DirectoryPerson] = {}
    for term in terms:
        guids = await upstream(loaders.people_search.load(f"0|{' '.join(term.words)}"))
        for person in await upstream(loaders.person.load_many(guids)):
            if person is not None:
                found.setdefault(person.guid, person)
    people = list(found.values())
    keys = [_join_key(info, p) for p in people]
    hr = await upstream(loaders.hr.load_many([k for k in keys if k]))
    hr_by_key = dict(zip([k for k in keys if k], hr, strict=True))
    for person, key in zip(people, keys, strict=True):
        record = hr_by_key.get(key) if key else None
        title = (record.job_title if record is not None else None) or person.title
        for term in terms:
            if names(title, term.words):
                detail = f"Job title: {title}"
                scores.add(person.guid, ExpertReasonKind.JOB_TITLE, detail, 2.0 * term.factor, term)
            elif names(person.department, term.words):
                detail = f"Works in {person.department}"
                scores.add(
                    person.guid, ExpertReasonKind.DEPARTMENT, detail, 1.0 * term.factor, term
                )


async def groups(info: Info, topic: Term, named: tuple[str, ...], scores: Scores) -> None:
    """Members of the groups the vocabulary names for the topic, or named as the topic."""
    loaders = info.context.loaders
    wanted = list(dict.fromkeys([*named, topic.text]))
    found = [g for g in await upstream(loaders.group_by_name.load_many(wanted)) if g is not None]
    members = await upstream(loaders.group_members.load_many([g.dn for g in found]))
    for group, guids in zip(found, members, strict=True):
        for guid in guids:
            scores.add(guid, ExpertReasonKind.GROUP, f"Member of {group.name}", 2.0, topic)


@dataclass(slots=True)
class _Weighed:
    weight: float
    term: Term
    document: DocumentRecord


async def documents(info: Info, terms: list[Term], scores: Scores) -> list[str]:
    """Documents written or last changed on the topic: about it (title or tags) counts
    one each, mentioning it (the search index: text, path) half; the readable documents
    about the topic are answered, for the comments on them."""
    scope = info.context.scope
    listing = [d for d in await upstream(scope.documents.in_folder("")) if not d.is_folder]
    weighed: dict[str, _Weighed] = {}

    def weigh(document: DocumentRecord, weight: float, term: Term) -> None:
        known = weighed.get(document.path)
        if known is None or known.weight < weight:
            weighed[document.path] = _Weighed(weight, term, document)

    for term in terms:
        for d in listing:
            if _about(d, term):
                weigh(d, 1.0 * term.factor, term)
        mentioning: list[DocumentRecord] = []
        # The index matches words as prefixes, names included: a short acronym ("SAR")
        # would find every Sarah's documents, so it counts by titles and tags only.
        if any(len(w) >= MIN_SEARCHED for w in term.words):
            with contextlib.suppress(DocumentError):  # no index yet: titles and tags count
                mentioning = await scope.documents.search(" ".join(term.words))
        for d in mentioning:
            if not d.is_folder:
                weigh(d, 0.5 * term.factor, term)

    upns = sorted(
        {
            u.casefold()
            for w in weighed.values()
            for u in (w.document.author, w.document.last_editor)
            if u
        }
    )
    people = await upstream(info.context.loaders.person_by_upn.load_many(upns))
    by_upn = {u: p.guid for u, p in zip(upns, people, strict=True) if p is not None}
    wrote: dict[str, list[_Weighed]] = {}
    changed: dict[str, list[_Weighed]] = {}
    for w in weighed.values():
        author = by_upn.get((w.document.author or "").casefold())
        editor = by_upn.get((w.document.last_editor or "").casefold())
        if author:
            wrote.setdefault(author, []).append(w)
        if editor and editor != author:
            changed.setdefault(editor, []).append(w)
    for guid, found in wrote.items():
        detail, term = _describe("Wrote", found)
        weight = min(sum(w.weight for w in found), 4.0)
        scores.add(guid, ExpertReasonKind.WROTE_DOCUMENTS, detail, weight, term)
    for guid, found in changed.items():
        detail, term = _describe("Last changed", found)
        weight = min(0.5 * sum(w.weight for w in found), 2.0)
        scores.add(guid, ExpertReasonKind.CHANGED_DOCUMENTS, detail, weight, term)
    return sorted(p for p, w in weighed.items() if w.weight >= 1.0 * RELATED)


def _describe(verb: str, found: list[_Weighed]) -> tuple[str, Term]:
    best = max(found, key=lambda w: (w.weight, not w.term.related))
    title = best.document.title or best.document.file_name
    others = f" and {len(found) - 1} more" if len(found) > 1 else ""
    return f"{verb} '{title}'{others}", best.term
