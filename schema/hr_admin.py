"""HR data quality for the HR role: HR records no directory account joins.

New starters not yet in AD, and leavers whose account was deleted, show up here
(see also ``Person.hrStatus`` for directory accounts with no HR record).
"""

from __future__ import annotations

from datetime import date

import strawberry

from connectors.hr import HRRecord

from .access import audit_access, is_hr
from .arguments import After, First
from .audit import hr_subject
from .context import Info
from .errors import Forbidden, upstream
from .pagination import Connection, offset_page


@strawberry.type(description="An HR record that no directory account joins to.")
class UnjoinedHRRecord:
    record: strawberry.Private[HRRecord]

    @strawberry.field(description="Employee number on the HR record.")
    def employee_number(self) -> str | None:
        return self.record.employee_number

    @strawberry.field(description="User name (usually the intended UPN) on the HR record.")
    def user_name(self) -> str | None:
        return self.record.user_name

    @strawberry.field(description="Job title on the HR record.")
    def job_title(self) -> str | None:
        return self.record.job_title

    @strawberry.field(description="Department on the HR record.")
    def department(self) -> str | None:
        return self.record.department

    @strawberry.field(description="Start date (a future date: a new starter).")
    def start_date(self) -> date | None:
        return self.record.start_date.date() if self.record.start_date else None

    @strawberry.field(description="False when HR marks the employment as ended.")
    def active(self) -> bool:
        return self.record.active


@strawberry.type
class HRAdminQueries:
    @strawberry.field(
        description="HR records that no directory account joins to (by the configured join "
        "key), in employee-number order. For members of the HR role groups only."
    )
    async def hr_records_without_account(
        self, info: Info, first: First = 50, after: After = None
    ) -> Connection[UnjoinedHRRecord]:
        if not await is_hr(info):
            raise Forbidden("Only the HR role may list HR records.")
        records = await upstream(info.context.loaders.hr_without_account.load(""))
        page = offset_page(records, first, after, lambda r: UnjoinedHRRecord(record=r))
        # One audit row per record shown, about the person it names: "who saw my record"
        # has an answer, where one row for the whole list would not.
        for edge in page.edges:
            audit_access(info, hr_subject(info, edge.node.record), "hrRecordsWithoutAccount", "hr")
        return page
