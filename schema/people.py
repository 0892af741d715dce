"""People: the directory account, the HR record (privacy-trimmed) and the social graph."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, TypeVar

import strawberry

from connectors.directory import DirectoryPerson
from connectors.hr import HRRecord

from .access import (
    Audience,
    audit_read,
    is_restricted,
    may_see,
    relationship,
)
from .arguments import After, First, IncludeLeavers
from .context import Info
from .errors import upstream
from .ids import cursor, global_id, parse_cursor
from .pagination import Connection, Counter, Edge, check_first, keyset_page, offset_page

if TYPE_CHECKING:
    from .activity import ActivityItem
    from .comments import Comment
    from .documents import Document
    from .groups import Group
    from .profiles import Profile

T = TypeVar("T")
_MAX_CHAIN = 32  # longer than any real org chart
DocumentType = Annotated["Document", strawberry.lazy("schema.documents")]
ActivityItemType = Annotated["ActivityItem", strawberry.lazy("schema.activity")]
CommentType = Annotated["Comment", strawberry.lazy("schema.comments")]
ProfileType = Annotated["Profile", strawberry.lazy("schema.profiles")]
GroupType = Annotated["Group", strawberry.lazy("schema.groups")]


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Global, opaque, stable id.")


@strawberry.type(
    description="A member of staff. Directory fields come from Active Directory; `employment` "
    "from the HR system (trimmed to what the viewer may see); followers and following from "
    "Townhall itself."
)
class Person(Node):
    record: strawberry.Private[DirectoryPerson]

    @classmethod
    def of(cls, record: DirectoryPerson) -> Person:
        return cls(id=strawberry.ID(global_id("Person", record.guid)), record=record)

    @strawberry.field(description="Directory account name (sAMAccountName). Source: directory.")
    def account_name(self) -> str | None:
        return self.record.account_name

    @strawberry.field(description="User principal name, the sign-in name. Source: directory.")
    def user_principal_name(self) -> str | None:
        return self.record.upn

    @strawberry.field(description="Name as shown to others. Source: directory.")
    def display_name(self) -> str:
        return self.record.display_name

    @strawberry.field(description="Given name. Source: directory.")
    def given_name(self) -> str | None:
        return self.record.given_name

    @strawberry.field(description="Family name. Source: directory.")
    def surname(self) -> str | None:
        return self.record.surname

    @strawberry.field(description="Work email address. Source: directory.")
    def mail(self) -> str | None:
        return self.record.mail

    @strawberry.field(description="Job title as the directory holds it. Source: directory.")
    def title(self) -> str | None:
        return self.record.title

    @strawberry.field(description="Department. Source: directory.")
    def department(self) -> str | None:
        return self.record.department

    @strawberry.field(description="Office (physicalDeliveryOfficeName). Source: directory.")
    def office(self) -> str | None:
        return self.record.office

    @strawberry.field(description="Town of the office. Source: directory.")
    def locality(self) -> str | None:
        return self.record.locality

    @strawberry.field(description="Work telephone number. Source: directory.")
    def telephone(self) -> str | None:
        return self.record.telephone

    @strawberry.field(description="Work mobile number. Source: directory.")
    def mobile(self) -> str | None:
        return self.record.mobile

    @strawberry.field(
        description="False for a leaver (disabled or expired account): kept for history, "
        "hidden from search. Source: directory."
    )
    def is_active(self) -> bool:
        return not self.record.is_leaver(datetime.now(UTC))

    @strawberry.field(
        description="Whether the directory holds a photo of this person (Active Directory's "
        "thumbnailPhoto, or the attribute map's photo). Source: directory."
    )
    async def has_photo(self, info: Info) -> bool:
        # Not read with the person (that would carry the photo's bytes): one presence
        # search per page of people, cached by GUID like the records.
        return await upstream(info.context.loaders.has_photo.load(self.record.guid))

    @strawberry.field(
        description="URL of the person's photo, served by Townhall; null when they have none "
        "(`hasPhoto` false), so no client asks for a photo that does not exist. The URL is "
        "signed and expires, so it works in an <img> tag without a token; the photo is sent "
        "with an ETag and `Cache-Control: private` for the rest of the URL's life."
    )
    async def photo_url(self, info: Info) -> str | None:
        if not await upstream(info.context.loaders.has_photo.load(self.record.guid)):
            return None
        return info.context.policy.photo_url(self.record.guid)

    @strawberry.field(description="Line manager in the directory. Source: directory.")
    async def manager(self, info: Info) -> Person | None:
        if not self.record.manager_dn:
            return None
        found = await upstream(info.context.loaders.person_by_dn.load(self.record.manager_dn))
        return Person.of(found) if found else None

    @strawberry.field(
        description="The line-management chain above this person, nearest manager first, up "
        "to the top of the organisation. A manager loop or a manager missing from the "
        "directory ends the chain. Source: directory."
    )
    async def management_chain(self, info: Info) -> list[Person] | None:
        chain: list[Person] = []
        seen = {self.record.guid}
        current = self.record
        for _ in range(_MAX_CHAIN):
            if not current.manager_dn:
                break
            manager = await upstream(info.context.loaders.person_by_dn.load(current.manager_dn))
            if manager is None or manager.guid in seen:
                break
            seen.add(manager.guid)
            chain.append(Person.of(manager))
            current = manager
        return chain

    @strawberry.field(
        description="People with the same line manager, this person left out; leavers only "
        "when asked. Source: directory."
    )
    async def colleagues(
        self, info: Info, include_leavers: IncludeLeavers = False
    ) -> list[Person] | None:
        if not self.record.manager_dn:
            return []
        team = await upstream(info.context.loaders.reports.load(self.record.manager_dn))
        now = datetime.now(UTC)
        return [
            Person.of(p)
            for p in team
            if p.guid != self.record.guid and (include_leavers or not p.is_leaver(now))
        ]

    @strawberry.field(description="People who report to this person. Source: directory.")
    async def direct_reports(
        self, info: Info, include_leavers: IncludeLeavers = False
    ) -> list[Person] | None:
        people = await upstream(info.context.loaders.reports.load(self.record.dn))
        now = datetime.now(UTC)
        return [Person.of(p) for p in people if include_leavers or not p.is_leaver(now)]

    @strawberry.field(
        description="The HR record, each field trimmed to what the viewer may see. Null "
        "without an error means HR holds no record for this person (`hrStatus` says why); "
        "null with an error whose `extensions.source` is `hr` means the HR system could not "
        "answer. Source: HR."
    )
    async def employment(self, info: Info) -> Employment | None:
        # The HR record and the viewer's relationship (groups, manager chain) are
        # independent: fetch them side by side, so they cost one round of upstream calls.
        record, rel = await asyncio.gather(
            _hr_record(info, self.record), relationship(info, self.record), return_exceptions=True
        )
        if isinstance(record, BaseException):
            raise record
        if record is None:
            return None
        if isinstance(rel, BaseException):
            raise rel
        return Employment(record=record, subject=self.record, relationship=rel)

    @strawberry.field(
        description="Whether HR holds a record for this directory account: FOUND, "
        "NO_HR_RECORD (e.g. a contractor HR does not employ) or NO_JOIN_KEY (the account "
        "lacks the employee ID or UPN that joins it to HR). Null, with an error, when the HR "
        "system could not answer. Visible to: all staff. Source: HR."
    )
    async def hr_status(self, info: Info) -> HRStatus | None:
        staff = frozenset({Audience.STAFF})
        rel = staff if may_see("hrStatus", staff) else await relationship(info, self.record)
        if not may_see("hrStatus", rel):
            return None
        if not _join_key(info, self.record):
            return HRStatus.NO_JOIN_KEY
        found = await _hr_record(info, self.record)
        return HRStatus.FOUND if found is not None else HRStatus.NO_HR_RECORD

    @strawberry.field(description="Documents this person wrote that the viewer may read.")
    async def documents(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[DocumentType] | None:
        from .documents import Document

        check_first(first)
        upn = (self.record.upn or "").casefold()
        index = await upstream(info.context.scope.documents.in_folder(""))
        visible = [d for d in index if upn and (d.author or "").casefold() == upn]
        visible.sort(key=lambda d: d.modified_at or datetime.min.replace(tzinfo=UTC), reverse=True)
        return offset_page(visible, first, after, Document.of)

    @strawberry.field(
        description="The groups this person belongs to, through nested groups too, sorted by "
        "name. Source: directory."
    )
    async def groups(self, info: Info) -> list[GroupType]:
        from .groups import Group

        found = await upstream(info.context.loaders.groups.load(self.record.dn))
        return [Group.of(g) for g in found]

    @strawberry.field(description="How many people follow this person. Source: Townhall.")
    async def follower_count(self, info: Info) -> int:
        return await upstream(info.context.scope.follows.count("person", self.record.guid))

    @strawberry.field(description="How many people this person follows. Source: Townhall.")
    async def following_count(self, info: Info) -> int:
        return await upstream(info.context.loaders.following_count.load(self.record.guid))

    @strawberry.field(description="Whether the signed-in viewer follows this person.")
    async def viewer_is_following(self, info: Info) -> bool:
        return await upstream(info.context.scope.follows.viewer_follows("person", self.record.guid))

    @strawberry.field(description="People who follow this person, most recent first.")
    async def followers(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[Person]:
        follows, guid = info.context.scope.follows, self.record.guid
        rows = await upstream(
            follows.followers(
                "person", guid, first=check_first(first) + 1, after=parse_cursor(after)
            )
        )

        async def count() -> int:
            return await follows.count("person", guid)

        return await _follow_page(info, [(r.id, r.follower) for r in rows], first, after, count)

    @strawberry.field(description="People this person follows, most recent first.")
    async def following(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[Person]:
        follows, guid = info.context.scope.follows, self.record.guid
        page = await upstream(
            follows.following(guid, "person", first=check_first(first), after=parse_cursor(after))
        )
        rows = [(r.id, r.target) for r in page.items]

        async def count() -> int:
            return await follows.following_count(guid, "person")

        return await _follow_page(info, rows, first, after, count, more=page.more)

    @strawberry.field(
        description="The person's profile: what they say about themselves (skills, interests, "
        "working hours...), with each field's source and when it changed."
    )
    def profile(self) -> ProfileType:
        from .profiles import Profile

        return Profile(person=self.record)

    @strawberry.field(description="What this person did, newest first, aggregated.")
    async def activity(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[ActivityItemType]:
        from .activity import person_activity

        return await person_activity(info, self.record.guid, first, after)

    @strawberry.field(description="Comments on this person's profile, oldest first.")
    async def profile_comments(
        self, info: Info, first: First = 20, after: After = None
    ) -> Connection[CommentType]:
        from .discussion import comment_thread

        return await comment_thread(info, "person", self.record.guid, first, after)


async def people_page(
    info: Info, guids: Sequence[str], first: int, after: str | None
) -> Connection[Person]:
    """An offset page of a list of person GUIDs; only the page's people are loaded."""
    page = offset_page(guids, first, after, str)
    records = await upstream(info.context.loaders.person.load_many([e.node for e in page.edges]))
    edges = [
        Edge(cursor=edge.cursor, node=Person.of(record))
        for edge, record in zip(page.edges, records, strict=True)
        if record is not None
    ]
    return Connection(edges=edges, page_info=page.page_info, total=page.total)


async def _follow_page(
    info: Info,
    rows: list[tuple[int, str]],
    first: int,
    after: str | None,
    count: Counter,
    *,
    more: bool = False,
) -> Connection[Person]:
    """A keyset page of people from (follow id, person guid) rows (one extra row = more)."""
    more = more or len(rows) > first
    page = rows[:first]
    people = await upstream(info.context.loaders.person.load_many([guid for _, guid in page]))
    edges = [
        Edge(cursor=cursor(fid), node=Person.of(p))
        for (fid, _), p in zip(page, people, strict=True)
        if p is not None
    ]
    return keyset_page(edges, more=more, after=after, count=count)


@strawberry.type(
    description="A person's HR record. Each field is null when the viewer may not see it: "
    "grade, FTE, contract type and employee number are visible only to the person, their "
    "line-management chain and HR. Special-category data is never exposed."
)
class Employment:
    record: strawberry.Private[HRRecord]
    subject: strawberry.Private[DirectoryPerson]
    relationship: strawberry.Private[frozenset]  # type: ignore[type-arg]

    def _get(self, info: Info, field: str, value: T) -> T | None:
        # Checked on every read, from the cached record: never a filtered copy.
        if not may_see(field, self.relationship):
            return None
        if is_restricted(field):
            audit_read(info, self.subject, field, self.relationship)
        return value

    @strawberry.field(
        description="False when HR lists the employment as ended (a leaver HR still holds). "
        "Visible to: all staff."
    )
    def active(self, info: Info) -> bool | None:
        return self._get(info, "active", self.record.active)

    @strawberry.field(description="Job title on the HR record. Visible to: all staff.")
    def job_title(self, info: Info) -> str | None:
        return self._get(info, "jobTitle", self.record.job_title)

    @strawberry.field(description="Department on the HR record. Visible to: all staff.")
    def department(self, info: Info) -> str | None:
        return self._get(info, "department", self.record.department)

    @strawberry.field(description="Directorate. Visible to: all staff.")
    def division(self, info: Info) -> str | None:
        return self._get(info, "division", self.record.division)

    @strawberry.field(description="Cost centre code. Visible to: all staff.")
    def cost_centre(self, info: Info) -> str | None:
        return self._get(info, "costCentre", self.record.cost_centre)

    @strawberry.field(description="Main work location. Visible to: all staff.")
    def work_location(self, info: Info) -> str | None:
        return self._get(info, "workLocation", self.record.work_location)

    @strawberry.field(
        description="Working pattern (full time, part time, compressed hours, term time...). "
        "Visible to: all staff."
    )
    def working_pattern(self, info: Info) -> str | None:
        return self._get(info, "workingPattern", self.record.working_pattern)

    @strawberry.field(
        description="Office based, hybrid, home based or mobile. Visible to: all staff."
    )
    def work_style(self, info: Info) -> str | None:
        return self._get(info, "workStyle", self.record.work_style)

    @strawberry.field(description="Start date with the council. Visible to: all staff.")
    def start_date(self, info: Info) -> date | None:
        value = self.record.start_date
        return self._get(info, "startDate", value.date() if value else None)

    @strawberry.field(description="Pay grade. Visible to: self, line-management chain, HR.")
    def grade(self, info: Info) -> str | None:
        return self._get(info, "grade", self.record.grade)

    @strawberry.field(
        description="Full-time equivalent (1.0 = full time). Visible to: self, line-management "
        "chain, HR."
    )
    def fte(self, info: Info) -> float | None:
        return self._get(info, "fte", self.record.fte)

    @strawberry.field(description="Contract type. Visible to: self, line-management chain, HR.")
    def contract_type(self, info: Info) -> str | None:
        return self._get(info, "contractType", self.record.contract_type)

    @strawberry.field(description="Employee number. Visible to: self, line-management chain, HR.")
    def employee_number(self, info: Info) -> str | None:
        return self._get(info, "employeeNumber", self.record.employee_number)


@strawberry.enum(description="Whether HR holds a record for a directory account.")
class HRStatus(enum.Enum):
    _value_: str  # the plain value (Strawberry unwraps enum_value)
    FOUND = strawberry.enum_value("found", description="HR holds a record for this person.")
    NO_HR_RECORD = strawberry.enum_value(
        "no_hr_record", description="HR holds no record matching this account's join key."
    )
    NO_JOIN_KEY = strawberry.enum_value(
        "no_join_key", description="The account lacks the key that joins it to HR."
    )


def _join_key(info: Info, person: DirectoryPerson) -> str | None:
    """The directory value HR records are joined on (setting ``hr.join``)."""
    by_number = info.context.policy.hr_join == "employee_number"
    return person.employee_id if by_number else person.upn


async def _hr_record(info: Info, person: DirectoryPerson) -> HRRecord | None:
    key = _join_key(info, person)
    return await upstream(info.context.loaders.hr.load(key)) if key else None
