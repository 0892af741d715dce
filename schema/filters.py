"""Filters on people: the ``PeopleFilter`` input and how a filter is answered.

Directory fields (department, office, title words, manager, group) become clauses of the
one directory search (``connectors.directory.PeopleWhere``); HR fields (working pattern,
work style, work location, start date, grade) are tested on the HR records of the
directory's matches, read through the cached, batched HR loader. A filter on an HR field
is allowed only when the viewer may see that field for everyone it could match
(``schema.access``): staff-visible fields for all staff, restricted ones (grade) for the
HR role only, so a filter never reveals what the field would not. Anything else is
refused, naming the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import strawberry

from connectors.directory import DirectoryPerson, PeopleWhere
from connectors.directory.where import people_search_key
from connectors.hr import HRRecord

from .access import HR_FIELD_AUDIENCES, Audience, audit_access, is_hr, is_restricted
from .context import Info
from .errors import BadInput, upstream
from .groups import group_by_key
from .ids import parse_global_id

MAX_VALUE = 256  # longer than any department, office, title or group name
MAX_TITLE_WORDS = 8


@strawberry.input(
    description="Criteria a person must all meet (fields left out or null: no criterion). "
    "Text is compared as the directory and HR compare it: whole values (department, office, "
    "HR fields) without regard to case; `titleWords` each anywhere in the job title."
)
class PeopleFilter:
    department: str | None = strawberry.field(
        default=None,
        description="The directory department, the whole name in any case, e.g. `Housing`.",
    )
    office: str | None = strawberry.field(
        default=None, description="The directory office, the whole name in any case."
    )
    title_words: list[str] | None = strawberry.field(
        default=None,
        description=f"Words that must each appear in the directory job title (at most "
        f'{MAX_TITLE_WORDS}), e.g. `["officer"]`.',
    )
    manager: strawberry.ID | None = strawberry.field(
        default=None,
        description="A Person id: only that person's direct reports (in the directory).",
    )
    group: str | None = strawberry.field(
        default=None,
        description="A Group id or a group's name (any case): only its members, nested "
        "groups included where the directory expands them.",
    )
    working_pattern: str | None = strawberry.field(
        default=None,
        description="The HR working pattern, e.g. `Part time` (as `Employment.workingPattern` "
        "shows it, any case). Visible to all staff.",
    )
    work_style: str | None = strawberry.field(
        default=None,
        description="The HR work style: `Office based`, `Hybrid`, `Home based` or `Mobile` "
        "(any case). Visible to all staff.",
    )
    work_location: str | None = strawberry.field(
        default=None,
        description="The HR work location, e.g. `County Hall, Northam` (any case). "
        "Visible to all staff.",
    )
    started_after: date | None = strawberry.field(
        default=None,
        description="Only people whose HR start date is after this day (not on it). "
        "Visible to all staff.",
    )
    started_before: date | None = strawberry.field(
        default=None,
        description="Only people whose HR start date is before this day (not on it). "
        "Visible to all staff.",
    )
    grade: str | None = strawberry.field(
        default=None,
        description="The HR pay grade, e.g. `SO1` (any case). For the HR role only; "
        "refused (`BAD_USER_INPUT`, reason `NOT_ALLOWED`) for anyone else.",
    )


@dataclass(frozen=True, slots=True)
class HRCriteria:
    """The HR side of a filter: case-folded values, start-date bounds."""

    working_pattern: str | None = None
    work_style: str | None = None
    work_location: str | None = None
    grade: str | None = None
    started_after: date | None = None
    started_before: date | None = None

    def fields(self) -> list[str]:
        """The HR fields (``schema.access`` names) the criteria read."""
        named = {
            "workingPattern": self.working_pattern,
            "workStyle": self.work_style,
            "workLocation": self.work_location,
            "grade": self.grade,
        }
        found = [name for name, value in named.items() if value is not None]
        if self.started_after is not None or self.started_before is not None:
            found.append("startDate")
        return found

    def matches(self, record: HRRecord | None) -> bool:
        if record is None:
            return False  # nothing to test: HR holds no record for them
        for wanted, value in (
            (self.working_pattern, record.working_pattern),
            (self.work_style, record.work_style),
            (self.work_location, record.work_location),
            (self.grade, record.grade),
        ):
            if wanted is not None and (value or "").casefold() != wanted:
                return False
        if self.started_after is None and self.started_before is None:
            return True
        start = record.start_date.date() if record.start_date else None
        if start is None:
            return False
        if self.started_after is not None and not start > self.started_after:
            return False
        return self.started_before is None or start < self.started_before


#: The name a client used for each HR field, for refusals.
_ARGUMENT = {
    "workingPattern": "workingPattern",
    "workStyle": "workStyle",
    "workLocation": "workLocation",
    "startDate": "startedAfter/startedBefore",
    "grade": "grade",
}


async def check_hr_fields(info: Info, fields: Sequence[str], *, argument: str) -> None:
    """Refuse unless the viewer may see each HR field of everyone: staff-visible fields
    for all staff, fields the HR role may read for its members; anything else, never."""
    hr: bool | None = None
    for field in fields:
        audiences = HR_FIELD_AUDIENCES.get(field, frozenset({Audience.NEVER}))
        if Audience.STAFF in audiences:
            continue
        if Audience.HR in audiences:
            if hr is None:
                hr = await is_hr(info)
            if hr:
                continue
        raise BadInput(
            f"Only the HR role may use `{_ARGUMENT.get(field, field)}` here: it reads a field "
            "that is not visible to all staff.",
            field=f"{argument}.{_ARGUMENT.get(field, field)}",
            reason="NOT_ALLOWED",
        )


def _text(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    if not text or len(text) > MAX_VALUE or not text.isprintable():
        message = f"`filter.{name}` must be 1 to {MAX_VALUE} printable characters."
        raise BadInput(message, field=f"filter.{name}")
    return text


async def directory_criteria(info: Info, f: PeopleFilter) -> PeopleWhere | None:
    """The directory side of ``f`` (None: no criterion); the manager and the group are
    looked up (cached) for their DNs. An unknown manager is refused like an unknown group."""
    words = [w for value in (f.title_words or []) for w in value.split()]
    bad_word = any(len(w) > MAX_VALUE or not w.isprintable() for w in words)
    if len(words) > MAX_TITLE_WORDS or bad_word:
        raise BadInput(
            f"`filter.titleWords` holds at most {MAX_TITLE_WORDS} printable words.",
            field="filter.titleWords",
        )
    manager_dn = group_dn = None
    if f.manager is not None:
        _, guid = parse_global_id(f.manager, "Person")
        manager = await upstream(info.context.loaders.person.load(guid))
        if manager is None:
            raise BadInput("`filter.manager` names no person.", field="filter.manager")
        manager_dn = manager.dn
    if f.group is not None:
        group_dn = await _group_dn(info, f.group)
    where = PeopleWhere(
        department=_text(f.department, "department"),
        office=_text(f.office, "office"),
        title_words=tuple(words),
        manager_dn=manager_dn,
        group_dn=group_dn,
    )
    return where or None


async def _group_dn(info: Info, key: str) -> str:
    name = _text(key, "group") or ""
    try:
        _, guid = parse_global_id(strawberry.ID(name), "Group")
    except BadInput:
        guid = None
    if guid is not None:
        found = await group_by_key(info, guid)
    else:
        found = await upstream(info.context.loaders.group_by_name.load(name))
    if found is None:
        raise BadInput("`filter.group` names no group (by id or name).", field="filter.group")
    return found.dn


def hr_criteria(f: PeopleFilter) -> HRCriteria:
    def folded(value: str | None, name: str) -> str | None:
        text = _text(value, name)
        return text.casefold() if text is not None else None

    return HRCriteria(
        working_pattern=folded(f.working_pattern, "workingPattern"),
        work_style=folded(f.work_style, "workStyle"),
        work_location=folded(f.work_location, "workLocation"),
        grade=folded(f.grade, "grade"),
        started_after=f.started_after,
        started_before=f.started_before,
    )


async def hr_records(info: Info, people: Sequence[DirectoryPerson]) -> list[HRRecord | None]:
    """Each person's HR record (None: no join key, or HR holds none): one batched load."""
    by_number = info.context.policy.hr_join == "employee_number"
    keys = [(p.employee_id if by_number else p.upn) for p in people]
    wanted = [k for k in keys if k]
    found = await upstream(info.context.loaders.hr.load_many(wanted)) if wanted else []
    records = dict(zip(wanted, found, strict=True))
    return [records.get(k) if k else None for k in keys]


@dataclass(frozen=True, slots=True)
class Matched:
    """A filtered search's people (GUIDs in name order); their directory and HR records
    when HR was read."""

    guids: list[str]
    people: list[DirectoryPerson] | None = None
    records: list[HRRecord | None] | None = None


async def filtered_people(
    info: Info,
    text: str,
    f: PeopleFilter | None,
    *,
    include_leavers: bool = False,
    need_hr: bool = False,
) -> Matched:
    """Everyone the search text and the filter match: one directory search (cached by
    the normalised text and filter), then the HR criteria on their batched HR records."""
    f = f or PeopleFilter()
    hr = hr_criteria(f)
    await check_hr_fields(info, hr.fields(), argument="filter")
    where = await directory_criteria(info, f)
    loaders = info.context.loaders
    key = people_search_key(text, include_leavers=include_leavers, where=where)
    guids = await upstream(loaders.people_search.load(key))
    if not hr.fields() and not need_hr:
        return Matched(list(guids))
    # The search stored these records in the person cache: no second directory call.
    found = await upstream(loaders.person.load_many(guids))
    people = [p for p in found if p is not None]
    records = await hr_records(info, people)
    if hr.fields():
        kept = [(p, r) for p, r in zip(people, records, strict=True) if hr.matches(r)]
        people, records = [p for p, _ in kept], [r for _, r in kept]
        for field in (name for name in hr.fields() if is_restricted(name)):
            for person in people:  # the answer shows these people's restricted field
                audit_access(info, person.guid, field, Audience.HR.value)
    return Matched([p.guid for p in people], people, records)
