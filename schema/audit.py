"""The audit trail in the API: ``auditLog`` for the data-protection role, and the one
append per request that writes the restricted reads resolvers noted.

Resolvers note restricted reads on the request (``schema.access.audit_access``): HR
fields beyond the staff audience, HR records no account joins, moderators' reads and
decisions of others' content, reads of the audit log itself. ``write_audit`` writes
them, once each, in one transaction after the operation has run, so a list of a
hundred people read by HR costs one append, not a hundred.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Annotated

import strawberry

from connectors.hr import HRRecord
from connectors.social.audit import WIDTHS, AuditRow

from .access import audit_access
from .arguments import After, First
from .context import Context, Info
from .errors import BadInput, Forbidden, upstream
from .ids import cursor, parse_cursor, parse_global_id
from .pagination import Connection, Edge, check_first, keyset_page
from .people import Person

DATA_PROTECTION = "data_protection"  # the role that reads the audit log
MODERATOR = "moderator"
ANYONE = "*"  # the subject of a read about no one in particular


async def write_audit(context: Context) -> None:
    """Write the request's noted restricted reads in one append (none: nothing is written).
    The write goes on if the request is cancelled meanwhile: a decision already taken is
    recorded either way."""
    if not context.audit:
        return
    entries = list(context.audit.values())
    context.audit.clear()
    await asyncio.shield(context.audit_log.append(entries))


async def is_data_protection(info: Info) -> bool:
    """Whether the viewer holds the data-protection role (is in one of its groups)."""
    ctx = info.context
    if not ctx.policy.data_protection_groups:
        return False
    groups = await upstream(ctx.loaders.groups.load(ctx.viewer.person.dn))
    return any(g.name.casefold() in ctx.policy.data_protection_groups for g in groups)


def hr_subject(info: Info, record: HRRecord) -> str:
    """Whom an HR record is about, for the audit trail: its join key (the configured one
    first), else the HR system's own ids."""
    keys = (record.employee_number, record.user_name)
    if info.context.policy.hr_join == "user_name":
        keys = keys[::-1]
    return next((k for k in (*keys, record.external_id, record.scim_id) if k), ANYONE)


async def audit_moderation(
    info: Info, report_id: str, item_kind: str, item_id: str, operation: str
) -> None:
    """Note a moderator's ``operation`` on a report, about the reported item's author."""
    scope = info.context.scope
    author: str | None = None
    if item_kind == "comment":
        comment = await upstream(scope.comments.comment(item_id))
        author = comment.author if comment else None
    elif item_id.isdigit():
        event = await upstream(scope.activity.event(int(item_id)))
        author = event.actor if event else None
    audit_access(info, author or ANYONE, f"report:{report_id}", MODERATOR, operation)


@strawberry.type(description="One restricted read (or export, or moderation) the audit trail "
                 "recorded.")  # fmt: skip
class AuditLogEntry:
    row: strawberry.Private[AuditRow]

    @strawberry.field(description="When it happened.")
    def at(self) -> datetime:
        return self.row.at

    @strawberry.field(description="Who read: the directory GUID (or account id) recorded.")
    def viewer_id(self) -> str:
        return self.row.viewer

    @strawberry.field(description="Who read, when the directory still knows them.")
    async def viewer(self, info: Info) -> Person | None:
        return await _person(info, self.row.viewer)

    @strawberry.field(
        description="Whom it was about: a directory GUID, an HR join key (employee number or "
        "user name) for someone without an account, or `*` for no one in particular."
    )
    def subject_id(self) -> str:
        return self.row.subject

    @strawberry.field(description="Whom it was about, when the directory knows them.")
    async def subject(self, info: Info) -> Person | None:
        return await _person(info, self.row.subject)

    @strawberry.field(
        description="What was read: an HR field (`grade`, `fte`, `contractType`, "
        "`employeeNumber`, `externalId`), `hrRecordsWithoutAccount`, `report:<id>`, "
        "`auditLog`, `export`..."
    )
    def record(self) -> str:
        return self.row.record

    @strawberry.field(
        description="The role that allowed it: `manager_chain`, `hr`, `moderator`, "
        "`data_protection`..."
    )
    def role(self) -> str:
        return self.row.role

    @strawberry.field(description="What was done: `read`, `hide`, `dismiss`, `export`...")
    def operation(self) -> str:
        return self.row.operation

    @strawberry.field(description="The gateway's id of the request (its X-Request-Id).")
    def request_id(self) -> str:
        return self.row.request_id


@strawberry.type
class AuditQueries:
    @strawberry.field(
        description="The audit trail of restricted reads: HR fields read by someone other "
        "than the person, HR records no account joins, moderators' reads and decisions, "
        "exports, and reads of this log. Newest first unless `newestFirst` is false; "
        "`subject` and `viewer` take a Person id or the raw id recorded. For members of "
        "the data-protection groups only; each read is itself recorded."
    )
    async def audit_log(
        self,
        info: Info,
        first: First = 20,
        after: After = None,
        subject: Annotated[
            str | None,
            strawberry.argument(
                description="Only rows about this person: a Person id, or the raw id recorded (an "
                "HR join key, or `*`)."
            ),
        ] = None,
        viewer: Annotated[
            str | None,
            strawberry.argument(
                description="Only rows of reads by this person: a Person id, or the raw id "
                "recorded."
            ),
        ] = None,
        newest_first: Annotated[
            bool,
            strawberry.argument(
                description="Newest rows first (default); false: in chain order, oldest first."
            ),
        ] = True,
    ) -> Connection[AuditLogEntry]:
        check_first(first)
        if not await is_data_protection(info):
            raise Forbidden("Only the data protection role may read the audit log.")
        subject_key = _person_key(subject, "subject")
        viewer_key = _person_key(viewer, "viewer")
        start = parse_cursor(after)
        audit_access(info, subject_key or viewer_key or ANYONE, "auditLog", DATA_PROTECTION)

        async def count() -> int:
            return await info.context.audit_log.count(subject=subject_key, viewer=viewer_key)

        if first == 0:
            return keyset_page([], more=False, after=after, count=count)
        rows = await upstream(
            info.context.audit_log.rows(
                subject=subject_key, viewer=viewer_key, after=start, limit=first + 1,
                newest_first=newest_first,
            )
        )  # fmt: skip
        edges = [Edge(cursor=cursor(r.id), node=AuditLogEntry(row=r)) for r in rows[:first]]
        return keyset_page(edges, more=len(rows) > first, after=after, count=count)


def _person_key(value: str | None, field: str) -> str | None:
    """A Person global id's GUID, or the raw id as recorded."""
    if value is None:
        return None
    if not value or len(value) > WIDTHS["subject"] or "\x00" in value or not _text(value):
        raise BadInput(f"`{field}` is not an id the audit log records.", field=field)
    try:
        return parse_global_id(value, "Person")[1]
    except BadInput:
        return value


def _text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def _person(info: Info, key: str) -> Person | None:
    try:
        uuid.UUID(key)
    except ValueError:
        return None  # an HR join key or `*`: not a directory account
    found = await upstream(info.context.loaders.person.load(key))
    return Person.of(found) if found else None
