"""Subject access (UK GDPR art. 15) and erasure (art. 17) in the gateway and the CLI.

``SubjectAccess`` finds the person (an account name, a UPN or a directory GUID), builds
the full export (``export``): every row of the social store about them (``PersonalData``)
and what the directory, HR and the document store show about them at that moment, read
from the connectors themselves (the CLI has no request, and the data-protection officer
needs all of it, not a viewer's trimmed view): documents naming them as author or last
editor come from the gateway's search index, or, in the CLI, from a walk of the store.
The JSON format is versioned (``FORMAT``) and every section says what it holds; a source
that does not answer is marked ``unavailable`` rather than failing the export.

An export made through the API waits in ``retention.export_dir`` for one download through
a signed, expiring link (``/exports/{id}``): the signature covers the requester, the
export and the expiry; the requester must still be in a data-protection group when it is
used; the first download takes the file (a rename, so two at once cannot both have it)
and deletes it. Leftovers are swept once their link has expired.

Erasure and retention (``erase``, ``gateway.retention``) apply the store's policy
(``connectors.social.erasure``), each erasure recorded in the audit trail.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from connectors.directory import DirectoryError, DirectoryPerson, LookupField
from connectors.documents import DocumentError
from connectors.hr import HRError
from connectors.social.audit import AuditEntry
from connectors.social.privacy import FORMAT, SECTIONS, Erasure, PersonalData

from .loaders import Upstreams
from .settings import Settings
from .signing import LinkSigner
from .state import AppState

log = logging.getLogger("townhall.data_protection")

PREFIX = "/exports/"
DATA_PROTECTION = "data_protection"  # the role of an export asked for through the API
OPERATOR = "operator"  # the role of whoever runs the CLI with the database's credentials
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_EXPORT_ID = re.compile(r"[0-9a-f]{32}")
_INVALID = "This link is invalid or has expired."
INDEX_LIMIT = 5000  # documents by one author read from the search index before crawling

# The sections read from the upstream systems, after the social store's.
UPSTREAM_SECTIONS: dict[str, tuple[str, str]] = {
    "directory_account": ("directory", "The person's directory account, every attribute "
                          "Townhall reads."),
    "directory_photo": ("directory", "The account's photo (base64), if it has one."),
    "directory_groups": ("directory", "Directory groups the person is a member of, nested "
                         "membership included."),
    "hr_record": ("hr", "The person's HR record, every field Townhall reads (joined by the "
                  "configured key: employee number or user name)."),
    "documents": ("documents", "Documents in the store naming the person as author or last "
                  "editor."),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Subject:
    """Whom a request is about: a directory GUID, and the account when the directory has it."""

    guid: str
    person: DirectoryPerson | None

    @property
    def label(self) -> str:
        p = self.person
        return f"{p.account_name or p.upn} ({p.display_name}, {self.guid})" if p else self.guid


@dataclass(frozen=True, slots=True)
class ExportLink:
    """A stored export waiting for its one download."""

    guid: str  # whom it is about
    url: str
    expires_at: datetime
    rows: dict[str, int]  # rows per section


class ExportSigner:
    """Makes and checks the signed links of stored exports (requester, export, expiry)."""

    def __init__(self, key: bytes, base_url: str, lifetime: int) -> None:
        self._signer = LinkSigner(key, "export")
        self._base = base_url.rstrip("/")
        self.lifetime = lifetime

    def url(self, viewer: str, export_id: str) -> tuple[str, datetime]:
        expires = int(time.time()) + self.lifetime
        signature = self._signer.sign([viewer.lower(), export_id], expires)
        link = f"{self._base}{PREFIX}{export_id}?viewer={quote(viewer)}&expires={expires}"
        return f"{link}&sig={signature}", datetime.fromtimestamp(expires, UTC)

    def valid(self, viewer: str, export_id: str, expires: str, signature: str) -> bool:
        return self._signer.valid([viewer.lower(), export_id], expires, signature)


class SubjectAccess:
    """Exports, erasure and retention over the connectors (``app.state.subject_access``)."""

    def __init__(self, settings: Settings, upstreams: Upstreams) -> None:
        self.settings = settings
        self.upstreams = upstreams
        self.data = PersonalData(upstreams.social)
        key = settings.server.url_signing_key.get_secret_value().encode() or secrets.token_bytes(32)
        lifetime = settings.retention.export_link_lifetime
        self.signer = ExportSigner(key, settings.server.public_url, lifetime)
        self._groups = {g.casefold() for g in settings.access.data_protection_groups}

    async def find(self, key: str) -> Subject | None:
        """The person ``key`` names: a directory GUID (known to the directory or not: an
        erased account's rows may outlive it), else a UPN (with ``@``) or an account name."""
        key = key.strip()
        if _GUID.fullmatch(key):
            [person] = await self.upstreams.directory.people_by("guid", [key])
            return Subject(person.guid if person else key.lower(), person)
        field: LookupField = "upn" if "@" in key else "account_name"
        [person] = await self.upstreams.directory.people_by(field, [key]) if key else [None]
        return Subject(person.guid, person) if person else None

    async def export(self, subject: Subject, *, request_id: str, by: str) -> dict[str, Any]:
        """The full export about ``subject``, as a JSON-ready document."""
        p = subject.person
        also = [k for k in (p.employee_id, p.upn) if k] if p else []
        rows = await self.data.export(subject.guid, also_subjects=also)
        sections: dict[str, Any] = {
            name: {"source": "townhall", "description": SECTIONS[name], "status": "ok",
                   "rows": found}
            for name, found in rows.items()
        }  # fmt: skip
        for name, (source, description) in UPSTREAM_SECTIONS.items():
            status, found = await self._upstream_section(name, p)
            sections[name] = {
                "source": source, "description": description, "status": status, "rows": found
            }  # fmt: skip
        return {
            "format": FORMAT,
            "generated_at": datetime.now(UTC).isoformat(),
            "request_id": request_id,
            "requested_by": by,
            "subject": {"guid": subject.guid} | (
                {"account_name": p.account_name, "upn": p.upn, "display_name": p.display_name}
                if p else {}
            ),
            "sections": sections,
        }  # fmt: skip

    async def _upstream_section(
        self, name: str, person: DirectoryPerson | None
    ) -> tuple[str, list[dict[str, Any]]]:
        """(status, rows) of one upstream section; ``unavailable`` when its source fails."""
        if person is None:
            return "unknown_person", []
        readers: dict[str, Callable[[DirectoryPerson], Awaitable[list[dict[str, Any]]]]] = {
            "directory_account": _account,
            "directory_photo": self._photo,
            "directory_groups": self._groups_of,
            "hr_record": self._hr_record,
            "documents": self._documents,
        }
        source = UPSTREAM_SECTIONS[name][0]
        if (source == "hr" and self.upstreams.hr is None) or (
            source == "documents" and self.upstreams.documents is None
        ):
            return "not_configured", []
        try:
            return "ok", await readers[name](person)
        except (DirectoryError, HRError, DocumentError) as exc:
            log.warning("export: the %s source failed (%s)", source, type(exc).__name__)
            return "unavailable", []

    async def _photo(self, person: DirectoryPerson) -> list[dict[str, Any]]:
        photo = await self.upstreams.directory.photo(person.guid)
        if not photo:
            return []
        return [{"bytes": len(photo), "base64": base64.b64encode(photo).decode("ascii")}]

    async def _groups_of(self, person: DirectoryPerson) -> list[dict[str, Any]]:
        groups = (await self.upstreams.directory.groups_of([person.dn])).get(person.dn, [])
        return [g.model_dump(mode="json") for g in sorted(groups, key=lambda g: g.name)]

    async def _hr_record(self, person: DirectoryPerson) -> list[dict[str, Any]]:
        join = self.settings.hr.join
        key = person.employee_id if join == "employee_number" else person.upn
        if self.upstreams.hr is None or not key:
            return []
        [record] = await self.upstreams.hr.records_by(join, [key])
        return [record.model_dump(mode="json")] if record else []

    async def _documents(self, person: DirectoryPerson) -> list[dict[str, Any]]:
        upn = (person.upn or "").casefold()
        if self.upstreams.documents is None or not upn:
            return []
        records = None
        sync = self.upstreams.document_sync
        if sync is not None and sync.ready.is_set():  # the gateway's index names authors
            indexed = await sync.index.search(upn, limit=INDEX_LIMIT)
            records = indexed if len(indexed) < INDEX_LIMIT else None
        if records is None:  # the CLI (no index), or too many to trust the index's page
            records = await self.upstreams.documents.crawl("")
        found = []
        for d in records:
            author = (d.author or "").casefold() == upn
            editor = (d.last_editor or "").casefold() == upn
            if not d.is_folder and (author or editor):
                found.append(
                    {"path": d.path, "title": d.title, "author": author, "last_editor": editor,
                     "created_at": _iso(d.created_at), "modified_at": _iso(d.modified_at)}
                )  # fmt: skip
        return sorted(found, key=lambda d: str(d["path"]))

    async def export_for(self, key: str, *, viewer: str, request_id: str) -> ExportLink | None:
        """Build and store an export about the person ``key`` names, for ``viewer`` to
        download once (``None``: no such person). The caller records it in the audit trail."""
        subject = await self.find(key)
        if subject is None:
            return None
        document = await self.export(subject, request_id=request_id, by=viewer)
        return await self.store(document, viewer, subject.guid)

    async def store(self, document: dict[str, Any], viewer: str, guid: str) -> ExportLink:
        """Keep ``document`` for one download by ``viewer``; its signed link."""
        export_id = secrets.token_hex(16)
        body = encode_export(document)
        await asyncio.to_thread(self._write, export_id, body)
        url, expires_at = self.signer.url(viewer, export_id)
        counts = {name: len(s["rows"]) for name, s in document["sections"].items()}
        return ExportLink(guid, url, expires_at, counts)

    def _write(self, export_id: str, body: bytes) -> None:
        folder = self.settings.retention.export_dir
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.sweep()
        write_private(folder / f"{export_id}.json", body)

    async def take(self, export_id: str) -> bytes | None:
        """An export's content, once: the first caller has it and it is deleted."""
        if not _EXPORT_ID.fullmatch(export_id):
            return None
        return await asyncio.to_thread(self._take, export_id)

    def _take(self, export_id: str) -> bytes | None:
        folder = self.settings.retention.export_dir
        taken = folder / f"{export_id}.json.taken"
        try:
            os.rename(folder / f"{export_id}.json", taken)  # atomic: one taker only
        except OSError:
            return None
        try:
            if time.time() - taken.stat().st_mtime > self.signer.lifetime:
                return None
            return taken.read_bytes()
        finally:
            taken.unlink(missing_ok=True)

    def sweep(self) -> int:
        """Delete exports whose link has expired (never downloaded); how many."""
        folder = self.settings.retention.export_dir
        if not folder.is_dir():
            return 0
        cutoff = time.time() - self.signer.lifetime - 60
        swept = 0
        for path in folder.glob("*.json*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    swept += 1
            except FileNotFoundError:  # downloaded meanwhile
                continue
        return swept

    async def may_export(self, viewer: str) -> bool:
        """Whether ``viewer`` (a GUID) is a current member of a data-protection group."""
        if not self._groups or not _GUID.fullmatch(viewer):
            return False
        directory = self.upstreams.directory
        [person] = await directory.people_by("guid", [viewer])
        if person is None or person.is_leaver(datetime.now(UTC)):
            return False
        groups = (await directory.groups_of([person.dn])).get(person.dn, [])
        return any(g.name.casefold() in self._groups for g in groups)

    async def erase(self, subject: Subject, *, dry_run: bool = False) -> Erasure:
        """Erase the person's social data per the policy (``connectors.social.erasure``)."""
        account = subject.person.account_name if subject.person else None
        return await self.data.erase(subject.guid, account=account, dry_run=dry_run)

    async def record(self, entries: list[AuditEntry]) -> None:
        """Write audit rows (an export or erasure) in one append."""
        await self.upstreams.social.audit.append(entries)


def export_endpoint(state: AppState) -> Callable[[Request], Awaitable[Response]]:
    """``GET /exports/{export_id}``: a stored export, once, for the one who asked for it
    (``state.subject_access``, set by the lifespan)."""

    async def download(request: Request) -> Response:
        access = state.subject_access
        export_id = request.path_params["export_id"]
        query = request.query_params
        viewer = query.get("viewer", "")
        signed = access is not None and access.signer.valid(
            viewer, export_id, query.get("expires", ""), query.get("sig", "")
        )
        if access is None or not signed:
            log.info("export link refused: invalid or expired")
            return _plain(_INVALID, 403)
        try:
            allowed = await access.may_export(viewer)
        except DirectoryError as exc:
            log.warning("export link check failed (%s)", type(exc).__name__)
            return _plain("The directory is not answering; try again shortly.", 503)
        if not allowed:
            log.info("export link refused: the requester is no longer in a data-protection group")
            return _plain(_INVALID, 403)
        body = await access.take(export_id)
        if body is None:
            log.info("export link refused: downloaded already or expired")
            return _plain("This export was downloaded already, or has expired.", 410)
        log.info("subject-access export %s downloaded", export_id)
        return Response(
            body,
            media_type="application/json",
            headers={
                "content-disposition": f'attachment; filename="subject-access-{export_id}.json"',
                "cache-control": "private, no-store",
                "x-content-type-options": "nosniff",
            },
        )

    return download


def write_private(path: Path, body: bytes) -> None:
    """Write a file only its owner may read, whole or not at all (rename into place)."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(body)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def encode_export(document: dict[str, Any]) -> bytes:
    """An export as its file holds it: UTF-8 JSON, indented one space."""
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


async def _account(person: DirectoryPerson) -> list[dict[str, Any]]:
    return [person.model_dump(mode="json")]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _plain(message: str, status: int) -> Response:
    return Response(message, status_code=status, media_type="text/plain")
