"""Who may see what: the privacy rules every resolver calls (UK GDPR).

Each HR field names the audiences that may read it. A viewer's relationship to
the person is worked out per request, after the cache, so a cached record never
carries one viewer's view to another. Reads of restricted fields by anyone but the
person themself are noted on the request with the role that allowed them, and written
to the audit trail once the operation has run (``schema.audit``). Documents, and
everything about them, are trimmed by the access gate (``schema.scope``, built in
``gateway.scope``): a document the viewer may not read is indistinguishable from a
missing one.
"""

from __future__ import annotations

import enum

from connectors.directory import DirectoryPerson
from connectors.social.audit import AuditEntry

from .context import Info
from .errors import upstream

_MAX_CHAIN = 32  # longer than any real org chart; also ends a manager loop


class Audience(enum.Enum):
    STAFF = "staff"  # anyone signed in
    SELF = "self"  # the person themself
    MANAGER_CHAIN = "manager_chain"  # anyone above them in the line-management chain
    HR = "hr"  # members of the HR role groups
    NEVER = "never"  # not exposed at all (never fetched)


_RESTRICTED = frozenset({Audience.SELF, Audience.MANAGER_CHAIN, Audience.HR})
_STAFF = frozenset({Audience.STAFF})

_NEVER = frozenset({Audience.NEVER})

# Every HR field Townhall knows of, and who may read it: the fields it reads, and the
# ones an HR system holds that it must never read (never fetched, never exposed).
HR_FIELD_AUDIENCES: dict[str, frozenset[Audience]] = {
    "jobTitle": _STAFF,
    "department": _STAFF,
    "division": _STAFF,
    "costCentre": _STAFF,
    "workLocation": _STAFF,
    "workingPattern": _STAFF,
    "workStyle": _STAFF,
    "startDate": _STAFF,
    "lineManager": _STAFF,
    "active": _STAFF,  # whether HR lists the employment as current
    "hrStatus": _STAFF,  # whether HR holds a record for a directory account at all
    "userName": _STAFF,  # the sign-in name, which the directory shows everyone anyway
    "employeeNumber": _RESTRICTED,
    "grade": _RESTRICTED,
    "fte": _RESTRICTED,
    "contractType": _RESTRICTED,
    "externalId": frozenset({Audience.HR}),  # the HR system's own id
    "dateOfBirth": _NEVER,
    "homeAddress": _NEVER,
    "personalContactDetails": _NEVER,
    "emergencyContacts": _NEVER,
    "nationalInsuranceNumber": _NEVER,
    "salary": _NEVER,
    "bankDetails": _NEVER,
    "absenceReasons": _NEVER,
    "healthInformation": _NEVER,
    "equalityData": _NEVER,
    "unionMembership": _NEVER,
    "disciplinaryRecords": _NEVER,
    "rightToWorkDocuments": _NEVER,
}

# Which table entry governs each field of an HR record (connectors.hr.HRRecord).
HR_RECORD_FIELDS: dict[str, str] = {
    "user_name": "userName",
    "employee_number": "employeeNumber",
    "external_id": "externalId",
    "active": "active",
    "job_title": "jobTitle",
    "department": "department",
    "division": "division",
    "cost_centre": "costCentre",
    "manager_employee_number": "lineManager",
    "grade": "grade",
    "fte": "fte",
    "working_pattern": "workingPattern",
    "work_style": "workStyle",
    "work_location": "workLocation",
    "start_date": "startDate",
    "contract_type": "contractType",
}


def is_restricted(field: str) -> bool:
    """Whether reading ``field`` needs more than being staff (such reads are audited)."""
    return Audience.STAFF not in HR_FIELD_AUDIENCES.get(field, _NEVER)


def may_see(field: str, relationship: frozenset[Audience]) -> bool:
    """Whether a viewer with ``relationship`` to a person may read their HR ``field``."""
    audiences = HR_FIELD_AUDIENCES.get(field, _NEVER)
    if Audience.NEVER in audiences:
        return False
    return bool(audiences & relationship)


async def relationship(info: Info, subject: DirectoryPerson) -> frozenset[Audience]:
    """The viewer's relationships to ``subject``."""
    ctx = info.context
    viewer = ctx.viewer.person
    found = {Audience.STAFF}
    if viewer.guid == subject.guid:
        found.add(Audience.SELF)
    if await _is_hr(info):
        found.add(Audience.HR)
    if await _manages(info, viewer, subject):
        found.add(Audience.MANAGER_CHAIN)
    return frozenset(found)


async def is_hr(info: Info) -> bool:
    """Whether the viewer holds the HR role (is in one of its directory groups)."""
    return await _is_hr(info)


async def _is_hr(info: Info) -> bool:
    ctx = info.context
    if not ctx.policy.hr_groups:
        return False
    groups = await upstream(ctx.loaders.groups.load(ctx.viewer.person.dn))
    return any(g.name.casefold() in ctx.policy.hr_groups for g in groups)


async def _manages(info: Info, viewer: DirectoryPerson, subject: DirectoryPerson) -> bool:
    """Whether ``viewer`` is above ``subject`` in the manager chain (loops end the walk)."""
    seen = {subject.guid}
    current = subject
    for _ in range(_MAX_CHAIN):
        if not current.manager_dn:
            return False
        manager = await upstream(info.context.loaders.person_by_dn.load(current.manager_dn))
        if manager is None or manager.guid in seen:
            return False
        if manager.guid == viewer.guid:
            return True
        seen.add(manager.guid)
        current = manager
    return False


def audit_read(
    info: Info, subject: DirectoryPerson, field: str, relationship: frozenset[Audience]
) -> None:
    """Note a read of ``subject``'s restricted HR ``field`` for the audit trail, with the
    role that allowed it (the line-management chain before HR, when both do). Reading
    one's own fields is not audited."""
    if Audience.SELF in relationship:
        return
    allowed = HR_FIELD_AUDIENCES.get(field, _NEVER) & relationship
    for audience in (Audience.MANAGER_CHAIN, Audience.HR):
        if audience in allowed:
            audit_access(info, subject.guid, field, audience.value)
            return


def audit_access(info: Info, subject: str, record: str, role: str, operation: str = "read") -> None:
    """Note that the viewer read (or did ``operation`` to) ``record`` about ``subject``,
    allowed by ``role``; once per subject, record and operation in a request, never about
    the viewer themself. The gateway writes the request's notes in one append."""
    ctx = info.context
    if subject == ctx.viewer.guid:
        return
    ctx.audit.setdefault(
        (subject, record, operation),
        AuditEntry(ctx.viewer.guid, subject, record, role, operation, ctx.request_id),
    )
