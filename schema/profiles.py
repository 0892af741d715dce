"""Profiles: what people say about themselves (about, pronouns, working hours and
pattern, skills, interests, ask-me-about), each field with where it came from and
when it changed; skills are normalised tags that colleagues endorse."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry

from connectors.directory import DirectoryPerson
from connectors.social import ItemNotFound, ProfileField

from .context import Info
from .errors import upstream
from .people import Person
from .social import (
    InvalidInputError,
    NotAllowedError,
    NotFoundError,
    person_by_id,
    tag_or_error,
    write,
)


@strawberry.enum(description="Where a profile field's value came from.")
class FieldSource(enum.Enum):
    _value_: str  # the plain value (Strawberry unwraps enum_value)
    DIRECTORY = strawberry.enum_value("directory", description="The directory (Active Directory).")
    HR = strawberry.enum_value("hr", description="The HR system.")
    PERSON = strawberry.enum_value("person", description="The person themselves, in Townhall.")


@strawberry.enum(description="How often a person is emailed a digest of unread notifications.")
class DigestFrequency(enum.Enum):
    _value_: str  # the plain value (Strawberry unwraps enum_value)
    NEVER = strawberry.enum_value("never", description="No digest emails.")
    DAILY = strawberry.enum_value(
        "daily", description="Every day at the council's send hour, if anything is unread."
    )
    WEEKLY = strawberry.enum_value(
        "weekly", description="Once a week at the council's send hour, if anything is unread."
    )


@strawberry.type(description="A profile value with its source and when it last changed.")
class ProfileText:
    value: str = strawberry.field(description="The value.")
    source: FieldSource = strawberry.field(description="Where it came from.")
    changed_at: datetime | None = strawberry.field(
        description="When it last changed, where the source says."
    )


@strawberry.type(description="A skill a person declared, and who vouches for it.")
class Skill:
    person_guid: strawberry.Private[str]
    name: str = strawberry.field(description="The skill, as a normalised tag.")
    added_at: datetime = strawberry.field(description="When the person added it.")
    endorser_guids: strawberry.Private[list[str]]

    @strawberry.field(description="How many colleagues endorse it.")
    def endorsement_count(self) -> int:
        return len(self.endorser_guids)

    @strawberry.field(description="Whether the viewer endorses it.")
    def viewer_endorsed(self, info: Info) -> bool:
        return info.context.viewer.guid in self.endorser_guids

    @strawberry.field(description="Who endorses it, earliest first.")
    async def endorsers(
        self,
        info: Info,
        first: Annotated[
            int, strawberry.argument(description="How many endorsers, earliest first: at most 100.")
        ] = 10,
    ) -> list[Person]:
        guids = self.endorser_guids[: max(0, min(first, 100))]
        found = await upstream(info.context.loaders.person.load_many(guids))
        return [Person.of(p) for p in found if p is not None]


def _own(fields: dict[str, ProfileField], name: str) -> ProfileText | None:
    found = fields.get(name)
    return (
        ProfileText(value=found.value, source=FieldSource.PERSON, changed_at=found.changed_at)
        if found
        else None
    )


@strawberry.type(
    description="A person's profile: what they say, and what the directory and HR say."
)
class Profile:
    person: strawberry.Private[DirectoryPerson]

    async def _fields(self, info: Info) -> dict[str, ProfileField]:
        return await upstream(info.context.scope.profiles.fields(self.person.guid))

    @strawberry.field(description="About me, in their own words.")
    async def about(self, info: Info) -> ProfileText | None:
        return _own(await self._fields(info), "about")

    @strawberry.field(description="Pronouns, if they gave them.")
    async def pronouns(self, info: Info) -> ProfileText | None:
        return _own(await self._fields(info), "pronouns")

    @strawberry.field(description="Working hours, e.g. 'Mon-Thu 8-4, not Fridays'.")
    async def working_hours(self, info: Info) -> ProfileText | None:
        return _own(await self._fields(info), "working_hours")

    @strawberry.field(
        description="Flexible working pattern: the person's own words, else the HR record's."
    )
    async def working_pattern(self, info: Info) -> ProfileText | None:
        own = _own(await self._fields(info), "working_pattern")
        if own is not None:
            return own
        policy = info.context.policy
        key = self.person.employee_id if policy.hr_join == "employee_number" else self.person.upn
        record = await upstream(info.context.loaders.hr.load(key)) if key else None
        if record is None or not record.working_pattern:
            return None
        return ProfileText(
            value=record.working_pattern, source=FieldSource.HR, changed_at=record.last_modified
        )

    @strawberry.field(description="Job title, from the directory.")
    def job_title(self) -> ProfileText | None:
        title = self.person.title
        return (
            ProfileText(
                value=title, source=FieldSource.DIRECTORY, changed_at=self.person.changed_at
            )
            if title
            else None
        )

    @strawberry.field(description="Skills they declared (source: the person), most endorsed first.")
    async def skills(self, info: Info) -> list[Skill]:
        profiles = info.context.scope.profiles
        tags = await upstream(profiles.tags("skill", self.person.guid))
        endorsed = await upstream(profiles.endorsements(self.person.guid)) if tags else {}
        skills = [
            Skill(
                person_guid=self.person.guid,
                name=t.tag,
                added_at=t.created_at,
                endorser_guids=endorsed.get(t.tag, []),
            )
            for t in tags
        ]
        return sorted(skills, key=lambda s: (-len(s.endorser_guids), s.name))

    @strawberry.field(description="Interests, as tags (source: the person).")
    async def interests(self, info: Info) -> list[str]:
        profiles = info.context.scope.profiles
        return [t.tag for t in await upstream(profiles.tags("interest", self.person.guid))]

    @strawberry.field(description="Ask me about, as tags (source: the person).")
    async def ask_me_about(self, info: Info) -> list[str]:
        profiles = info.context.scope.profiles
        return [t.tag for t in await upstream(profiles.tags("ask", self.person.guid))]

    @strawberry.field(
        description="How often they are emailed a digest of their unread notifications: "
        "on one's own profile only (null on anyone else's)."
    )
    async def digest_frequency(self, info: Info) -> DigestFrequency | None:
        if self.person.guid != info.context.viewer.guid:
            return None
        chosen = await upstream(info.context.scope.profiles.digest_frequency())
        return DigestFrequency(chosen or info.context.policy.digest_default)


@strawberry.input(description="Profile changes; a field left out stays as it is, '' clears it.")
class UpdateProfileInput:
    about: str | None = strawberry.field(default=None, description="About me.")
    pronouns: str | None = strawberry.field(default=None, description="Pronouns.")
    working_hours: str | None = strawberry.field(default=None, description="Working hours.")
    working_pattern: str | None = strawberry.field(
        default=None, description="Flexible working pattern in my own words ('' falls back to HR)."
    )
    skills: list[str] | None = strawberry.field(default=None, description="All my skills.")
    interests: list[str] | None = strawberry.field(default=None, description="All my interests.")
    ask_me_about: list[str] | None = strawberry.field(default=None, description="Ask me about.")
    digest_frequency: DigestFrequency | None = strawberry.field(
        default=None, description="How often to email me a digest of my unread notifications."
    )


@strawberry.type(description="The profile after the change.")
class ProfileSuccess:
    person: Person = strawberry.field(description="The person whose profile changed.")


ProfileResult = Annotated[
    ProfileSuccess | InvalidInputError,
    strawberry.union("ProfileResult", description="The outcome of a profile change."),
]


@strawberry.input(description="A skill of a colleague to endorse (or stop endorsing).")
class EndorseInput:
    person_id: strawberry.ID = strawberry.field(description="The colleague.")
    skill: str = strawberry.field(description="One of their declared skills.")


@strawberry.type(description="The endorsement as it now stands.")
class EndorseSuccess:
    person: Person = strawberry.field(description="The colleague.")
    changed: bool = strawberry.field(description="False when it already was as asked.")


EndorseResult = Annotated[
    EndorseSuccess | NotFoundError | NotAllowedError | InvalidInputError,
    strawberry.union("EndorseResult", description="The outcome of an endorsement change."),
]


def _tags(values: list[str], field: str, limit: int) -> list[str] | InvalidInputError:
    tags: dict[str, None] = {}
    for value in values:
        tag = tag_or_error(value, field)
        if isinstance(tag, InvalidInputError):
            return tag
        tags.setdefault(tag, None)
    if len(tags) > limit:
        return InvalidInputError(message=f"At most {limit} entries.", field=field)
    return list(tags)


@strawberry.type
class ProfileMutations:
    @strawberry.mutation(description="Change my own profile (repeating it is harmless).")
    async def update_profile(
        self,
        info: Info,
        input: Annotated[
            UpdateProfileInput,
            strawberry.argument(
                description="The fields to change; fields left out stay as they are."
            ),
        ],
    ) -> ProfileResult:
        limits = info.context.policy.social_limits
        texts = {
            "about": input.about, "pronouns": input.pronouns,
            "working_hours": input.working_hours, "working_pattern": input.working_pattern,
        }  # fmt: skip
        for name, value in texts.items():
            if value is not None and len(value) > limits.profile_text_length:
                field = "".join(w.capitalize() if i else w for i, w in enumerate(name.split("_")))
                return InvalidInputError(
                    message=f"At most {limits.profile_text_length} characters.", field=field
                )
        lists: dict[str, list[str]] = {}
        for kind, values, field, limit in (
            ("skill", input.skills, "skills", limits.skills_per_profile),
            ("interest", input.interests, "interests", limits.skills_per_profile),
            ("ask", input.ask_me_about, "askMeAbout", limits.skills_per_profile),
        ):
            if values is not None:
                tags = _tags(values, field, limit)
                if isinstance(tags, InvalidInputError):
                    return tags
                lists[kind] = tags
        profiles, viewer = info.context.scope.profiles, info.context.viewer
        for name, value in texts.items():
            if value is not None:
                await upstream(profiles.set_field(name, value.strip() or None))
        for kind, tags in lists.items():
            await upstream(profiles.set_tags(kind, tags))
        if input.digest_frequency is not None:
            # str(): to mypy an enum_value member's value is its definition
            await upstream(profiles.set_digest_frequency(str(input.digest_frequency.value)))
        return ProfileSuccess(person=Person.of(viewer.person))

    @strawberry.mutation(description="Endorse a colleague's declared skill.")
    async def endorse_skill(
        self,
        info: Info,
        input: Annotated[
            EndorseInput,
            strawberry.argument(description="The colleague, and the skill to endorse."),
        ],
    ) -> EndorseResult:
        return await _endorse(info, input, add=True)

    @strawberry.mutation(description="Withdraw an endorsement.")
    async def unendorse_skill(
        self,
        info: Info,
        input: Annotated[
            EndorseInput,
            strawberry.argument(description="The colleague, and the skill to stop endorsing."),
        ],
    ) -> EndorseResult:
        return await _endorse(info, input, add=False)


async def _endorse(info: Info, data: EndorseInput, *, add: bool) -> EndorseResult:
    person = await person_by_id(info, data.person_id, "personId")
    if not isinstance(person, DirectoryPerson):
        return person
    viewer = info.context.viewer.guid
    if person.guid == viewer:
        return NotAllowedError(message="You cannot endorse your own skills.")
    skill = tag_or_error(data.skill, "skill")
    if isinstance(skill, InvalidInputError):
        return skill
    profiles = info.context.scope.profiles
    try:
        if add:
            changed = await write(profiles.endorse(person.guid, skill))
        else:
            changed = await write(profiles.unendorse(person.guid, skill))
    except ItemNotFound:
        return NotFoundError(message="They have not declared that skill.")
    return EndorseSuccess(person=Person.of(person), changed=changed)
