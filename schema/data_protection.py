"""Subject access in the API: ``exportPersonData``, for the data-protection role only.

The export itself (everything Townhall holds about the person, and what the directory, HR
and the document store show about them) is built and stored by the gateway's subject-access
service, which the app keeps on its state (``request.app.state.subject_access``; schema
code only knows its shape, ``ExportService``). The answer is a signed link that works once,
for the person who asked, until ``expiresAt``. The export is recorded in the audit trail
(record ``export``, role ``data_protection``), in the request's one append: if that cannot
be written, the answer (and so the link) is withheld.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Protocol

import strawberry

from connectors.social.audit import AuditEntry

from .audit import DATA_PROTECTION, is_data_protection
from .context import Info
from .errors import BadInput, SourceUnavailable, upstream
from .ids import global_id, parse_global_id
from .people import Person
from .social import InvalidInputError, NotAllowedError, NotFoundError

MAX_ACCOUNT = 256


class ExportedLink(Protocol):
    """A stored export and its link (the gateway's ``ExportLink``)."""

    @property
    def guid(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def rows(self) -> Mapping[str, int]: ...


class ExportService(Protocol):
    """The gateway's subject-access service, as this module uses it."""

    async def export_for(
        self, key: str, *, viewer: str, request_id: str
    ) -> ExportedLink | None: ...


@strawberry.input(description="Whose data to export: a Person id, or an account (name or UPN).")
class ExportPersonDataInput:
    person_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The person's global id; works for someone the directory no longer has.",
    )
    account: str | None = strawberry.field(
        default=None, description="The account name (`priya.shah`) or user principal name."
    )


@strawberry.type(description="How many rows one section of an export holds.")
class ExportSection:
    name: str = strawberry.field(description="The section, as named in the export's JSON.")
    rows: int = strawberry.field(description="Rows in it.")


@strawberry.type(description="The export is ready: download it once, before `expiresAt`.")
class ExportPersonDataSuccess:
    download_url: str = strawberry.field(
        description="Signed link to the JSON file: it works once, for the requester only."
    )
    expires_at: datetime = strawberry.field(description="When the link stops working.")
    person_id: strawberry.ID = strawberry.field(description="Global id of the person exported.")
    sections: list[ExportSection] = strawberry.field(description="Rows per section.")

    @strawberry.field(description="The person exported, while the directory has them.")
    async def person(self, info: Info) -> Person | None:
        _, guid = parse_global_id(self.person_id, "Person")
        found = await upstream(info.context.loaders.person.load(guid))
        return Person.of(found) if found else None


ExportPersonDataResult = Annotated[
    ExportPersonDataSuccess | NotAllowedError | NotFoundError | InvalidInputError,
    strawberry.union(
        "ExportPersonDataResult", description="The outcome of asking for a subject-access export."
    ),
]


@strawberry.type
class DataProtectionMutations:
    @strawberry.mutation(
        description="Export everything Townhall holds about a person, and what the directory, "
        "HR and the document store show about them, as one JSON file (a subject-access "
        "request): answers a signed link that works once. For members of the data-protection "
        "groups only; each export is recorded in the audit trail."
    )
    async def export_person_data(
        self,
        info: Info,
        input: Annotated[
            ExportPersonDataInput,
            strawberry.argument(description="Whose data: a Person id, or an account name."),
        ],
    ) -> ExportPersonDataResult:
        ctx = info.context
        if not await is_data_protection(info):
            return NotAllowedError(
                message="Only the data protection role may export a person's data."
            )
        key = _key(input)
        if isinstance(key, InvalidInputError):
            return key
        service: ExportService | None = getattr(
            getattr(getattr(ctx.request, "app", None), "state", None), "subject_access", None
        )
        if service is None:
            raise SourceUnavailable(
                "Exports are not available on this server.", source="exports", reason="unavailable"
            )
        link = await upstream(
            service.export_for(key, viewer=ctx.viewer.guid, request_id=ctx.request_id)
        )
        if link is None:
            return NotFoundError(message="No one in the directory has that account.")
        # Recorded whoever it is about (one's own export too): the request's one append.
        ctx.audit[(link.guid, "export", "export")] = AuditEntry(
            ctx.viewer.guid, link.guid, "export", DATA_PROTECTION, "export", ctx.request_id
        )
        return ExportPersonDataSuccess(
            download_url=link.url,
            expires_at=link.expires_at,
            person_id=strawberry.ID(global_id("Person", link.guid)),
            sections=[ExportSection(name=n, rows=r) for n, r in link.rows.items()],
        )


def _key(input: ExportPersonDataInput) -> str | InvalidInputError:
    """The person's GUID (from ``personId``) or account, whichever was given (exactly one)."""
    if (input.person_id is None) == (input.account is None):
        return InvalidInputError(message="Give either personId or account.", field="personId")
    if input.person_id is not None:
        try:
            return parse_global_id(input.person_id, "Person")[1]
        except BadInput:
            return InvalidInputError(message="Not a Person id.", field="personId")
    account = (input.account or "").strip()
    if not account or len(account) > MAX_ACCOUNT or not account.isprintable():
        return InvalidInputError(message="Not an account name.", field="account")
    return account
