"""The retention run: deleted comments' text purged, leavers' social data erased, expired
exports swept; run by ``townhall retention run`` and, once a day, by one gateway instance.

``run_retention`` does one run: comments deleted more than
``retention.deleted_comment_days`` ago lose their text and earlier revisions; people the
directory's change feed saw leave more than ``retention.leaver_days`` ago are erased
(each in its own transaction, each recorded in the audit trail as an ``erase`` by
``townhall:retention``, role ``retention``); exports whose link expired are deleted.

The background jobs (``gateway.background``) call ``run_if_due`` every
``retention.check_interval`` seconds (first a minute after start-up): it checks whether
today's (UTC) run is due, and claims it in the social store first
(``PersonalData.claim_day``: a compare-and-set on one row), so of N instances exactly one
runs it each day. A run that fails gives its claim back, and the next check (on any
instance) runs it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.directory import DirectoryError
from connectors.social.audit import AuditEntry
from connectors.social.privacy import Erasure

from .data_protection import SubjectAccess
from .loaders import Upstreams
from .settings import Settings

log = logging.getLogger("townhall.retention")

RETENTION_VIEWER = "townhall:retention"  # the audit trail's viewer for the run's erasures
RETENTION_ROLE = "retention"
FIRST_CHECK = 60.0  # seconds after start-up


@dataclass(slots=True)
class RetentionRun:
    """What one run did (or, ``dry_run``, would do)."""

    purged: dict[str, int] = field(default_factory=dict)  # rows by "<table> <action>"
    erased: list[Erasure] = field(default_factory=list)  # one per leaver
    leavers_waiting: int = 0  # leavers due, left for the next run (the directory failed)
    exports_swept: int = 0
    request_id: str = ""


async def run_retention(
    access: SubjectAccess, *, now: datetime | None = None, dry_run: bool = False
) -> RetentionRun:
    """One retention run as of ``now`` (default: now)."""
    now = now or datetime.now(UTC)
    settings = access.settings.retention
    run = RetentionRun(request_id=uuid.uuid4().hex)
    if settings.deleted_comment_days:
        cutoff = now - timedelta(days=settings.deleted_comment_days)
        purge = await access.data.purge_deleted_comments(deleted_before=cutoff, dry_run=dry_run)
        run.purged = purge.changes
    if settings.leaver_days:
        leavers = await access.data.leavers(left_before=now - timedelta(days=settings.leaver_days))
        accounts: dict[str, str | None] = {}
        try:  # their account names, so that mentions of them in text become plain words
            guids = [x.guid for x in leavers]
            people = await access.upstreams.directory.people_by("guid", guids) if guids else []
            accounts = {
                g: p.account_name if p else None for g, p in zip(guids, people, strict=True)
            }
        except DirectoryError as exc:
            log.warning("retention: the directory failed (%s); leavers wait", type(exc).__name__)
            run.leavers_waiting = len(leavers)
            leavers = []
        for leaver in leavers:
            erasure = await access.data.erase(
                leaver.guid, account=accounts.get(leaver.guid), dry_run=dry_run
            )
            if not dry_run:
                await access.record(
                    [AuditEntry(RETENTION_VIEWER, leaver.guid, "erase", RETENTION_ROLE, "erase",
                                run.request_id)]
                )  # fmt: skip
            run.erased.append(erasure)
    if not dry_run:
        run.exports_swept = await asyncio.to_thread(access.sweep)
    return run


async def run_if_due(access: SubjectAccess, *, now: datetime | None = None) -> RetentionRun | None:
    """Today's run, if no instance has claimed it yet (``None`` otherwise)."""
    now = now or datetime.now(UTC)
    day = now.date().isoformat()
    won, previous = await access.data.claim_day(day)
    if not won:
        return None
    try:
        run = await run_retention(access, now=now)
    except BaseException:
        await asyncio.shield(access.data.release_day(day, previous))
        raise
    log.info(
        "retention run %s: %s; %d leavers erased%s; %d expired exports deleted",
        day,
        ", ".join(f"{k} {v}" for k, v in run.purged.items()) or "no deleted comments to purge",
        len(run.erased),
        f" ({run.leavers_waiting} wait for the directory)" if run.leavers_waiting else "",
        run.exports_swept,
    )
    return run


@contextlib.asynccontextmanager
async def data_protection(
    state: Any, settings: Settings, upstreams: Upstreams
) -> AsyncIterator[SubjectAccess]:
    """For the app's lifespan: ``state.subject_access`` (exports, the ``/exports`` route).
    The daily run is a background job (``gateway.background``)."""
    access = SubjectAccess(settings, upstreams)
    state.subject_access = access
    yield access
