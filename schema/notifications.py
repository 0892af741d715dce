"""Notifications: mentions, replies, new followers, reactions, endorsements, followed
items' activity, changed documents, report outcomes; the unread count; marking
read; a daily digest as data (delivering it is a later concern).

A notification about a document the viewer may not read (now) is dropped from
every list and count: they are read through the access gate
(``Context.scope.notifications``), and what they point at through it too.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Annotated

import strawberry

from connectors.social import Notification as NotificationRecord

from .activity import ActivityItem
from .arguments import After, First
from .context import Info
from .errors import BadInput, upstream
from .ids import cursor, global_id, parse_cursor, parse_global_id
from .pagination import Connection, Edge, check_first, keyset_page
from .people import Person
from .social import InvalidInputError

if TYPE_CHECKING:
    from .moderation import Report

ReportType = Annotated["Report", strawberry.lazy("schema.moderation")]
DIGEST_SIZE = 50


@strawberry.enum(description="Why a notification was sent.")
class NotificationKind(enum.Enum):
    _value_: str  # the plain value (Strawberry unwraps enum_value)
    MENTION = strawberry.enum_value("mention", description="Someone @mentioned me in a comment.")
    REPLY = strawberry.enum_value(
        "reply", description="Someone replied to my comment, or commented on my profile."
    )
    NEW_FOLLOWER = strawberry.enum_value(
        "new_follower", description="Someone started following me."
    )
    REACTION = strawberry.enum_value(
        "reaction", description="Someone reacted to my comment or activity."
    )
    ENDORSEMENT = strawberry.enum_value(
        "endorsement", description="Someone endorsed one of my skills."
    )
    FOLLOWED_ACTIVITY = strawberry.enum_value(
        "followed_activity",
        description="Something happened on an item, tag or person I follow with notify on.",
    )
    DOCUMENT_CHANGED = strawberry.enum_value(
        "document_changed", description="A document I follow with notify on changed."
    )
    REPORT_FILED = strawberry.enum_value(
        "report_filed", description="A new report for me to moderate (moderators only)."
    )
    REPORT_OUTCOME = strawberry.enum_value(
        "report_outcome", description="A moderator decided a report I filed."
    )


@strawberry.type(description="Something the viewer should know about.")
class Notification:
    record: strawberry.Private[NotificationRecord]

    @strawberry.field(description="Global id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(global_id("Notification", str(self.record.id)))

    @strawberry.field(description="Why it was sent.")
    def kind(self) -> NotificationKind:
        return NotificationKind(self.record.kind)

    @strawberry.field(description="When it was sent.")
    def created_at(self) -> datetime:
        return self.record.created_at

    @strawberry.field(description="Whether it has been marked read.")
    def read(self) -> bool:
        return self.record.read_at is not None

    @strawberry.field(description="Who caused it, if a person did.")
    async def actor(self, info: Info) -> Person | None:
        guid = self.record.actor
        found = await upstream(info.context.loaders.person.load(guid)) if guid else None
        return Person.of(found) if found else None

    @strawberry.field(description="The activity it is about, if it is still visible.")
    async def activity(self, info: Info) -> ActivityItem | None:
        event_id = self.record.activity_id
        scope = info.context.scope
        found = await upstream(scope.activity.event(event_id)) if event_id else None
        return ActivityItem(events=[found]) if found else None

    @strawberry.field(
        description="The report it is about: a new one (to moderators) or one decided (to "
        "the reporter)."
    )
    async def report(self, info: Info) -> ReportType | None:
        from .moderation import Report

        report_id = self.record.report_id
        scope = info.context.scope
        found = await upstream(scope.moderation.report(report_id)) if report_id else None
        return Report(record=found) if found else None


@strawberry.type(description="How many notifications of one kind.")
class KindCount:
    kind: NotificationKind = strawberry.field(description="The kind.")
    count: int = strawberry.field(description="How many.")


@strawberry.type(description="One day's notifications, as data for a digest e-mail or page.")
class NotificationDigest:
    day: date = strawberry.field(description="The day (UTC).")
    total: int = strawberry.field(description="Notifications that day.")
    unread: int = strawberry.field(description="Of which still unread.")
    by_kind: list[KindCount] = strawberry.field(description="Counts by kind, largest first.")
    notifications: list[Notification] = strawberry.field(
        description=f"The day's notifications, newest first (at most {DIGEST_SIZE})."
    )


@strawberry.input(description="Which notifications to mark read.")
class MarkReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="These notifications."
    )
    all: bool = strawberry.field(default=False, description="Every unread notification.")


@strawberry.type(description="Notifications marked read.")
class MarkReadSuccess:
    marked: int = strawberry.field(description="How many changed from unread to read.")
    unread_count: int = strawberry.field(description="Unread notifications left.")


MarkReadResult = Annotated[
    MarkReadSuccess | InvalidInputError,
    strawberry.union("MarkReadResult", description="The outcome of marking read."),
]


async def unread_count(info: Info) -> int:
    return await upstream(info.context.scope.notifications.unread_count())


@strawberry.type
class NotificationQueries:
    @strawberry.field(description="My notifications, newest first.")
    async def notifications(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
        unread_only: Annotated[
            bool, strawberry.argument(description="Only notifications not yet marked read.")
        ] = False,
    ) -> Connection[Notification]:
        check_first(first)
        notifications = info.context.scope.notifications
        position, more = parse_cursor(after), False
        found: list[NotificationRecord] = []
        for _ in range(5):  # refill past hidden ones, boundedly
            read = await upstream(
                notifications.page(before=position, limit=first + 1, unread_only=unread_only)
            )
            for row in read.items:
                if len(found) == first:
                    more = True
                    break
                found.append(row)
                position = row.id
            else:
                position = read.end if read.end is not None else position
            if more or not read.more:
                break
        edges = [Edge(cursor=cursor(r.id), node=Notification(record=r)) for r in found]

        async def count() -> int:
            return await notifications.count(unread_only=unread_only)

        return keyset_page(edges, more=more, after=after, count=count)

    @strawberry.field(description="How many of my notifications are unread.")
    async def unread_notification_count(self, info: Info) -> int:
        return await unread_count(info)

    @strawberry.field(description="A day's notifications as digest data (default: today, UTC).")
    async def notification_digest(
        self,
        info: Info,
        day: Annotated[
            date | None,
            strawberry.argument(description="The day (UTC), as YYYY-MM-DD; null: today."),
        ] = None,
    ) -> NotificationDigest:
        day = day or datetime.now(UTC).date()
        since = datetime.combine(day, time.min, tzinfo=UTC)
        rows = await upstream(
            info.context.scope.notifications.between(since, since + timedelta(days=1), limit=1000)
        )
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.kind] = counts.get(r.kind, 0) + 1
        return NotificationDigest(
            day=day,
            total=len(rows),
            unread=sum(1 for r in rows if r.read_at is None),
            by_kind=[
                KindCount(kind=NotificationKind(k), count=n)
                for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
            notifications=[Notification(record=r) for r in rows[:DIGEST_SIZE]],
        )


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(description="Mark notifications read (repeating it is harmless).")
    async def mark_notifications_read(
        self,
        info: Info,
        input: Annotated[
            MarkReadInput,
            strawberry.argument(description="Which notifications: some by id, or all."),
        ],
    ) -> MarkReadResult:
        if input.all == (input.ids is not None):
            return InvalidInputError(message="Give either `ids` or `all: true`.", field="ids")
        ids: list[int] | None = None
        if input.ids is not None:
            if len(input.ids) > 500:
                return InvalidInputError(message="At most 500 ids at once.", field="ids")
            try:
                ids = [int(parse_global_id(i, "Notification")[1]) for i in input.ids]
            except (BadInput, ValueError):
                return InvalidInputError(message="Not a Notification id.", field="ids")
        marked = await upstream(info.context.scope.notifications.mark_read(ids))
        return MarkReadSuccess(marked=marked, unread_count=await unread_count(info))
