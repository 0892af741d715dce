"""``experts(topic)``: who knows about X, ranked, each with the reasons it ranked.

The topic is widened by the council's vocabulary (``schema.vocabulary``: GDPR ~ data
protection ~ information governance ~ subject access), then weighed on the evidence
``schema.expert_evidence`` gathers. Weights: a declared skill (3) and its endorsements
(0.5 each, up to 5); an interest or ask-me-about (1); the job title (2, HR's where HR has
one) or department (1) naming it; membership of a group the vocabulary names for it (2);
documents they wrote (1 each when about it by title or tags, 0.5 when only the text or
path mentions it; up to 4) or last changed (half that, up to 2); their comments tagged
with it (0.5 each) or on documents about it (0.25 each), up to 2. Evidence of a related
term weighs three quarters of the topic's own, and each kind counts once per person, at
its strongest. Only documents the viewer may read count (documents, the search index and
the comments' signals are read through the access gate), and leavers are left out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from connectors.social import normalise_tag

from . import expert_evidence as evidence
from .context import Info
from .errors import BadInput, upstream
from .expert_evidence import ExpertReason, ExpertReasonKind, Scores, Term
from .people import Person

__all__ = ["Expert", "ExpertQueries", "ExpertReason", "ExpertReasonKind"]

MAX_EXPERTS = 50


@strawberry.type(description="A person who knows about a topic, with the evidence.")
class Expert:
    person: Person = strawberry.field(description="The person.")
    score: float = strawberry.field(description="The sum of the reasons' weights.")
    reasons: list[ExpertReason] = strawberry.field(description="Why, strongest first.")


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
        topic_term = Term(topic.strip(), related=False)
        related = info.context.policy.vocabulary.related(topic)
        terms = [topic_term, *(Term(t, related=True) for t in related.terms)]
        scores = Scores()
        about = await evidence.documents(info, terms, scores)
        await evidence.skills_and_comments(info, terms, about, scores)
        await evidence.titles(info, terms, scores)
        await evidence.groups(info, topic_term, related.groups, scores)
        return await _ranked(info, scores, first)


async def _ranked(info: Info, scores: Scores, first: int) -> list[Expert]:
    guids = list(scores.reasons)
    found = await upstream(info.context.loaders.person.load_many(guids))
    now = datetime.now(UTC)
    experts = [
        Expert(
            person=Person.of(p),
            score=round(sum(r.weight for r in scores.reasons[p.guid].values()), 2),
            reasons=sorted(scores.reasons[p.guid].values(), key=lambda r: -r.weight),
        )
        for p in found
        if p is not None and not p.is_leaver(now)
    ]
    experts.sort(key=lambda e: (-e.score, e.person.record.display_name))
    return experts[:first]
