"""``experts(topic)``: who knows about X, ranked, each with the reasons it ranked.

Signals and their weights: a declared skill (3) and its endorsements (0.5
each, up to 5); the topic as an interest or ask-me-about (1); the job title (2)
or department (1) naming it; documents on the topic they wrote (1 each) or last
changed (0.5 each), up to 4; their comments tagged with it (0.5 each) or on
those documents (0.25 each), up to 2. Only documents the viewer may read count
(a reason never reveals one they may not: documents and the comments' signals are
read through the access gate), and leavers are left out.
"""

from __future__ import annotations

import enum
import re
from datetime import UTC, datetime
from typing import Annotated

import strawberry

from connectors.documents import DocumentRecord
from connectors.social import normalise_tag

from .context import Info
from .errors import BadInput, upstream
from .people import Person

MAX_EXPERTS = 50


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
    JOB_TITLE = strawberry.enum_value("job_title", description="Their job title names the topic.")
    DEPARTMENT = strawberry.enum_value(
        "department", description="Their department or team names the topic."
    )
    WROTE_DOCUMENTS = strawberry.enum_value(
        "wrote_documents",
        description="They wrote documents about the topic that the viewer may read.",
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


@strawberry.type(description="A person who knows about a topic, with the evidence.")
class Expert:
    person: Person = strawberry.field(description="The person.")
    score: float = strawberry.field(description="The sum of the reasons' weights.")
    reasons: list[ExpertReason] = strawberry.field(description="Why, strongest first.")


def _names(text: str | None, words: list[str]) -> bool:
    """Whether ``text`` holds every word as a whole word ("gis" is not in "registrar")."""
    found = set(re.findall(r"\w+", (text or "").casefold()))
    return bool(words) and all(w in found for w in words)


def _about(document: DocumentRecord, topic: str, words: list[str]) -> bool:
    if topic in {normalise_tag(t) for t in document.tags}:
        return True
    return _names(document.title or document.file_name, words)


class _Scores:
    def __init__(self) -> None:
        self.reasons: dict[str, list[ExpertReason]] = {}

    def add(self, guid: str, kind: ExpertReasonKind, detail: str, weight: float) -> None:
        if weight > 0:
            self.reasons.setdefault(guid, []).append(
                ExpertReason(kind=kind, detail=detail, weight=weight)
            )


@strawberry.type
class ExpertQueries:
    @strawberry.field(
        description="Who knows about `topic`: people ranked by declared and endorsed skills, "
        "job title and team, documents they wrote or changed, and what they commented on."
    )
    async def experts(
        self,
        info: Info,
        topic: Annotated[
            str,
            strawberry.argument(
                description="What to find people for: a word or phrase, e.g. 'planning' or 'data "
                "protection'."
            ),
        ],
        first: Annotated[
            int, strawberry.argument(description="How many people, best first: 1 to 50.")
        ] = 10,
    ) -> list[Expert]:
        tag = normalise_tag(topic)
        if not tag:
            raise BadInput("Give a topic with letters or digits.", field="topic")
        if first < 1 or first > MAX_EXPERTS:
            raise BadInput(f"`first` must be between 1 and {MAX_EXPERTS}.", field="first")
        words = [w for w in tag.split("-") if w]
        loaders, scope, scores = info.context.loaders, info.context.scope, _Scores()

        index = await upstream(scope.documents.in_folder(""))
        documents = [d for d in index if not d.is_folder and _about(d, tag, words)]
        signals = await upstream(scope.comments.topic_signals(tag, [d.path for d in documents]))

        for guid, endorsements in signals.declared.items():
            scores.add(guid, ExpertReasonKind.DECLARED_SKILL, f"Lists #{tag} as a skill", 3.0)
            scores.add(
                guid,
                ExpertReasonKind.ENDORSED,
                f"Endorsed for #{tag} by {endorsements} colleague(s)",
                min(0.5 * endorsements, 5.0),
            )
        for guid in signals.interested:
            scores.add(
                guid,
                ExpertReasonKind.INTEREST,
                f"Interested in, or asks to be asked about, #{tag}",
                1.0,
            )

        guids = await upstream(loaders.people_search.load(f"0|{' '.join(words)}"))
        matched = await upstream(loaders.person.load_many(guids))
        for person in filter(None, matched):
            if _names(person.title, words):
                scores.add(
                    person.guid, ExpertReasonKind.JOB_TITLE, f"Job title: {person.title}", 2.0
                )
            elif _names(person.department, words):
                scores.add(
                    person.guid, ExpertReasonKind.DEPARTMENT, f"Works in {person.department}", 1.0
                )

        upns = sorted({u.casefold() for d in documents for u in (d.author, d.last_editor) if u})
        people = await upstream(loaders.person_by_upn.load_many(upns))
        by_upn = {u: p.guid for u, p in zip(upns, people, strict=True) if p is not None}
        wrote: dict[str, int] = {}
        changed: dict[str, int] = {}
        for d in documents:
            author = by_upn.get((d.author or "").casefold())
            editor = by_upn.get((d.last_editor or "").casefold())
            if author:
                wrote[author] = wrote.get(author, 0) + 1
            if editor and editor != author:
                changed[editor] = changed.get(editor, 0) + 1
        for guid, n in wrote.items():
            scores.add(
                guid,
                ExpertReasonKind.WROTE_DOCUMENTS,
                f"Wrote {n} document(s) on #{tag}",
                min(1.0 * n, 4.0),
            )
        for guid, n in changed.items():
            scores.add(
                guid,
                ExpertReasonKind.CHANGED_DOCUMENTS,
                f"Last changed {n} document(s) on #{tag}",
                min(0.5 * n, 4.0),
            )

        talked: dict[str, float] = {}
        for (guid, _), n in signals.tagged_comments.items():
            talked[guid] = talked.get(guid, 0.0) + 0.5 * n
        for (guid, _), n in signals.document_comments.items():
            talked[guid] = talked.get(guid, 0.0) + 0.25 * n
        for guid, weight in talked.items():
            scores.add(guid, ExpertReasonKind.COMMENTED, f"Commented on #{tag}", min(weight, 2.0))

        return await _ranked(info, scores, first)


async def _ranked(info: Info, scores: _Scores, first: int) -> list[Expert]:
    guids = list(scores.reasons)
    found = await upstream(info.context.loaders.person.load_many(guids))
    now = datetime.now(UTC)
    experts = [
        Expert(
            person=Person.of(p),
            score=round(sum(r.weight for r in scores.reasons[p.guid]), 2),
            reasons=sorted(scores.reasons[p.guid], key=lambda r: -r.weight),
        )
        for p in found
        if p is not None and not p.is_leaver(now)
    ]
    experts.sort(key=lambda e: (-e.score, e.person.record.display_name))
    return experts[:first]
