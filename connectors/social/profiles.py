"""Profiles people edit (text fields, skills, interests, ask-me-about), endorsements
of skills, and the store's side of expertise: who declared, was endorsed for, or
talked about a topic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .base import Event, ItemNotFound, StoreBase, now, utc
from .records import ProfileField, ProfileTag, TopicSignals
from .tables import comments, endorsements, item_tags, profile_fields, profile_tags

PROFILE_FIELDS = ("about", "pronouns", "working_hours", "working_pattern")
PROFILE_TAG_KINDS = ("skill", "interest", "ask")


class ProfilesMixin(StoreBase):
    async def profile_fields_of(self, people: Sequence[str]) -> list[dict[str, ProfileField]]:
        rows = await self._rows(
            select(profile_fields).where(profile_fields.c.person.in_(set(people)))
        )
        found: dict[str, dict[str, ProfileField]] = {}
        for r in rows:
            found.setdefault(r.person, {})[r.field] = ProfileField(r.value, utc(r.changed_at))
        return [found.get(p, {}) for p in people]

    async def set_profile_field(self, person: str, field: str, value: str | None) -> bool:
        """Set (or, with ``None``/empty, clear) a text field; ``False`` if unchanged."""
        if field not in PROFILE_FIELDS:
            raise ValueError(f"unknown profile field {field!r}")
        async with self._begin() as connection:
            where = and_(profile_fields.c.person == person, profile_fields.c.field == field)
            current = (
                await connection.execute(select(profile_fields.c.value).where(where))
            ).scalar()
            if (current or None) == (value or None):
                return False
            await connection.execute(delete(profile_fields).where(where))
            if value:
                await connection.execute(
                    insert(profile_fields).values(
                        person=person, field=field, value=value, changed_at=now()
                    )
                )
            await self._record(connection, Event(person, "updated_profile", "profile", person))
        return True

    async def profile_tags_of(self, kind: str, people: Sequence[str]) -> list[list[ProfileTag]]:
        query = (
            select(profile_tags)
            .where(profile_tags.c.kind == kind, profile_tags.c.person.in_(set(people)))
            .order_by(profile_tags.c.tag)
        )
        found: dict[str, list[ProfileTag]] = {}
        for r in await self._rows(query):
            found.setdefault(r.person, []).append(ProfileTag(r.tag, utc(r.created_at)))
        return [found.get(p, []) for p in people]

    async def set_profile_tags(self, person: str, kind: str, tags: Sequence[str]) -> list[str]:
        """Replace a person's tags of ``kind`` (already normalised); the ones added."""
        if kind not in PROFILE_TAG_KINDS:
            raise ValueError(f"unknown profile tag kind {kind!r}")
        wanted = list(dict.fromkeys(tags))
        async with self._begin() as connection:
            where = and_(profile_tags.c.person == person, profile_tags.c.kind == kind)
            current = set(
                (await connection.execute(select(profile_tags.c.tag).where(where))).scalars()
            )
            gone = current - set(wanted)
            added = [t for t in wanted if t not in current]
            if gone:
                await connection.execute(
                    delete(profile_tags).where(where, profile_tags.c.tag.in_(gone))
                )
                if kind == "skill":  # endorsements of a dropped skill go with it
                    await connection.execute(
                        delete(endorsements).where(
                            endorsements.c.person == person, endorsements.c.skill.in_(gone)
                        )
                    )
            if added:
                at = now()
                await connection.execute(
                    insert(profile_tags),
                    [{"person": person, "kind": kind, "tag": t, "created_at": at} for t in added],
                )
                if kind == "skill":
                    await self._record(
                        connection, Event(person, "added_skill", "profile", person, tags=added)
                    )
        return added

    async def endorse(self, endorser: str, person: str, skill: str) -> bool:
        """Endorse a skill the person declared; ``False`` if already endorsed."""
        async with self._begin() as connection:
            await _declared(connection, person, skill)
            added = await self._insert_ignore(
                connection, endorsements,
                {"endorser": endorser, "person": person, "skill": skill, "created_at": now()},
            )  # fmt: skip
            if not added:
                return False
            event_id = await self._record(
                connection,
                Event(endorser, "endorsed", "skill", skill, "person", person, tags=[skill]),
            )
            await self._notify(
                connection,
                [person],
                "endorsement",
                event_id=event_id,
                actor=endorser,
                document=None,
            )
        return True

    async def unendorse(self, endorser: str, person: str, skill: str) -> bool:
        async with self._begin() as connection:
            result = await connection.execute(
                delete(endorsements).where(
                    endorsements.c.endorser == endorser,
                    endorsements.c.person == person,
                    endorsements.c.skill == skill,
                )
            )
            if result.rowcount:
                await self._record(
                    connection, Event(endorser, "unendorsed", "skill", skill, "person", person)
                )
        return bool(result.rowcount)

    async def endorsements_of(self, person: str) -> dict[str, list[str]]:
        """Each skill of a person -> who endorsed it (oldest first)."""
        query = (
            select(endorsements.c.skill, endorsements.c.endorser)
            .where(endorsements.c.person == person)
            .order_by(endorsements.c.created_at)
        )
        found: dict[str, list[str]] = {}
        for skill, endorser in await self._rows(query):
            found.setdefault(skill, []).append(endorser)
        return found

    async def topic_signals(self, topic: str, documents: Sequence[str]) -> TopicSignals:
        """Declared skills (with endorsements), interests, and comments about ``topic``:
        carrying ``#topic`` or written on one of ``documents``."""
        declared_q = (
            select(profile_tags.c.person, func.count(endorsements.c.endorser))
            .select_from(
                profile_tags.outerjoin(
                    endorsements,
                    and_(
                        endorsements.c.person == profile_tags.c.person,
                        endorsements.c.skill == profile_tags.c.tag,
                    ),
                )
            )
            .where(profile_tags.c.kind == "skill", profile_tags.c.tag == topic)
            .group_by(profile_tags.c.person)
        )
        interest_q = select(profile_tags.c.person).where(
            profile_tags.c.kind.in_(("interest", "ask")), profile_tags.c.tag == topic
        )
        live = and_(comments.c.deleted_at.is_(None), comments.c.hidden_at.is_(None))
        tagged_q = (
            select(comments.c.author, comments.c.document, func.count())
            .select_from(
                comments.join(
                    item_tags,
                    and_(item_tags.c.item_kind == "comment", item_tags.c.item_id == comments.c.id),
                )
            )
            .where(item_tags.c.tag == topic, live)
            .group_by(comments.c.author, comments.c.document)
        )
        signals = TopicSignals(
            declared={r[0]: int(r[1]) for r in await self._rows(declared_q)},
            interested={r[0] for r in await self._rows(interest_q)},
            tagged_comments={(r[0], r[1]): int(r[2]) for r in await self._rows(tagged_q)},
        )
        if documents:
            on_docs_q = (
                select(comments.c.author, comments.c.target, func.count())
                .where(
                    comments.c.target_kind == "document",
                    comments.c.target.in_(set(documents)),
                    live,
                )
                .group_by(comments.c.author, comments.c.target)
            )
            for author, path, count in await self._rows(on_docs_q):
                signals.document_comments[(author, path)] = int(count)
        return signals


async def _declared(connection: AsyncConnection, person: str, skill: str) -> Any:
    row = (
        await connection.execute(
            select(profile_tags.c.tag).where(
                profile_tags.c.person == person,
                profile_tags.c.kind == "skill",
                profile_tags.c.tag == skill,
            )
        )
    ).first()
    if row is None:
        raise ItemNotFound("the person has not declared that skill")
    return row
