"""Moderation: anyone reports a comment or activity item; moderators (members of the
configured directory groups, by default ``Townhall Moderators``) see open reports
and hide or dismiss; each reporter is told the outcome by a notification. A person
has at most one open report of an item: reporting it again answers that report
(``replayed``), and moderators are not told twice.

Reports are read and decided through the access gate (``Context.scope.moderation``):
a moderator sees and decides only reports on items they may open; a report on an item
no moderator may open goes to the fallback moderator groups' members who may."""

from __future__ import annotations

import asyncio
import enum
from datetime import datetime
from typing import Annotated

import strawberry

from connectors.social import ItemNotFound, KeyReused
from connectors.social import Report as ReportRecord

from .access import audit_access
from .audit import MODERATOR, audit_moderation
from .comments import Comment
from .context import Info
from .errors import ClientError, upstream
from .ids import global_id
from .pagination import check_first
from .people import Person
from .social import (
    InvalidInputError,
    NotAllowedError,
    NotFoundError,
    decode_id,
    retry_key,
    write,
)


class Forbidden(ClientError):
    code = "FORBIDDEN"


@strawberry.enum(description="Where a report stands.")
class ReportStatus(enum.Enum):
    _value_: str  # the plain value (Strawberry unwraps enum_value)
    OPEN = strawberry.enum_value("open", description="Waiting for a moderator.")
    HIDDEN = strawberry.enum_value("hidden", description="A moderator hid the item.")
    DISMISSED = strawberry.enum_value(
        "dismissed", description="A moderator dismissed the report: the item stays."
    )


@strawberry.enum(description="A moderator's decision.")
class ReportOutcome(enum.Enum):
    _value_: str  # the plain value (Strawberry unwraps enum_value)
    HIDE = strawberry.enum_value(
        "hidden",
        description="Hide the item (its text shows to moderators only; replies keep their place).",
    )
    DISMISS = strawberry.enum_value(
        "dismissed", description="Dismiss the report: the item stays as it is."
    )


@strawberry.type(description="A report of a comment or activity item to the moderators.")
class Report:
    record: strawberry.Private[ReportRecord]

    @strawberry.field(description="Global id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(global_id("Report", self.record.id))

    @strawberry.field(description="Why it was reported.")
    def reason(self) -> str:
        return self.record.reason

    @strawberry.field(description="Open, or the decision taken.")
    def status(self) -> ReportStatus:
        return ReportStatus(self.record.status)

    @strawberry.field(description="When it was reported.")
    def created_at(self) -> datetime:
        return self.record.created_at

    @strawberry.field(description="When a moderator decided.")
    def decided_at(self) -> datetime | None:
        return self.record.decided_at

    @strawberry.field(description="The moderator's note to the reporter.")
    def note(self) -> str | None:
        return self.record.note

    @strawberry.field(description="What was reported: comment or activity.")
    def item_kind(self) -> str:
        return self.record.item_kind

    @strawberry.field(description="Global id of the reported item.")
    def item_id(self) -> strawberry.ID:
        kind = "Comment" if self.record.item_kind == "comment" else "ActivityItem"
        return strawberry.ID(global_id(kind, self.record.item_id))

    @strawberry.field(
        description="The reported comment (its text shows to moderators only once hidden)."
    )
    async def comment(self, info: Info) -> Comment | None:
        if self.record.item_kind != "comment":
            return None
        found = await upstream(info.context.scope.comments.comment(self.record.item_id))
        return Comment.of(found) if found else None

    @strawberry.field(description="Who reported it: shown to moderators and the reporter only.")
    async def reporter(self, info: Info) -> Person | None:
        if self.record.reporter != info.context.viewer.guid:
            moderation = info.context.scope.moderation
            if not await upstream(moderation.may_moderate(self.record.document)):
                return None
            audit_access(info, self.record.reporter, f"report:{self.record.id}", MODERATOR)
        found = await upstream(info.context.loaders.person.load(self.record.reporter))
        return Person.of(found) if found else None


@strawberry.input(description="Report a comment or activity item.")
class ReportInput:
    item_id: strawberry.ID = strawberry.field(description="A Comment or ActivityItem id.")
    reason: str = strawberry.field(description="Why it should be looked at.")
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Retry key: a retry with the same key files nothing new."
    )


@strawberry.type(description="The report as filed.")
class ReportSuccess:
    report: Report = strawberry.field(description="The report.")
    replayed: bool = strawberry.field(
        description="True when nothing new was filed: this answers a retry (same "
        "clientMutationId), or the report you already have open on this item (its first "
        "reason stands; moderators are not told again)."
    )


ReportResult = Annotated[
    ReportSuccess | NotFoundError | InvalidInputError,
    strawberry.union("ReportResult", description="The outcome of reporting an item."),
]


@strawberry.input(description="A moderator's decision on a report.")
class DecideReportInput:
    report_id: strawberry.ID = strawberry.field(description="The report.")
    outcome: ReportOutcome = strawberry.field(description="Hide the item, or dismiss.")
    note: str | None = strawberry.field(default=None, description="A note to the reporter(s).")


@strawberry.type(description="The decision as recorded.")
class DecideSuccess:
    report: Report = strawberry.field(description="The report, now settled.")
    settled: int = strawberry.field(
        description="Reports this settled (all open reports of the item); 0 if already settled."
    )


DecideResult = Annotated[
    DecideSuccess | NotFoundError | NotAllowedError | InvalidInputError,
    strawberry.union("DecideResult", description="The outcome of a moderator's decision."),
]


def _key(value: str, field: str, *kinds: str) -> tuple[str, str] | InvalidInputError:
    """A malformed id is bad input (naming ``field``), not a missing item."""
    return decode_id(value, field, *kinds)


@strawberry.type
class ModerationQueries:
    @strawberry.field(description="Open reports, oldest first. Moderators only.")
    async def moderation_queue(
        self,
        info: Info,
        first: Annotated[
            int, strawberry.argument(description="How many reports, oldest first: 0 to 100.")
        ] = 50,
    ) -> list[Report]:
        check_first(first)
        moderation = info.context.scope.moderation
        if not await upstream(moderation.is_moderator()):
            raise Forbidden("Only moderators see reports.")
        found = await upstream(moderation.queue(first))
        await asyncio.gather(
            *(audit_moderation(info, r.id, r.item_kind, r.item_id, "read") for r in found)
        )
        return [Report(record=r) for r in found]

    @strawberry.field(description="Reports I filed, newest first, with their outcomes.")
    async def my_reports(
        self,
        info: Info,
        first: Annotated[
            int, strawberry.argument(description="How many reports, newest first: 0 to 100.")
        ] = 20,
    ) -> list[Report]:
        check_first(first)
        found = await upstream(info.context.scope.moderation.mine(first))
        return [Report(record=r) for r in found]


@strawberry.type
class ModerationMutations:
    @strawberry.mutation(
        description="Report a comment or activity item to the moderators. One open report "
        "per person per item: reporting it again answers that report (`replayed: true`); "
        "once a moderator decides it, the item may be reported anew."
    )
    async def report_item(
        self,
        info: Info,
        input: Annotated[
            ReportInput,
            strawberry.argument(description="The item, and why it should be looked at."),
        ],
    ) -> ReportResult:
        key = retry_key(input.client_mutation_id)
        if isinstance(key, InvalidInputError):
            return key
        reason = input.reason.strip()
        limit = info.context.policy.social_limits.report_reason_length
        if not reason or len(reason) > limit:
            return InvalidInputError(
                message=f"Give a reason of 1 to {limit} characters.", field="reason"
            )
        found = _key(input.item_id, "itemId", "Comment", "ActivityItem")
        if isinstance(found, InvalidInputError):
            return found
        kind = "comment" if found[0] == "Comment" else "activity"
        moderation = info.context.scope.moderation
        try:
            written = await write(moderation.file(kind, found[1], reason, key=key))
        except ItemNotFound:
            return NotFoundError(message="No such item, or you may not see it.")
        except KeyReused:
            return InvalidInputError(
                message="That clientMutationId was used for another change.",
                field="clientMutationId",
            )
        record = await upstream(moderation.report(written.id))
        assert record is not None  # filed by the viewer, on an item they may see
        return ReportSuccess(report=Report(record=record), replayed=written.replayed)

    @strawberry.mutation(
        description="Hide the reported item, or dismiss the report. Moderators only."
    )
    async def decide_report(
        self,
        info: Info,
        input: Annotated[
            DecideReportInput, strawberry.argument(description="The report, and the decision.")
        ],
    ) -> DecideResult:
        moderation = info.context.scope.moderation
        if not await upstream(moderation.is_moderator()):
            return NotAllowedError(message="Only moderators decide reports.")
        found = _key(input.report_id, "reportId", "Report")
        if isinstance(found, InvalidInputError):
            return found
        note = (input.note or "").strip() or None
        limit = info.context.policy.social_limits.report_reason_length
        if note and len(note) > limit:
            return InvalidInputError(message=f"At most {limit} characters.", field="note")
        report = await upstream(moderation.report(found[1]))
        if report is None or not await upstream(moderation.may_moderate(report.document)):
            return NotFoundError(message="No such report.")
        # The author is looked up before the item is hidden.
        operation = input.outcome.name.lower()  # hide or dismiss
        await audit_moderation(info, report.id, report.item_kind, report.item_id, operation)
        try:
            settled = await write(moderation.decide(found[1], input.outcome.value, note))
        except ItemNotFound:
            return NotFoundError(message="No such report.")
        record = await upstream(moderation.report(found[1]))
        assert record is not None  # decided by the viewer, who moderates its item
        return DecideSuccess(report=Report(record=record), settled=settled)
