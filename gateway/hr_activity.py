"""HR's change feed as activity: "Priya Shah moved to Housing".

Each round reads HR's changes since the checkpoint kept in the social store (so
no move is missed across restarts, and gateway workers may all poll), asks the
store which records' department, title or place of work changed, joins only those
to directory accounts (``hr.join``: AD employeeID to HR employeeNumber, or UPN to
userName), and has the store record the moves and the new checkpoint in one
transaction. What is compared and announced, and why restricted fields never
are, is the store's to say: see ``connectors.social.hr_feed``.

The first round reads every HR record (the feed from no checkpoint): that is the
baseline, remembered and not announced, and it needs no directory lookup. The
cache-dropping watcher (``HRChangeWatcher``) reads the same feed apart: it starts
from the present, holds its checkpoint in memory, and must not wait on the store.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Literal

from connectors.directory import DirectoryConnector
from connectors.hr import HRCheckpoint, HRRecord, HRSource
from connectors.social import HRState, SocialStore

log = logging.getLogger("townhall.hr_activity")

Join = Literal["employee_number", "user_name"]


async def hr_activity_round(
    hr: HRSource, directory: DirectoryConnector, social: SocialStore, *, join: Join
) -> list[int] | None:
    """One read of HR's change feed into activity, from the stored checkpoint; the
    events written (``None``: another worker applied the batch first)."""
    return await hr_activity_since(await social.checkpoint("hr"), hr, directory, social, join=join)


async def hr_activity_since(
    since: str | None,
    hr: HRSource,
    directory: DirectoryConnector,
    social: SocialStore,
    *,
    join: Join,
) -> list[int] | None:
    """One round from ``since``, a checkpoint as the store keeps it (a worker that read
    it just before another worker applied that batch runs exactly this)."""
    checkpoint = HRCheckpoint.decode(since) if since else None  # undecodable: resync
    changes = await hr.changes_since(checkpoint)
    states = [
        HRState(r.scim_id, r.job_title, r.department, r.work_location, r.active)
        for r in changes.records
    ]
    moving = set(await social.hr_moves(states))
    people = await _accounts(directory, [r for r in changes.records if r.scim_id in moving], join)
    if len(people) < len(moving):
        log.debug(
            "%d HR change(s) joined no current directory account; not announced",
            len(moving) - len(people),
        )
    return await social.observe_hr(
        states, people=people, since=since, checkpoint=changes.checkpoint.encode()
    )


async def _accounts(
    directory: DirectoryConnector, records: list[HRRecord], join: Join
) -> dict[str, str]:
    """HR record id → GUID of the current directory account it joins (none for a
    record without a join key, without an account, or whose account has left)."""
    keyed = [(r.scim_id, key) for r in records if (key := getattr(r, join))]
    if not keyed:
        return {}
    field: Literal["employee_id", "upn"] = "employee_id" if join == "employee_number" else "upn"
    found = await directory.people_by(field, [key for _, key in keyed])
    at = datetime.now(UTC)
    return {
        record: person.guid
        for (record, _), person in zip(keyed, found, strict=True)
        if person is not None and not person.is_leaver(at)
    }
