"""One person's data in the social store (UK GDPR): what a subject-access export holds,
erasure (the policy and its SQL are in ``erasure``), and retention: deleted comments'
text purged after a while, and leavers erased a while after they left.

``PersonalData(store)`` reads and writes through the store's engines, on SQLite and
PostgreSQL alike. ``export`` answers every row of the store about the person, table by
table (``SECTIONS`` says what each section holds); ``erase`` applies the erasure policy in
one transaction (``dry_run``: the same transaction, rolled back, so the counts are what it
would do); ``purge_deleted_comments`` and ``leavers`` serve the daily retention run, which
``claim_day`` lets one gateway instance of many run each day. Nothing here touches the
audit trail: callers record exports and erasures there (``audit``), and it keeps its rows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, Table, and_, cast, delete, func, or_, select, update

from .audit import audit_log
from .base import StoreBase, in_chunks, now, utc
from .erasure import Changes, erase_person, events_about, followed_edges
from .tables import (
    activity,
    comment_revisions,
    comments,
    endorsements,
    feed_checkpoints,
    follows,
    hr_seen,
    idempotency_keys,
    item_tags,
    mention_notices,
    mentions,
    notifications,
    people_seen,
    profile_fields,
    profile_tags,
    reactions,
    reports,
)

log = logging.getLogger(__name__)

FORMAT = "townhall-subject-access/1"
RETENTION = "retention"  # the ``feed_checkpoints`` row naming the day retention last ran

# Every section of the social store's part of an export, and what it holds.
SECTIONS: dict[str, str] = {
    "profile_fields": "Profile text the person wrote (about, pronouns, working hours...).",
    "profile_tags": "Skills, interests and ask-me-about topics on their profile.",
    "endorsements_given": "Skills of others the person endorsed.",
    "endorsements_received": "Endorsements of the person's skills, and by whom.",
    "comments": "Comments and replies the person wrote, with their #tags, as they stand "
    "(a deleted comment keeps its text until the retention period purges it).",
    "comment_revisions": "Earlier texts of the person's comments, kept by each edit.",
    "comments_on_profile": "Comments anyone wrote on the person's profile.",
    "mentions": "Comments that @mention the person now (the comment, not its text).",
    "mention_notices": "Comments whose mention of the person notified them, and when.",
    "reactions": "Reactions the person gave.",
    "follows": "People, documents, groups and tags the person follows.",
    "followers": "People who follow the person.",
    "notifications": "Notifications sent to the person.",
    "notifications_caused": "Notifications to others naming the person as who acted.",
    "activity": "The activity log's events with the person as the actor: what they did, and "
    "the directory's and HR's news of them (joined, moved, left).",
    "activity_about": "Others' activity about the person (following them, endorsing them, "
    "commenting on their profile).",
    "reports_filed": "Reports the person filed with the moderators.",
    "reports_about": "Reports others filed about the person's comments and activity.",
    "reports_decided": "Reports the person decided as a moderator.",
    "comments_moderated": "Others' comments the person deleted as a moderator.",
    "revisions_replaced": "Edits the person made to others' comments as a moderator.",
    "retry_keys": "Retry keys of the person's writes (which write each key answered).",
    "directory_seen": "The person's team, title, manager and status as the directory's "
    "change feed last saw them.",
    "hr_seen": "The person's job title, department and place of work as HR's change "
    "feed last saw them.",
    "audit_about": "Audit-trail rows about the person: restricted reads of their data, "
    "exports and erasures. Kept through erasure.",
    "audit_by": "Audit-trail rows of the person's own restricted reads of others' data.",
}


@dataclass(frozen=True, slots=True)
class Erasure:
    """What ``erase`` did (or, ``dry_run``, would do): rows by ``"<table> <action>"``."""

    person: str
    changes: dict[str, int]
    dry_run: bool = False

    @property
    def changed(self) -> int:
        return sum(self.changes.values())


@dataclass(frozen=True, slots=True)
class Leaver:
    guid: str
    left_at: datetime


@dataclass(slots=True)
class Purge:
    """What a purge of deleted comments did: rows by ``"<table> <action>"``."""

    changes: dict[str, int] = field(default_factory=dict)


class _RolledBack(Exception):
    """Ends a dry run's transaction (rolled back) carrying what it changed."""

    def __init__(self, changes: dict[str, int]) -> None:
        super().__init__("dry run")
        self.changes = changes


class PersonalData:
    """Export, erasure and retention of people's data in the social store."""

    def __init__(self, store: StoreBase) -> None:
        self._store = store

    async def export(
        self, guid: str, *, also_subjects: Sequence[str] = ()
    ) -> dict[str, list[dict[str, Any]]]:
        """Every row about ``guid``, by section (``SECTIONS``, in that order), each row its
        columns (times in ISO 8601, UTC). ``also_subjects``: other ids the audit trail may
        name the person by (their HR join key, recorded for HR records without an account)."""
        read = self._store._rows
        own = [r.id for r in await read(select(comments.c.id).where(comments.c.author == guid))]
        tags: dict[str, list[str]] = {}
        revisions: list[Any] = []
        for chunk in in_chunks(own):
            for row in await read(
                select(item_tags.c.item_id, item_tags.c.tag)
                .where(item_tags.c.item_kind == "comment", item_tags.c.item_id.in_(chunk))
                .order_by(item_tags.c.tag)
            ):
                tags.setdefault(row.item_id, []).append(row.tag)
            revisions += await read(
                select(comment_revisions)
                .where(comment_revisions.c.comment_id.in_(chunk))
                .order_by(comment_revisions.c.id)
            )
        theirs = or_(
            and_(reports.c.item_kind == "comment", reports.c.item_id.in_(
                select(comments.c.id).where(comments.c.author == guid)
            )),
            and_(reports.c.item_kind == "activity", reports.c.item_id.in_(
                select(cast(activity.c.id, String)).where(
                    activity.c.actor == guid
                )
            )),
        )  # fmt: skip
        subjects = list(dict.fromkeys([guid, *(s for s in also_subjects if s)]))
        queries: dict[str, Any] = {
            "profile_fields": _all(profile_fields, profile_fields.c.person == guid),
            "profile_tags": _all(profile_tags, profile_tags.c.person == guid),
            "endorsements_given": _all(endorsements, endorsements.c.endorser == guid),
            "endorsements_received": _all(endorsements, endorsements.c.person == guid),
            "comments": _all(comments, comments.c.author == guid),
            "comment_revisions": None,
            "comments_on_profile": _all(
                comments, comments.c.target_kind == "person", comments.c.target == guid
            ),
            "mentions": select(mentions.c.comment_id, comments.c.document, comments.c.created_at)
            .select_from(mentions.join(comments, comments.c.id == mentions.c.comment_id))
            .where(mentions.c.person == guid)
            .order_by(comments.c.created_at, mentions.c.comment_id),
            "mention_notices": _all(mention_notices, mention_notices.c.person == guid),
            "reactions": _all(reactions, reactions.c.person == guid),
            "follows": _all(follows, follows.c.follower == guid),
            "followers": _all(follows, follows.c.target_kind == "person", follows.c.target == guid),
            "notifications": _all(notifications, notifications.c.recipient == guid),
            "notifications_caused": _all(notifications, notifications.c.actor == guid),
            "activity": _all(activity, activity.c.actor == guid),
            "activity_about": _all(activity, events_about(guid), activity.c.actor != guid),
            "reports_filed": _all(reports, reports.c.reporter == guid),
            "reports_about": _all(reports, theirs),
            "reports_decided": _all(reports, reports.c.decided_by == guid),
            "comments_moderated": _all(
                comments, comments.c.deleted_by == guid, comments.c.author != guid
            ),
            "revisions_replaced": select(comment_revisions)
            .select_from(
                comment_revisions.join(comments, comments.c.id == comment_revisions.c.comment_id)
            )
            .where(comment_revisions.c.replaced_by == guid, comments.c.author != guid)
            .order_by(comment_revisions.c.id),
            "retry_keys": _all(idempotency_keys, idempotency_keys.c.actor == guid),
            "directory_seen": _all(people_seen, people_seen.c.guid == guid),
            "hr_seen": _all(hr_seen, hr_seen.c.guid == guid),
            "audit_about": _all(audit_log, audit_log.c.subject.in_(subjects)),
            "audit_by": _all(audit_log, audit_log.c.viewer == guid),
        }
        found: dict[str, list[dict[str, Any]]] = {}
        for name in SECTIONS:
            query = queries[name]
            rows = revisions if query is None else await read(query)
            found[name] = [_plain(row) for row in rows]
        for row in found["comments"]:
            row["tags"] = tags.get(row["id"], [])
        return found

    async def erase(
        self, guid: str, *, account: str | None = None, dry_run: bool = False
    ) -> Erasure:
        """Erase ``guid`` per the policy (``erasure``), in one transaction. ``account``:
        their directory account name, so that ``@account`` in others' text becomes plain
        words. ``dry_run``: do it all, then roll back. Erasing again changes nothing."""
        try:
            async with self._store._begin() as connection:
                edges = await followed_edges(connection, guid)
                done = await erase_person(connection, guid, account)
                if dry_run:
                    raise _RolledBack(done)
        except _RolledBack as rolled:
            return Erasure(guid, dict(rolled.changes), dry_run=True)
        for follower, kind, target in edges:  # follower counts cached elsewhere
            for listener in self._store.follow_listeners:
                try:
                    await listener(follower, kind, target)
                except Exception as exc:
                    log.warning("a follow listener failed (%s)", type(exc).__name__)
        return Erasure(guid, dict(done))

    async def purge_deleted_comments(
        self, *, deleted_before: datetime, dry_run: bool = False
    ) -> Purge:
        """The text of comments deleted before ``deleted_before`` (emptied), and their earlier
        revisions, tags and mentions (deleted); the comments keep their place in threads."""
        old = select(comments.c.id).where(
            comments.c.deleted_at.is_not(None), comments.c.deleted_at < deleted_before
        )
        done = Changes()
        try:
            async with self._store._begin() as connection:
                done.add(
                    "comments purged",
                    (
                        await connection.execute(
                            update(comments)
                            .where(comments.c.id.in_(old), comments.c.body != "")
                            .values(body="")
                        )
                    ).rowcount
                    or 0,
                )
                for table, column in (
                    (comment_revisions, comment_revisions.c.comment_id),
                    (mentions, mentions.c.comment_id),
                    (mention_notices, mention_notices.c.comment_id),
                ):
                    result = await connection.execute(delete(table).where(column.in_(old)))
                    done.add(f"{table.name} deleted", result.rowcount or 0)
                result = await connection.execute(
                    delete(item_tags).where(
                        item_tags.c.item_kind == "comment", item_tags.c.item_id.in_(old)
                    )
                )
                done.add("item_tags deleted", result.rowcount or 0)
                if dry_run:
                    raise _RolledBack(done)
        except _RolledBack as rolled:
            return Purge(dict(rolled.changes))
        return Purge(dict(done))

    async def leavers(self, *, left_before: datetime) -> list[Leaver]:
        """People the directory's change feed last saw as leavers, who left before
        ``left_before``, oldest first. When they left: the feed's newest ``left`` event for
        them (unless a later ``joined`` one undid it), else when the feed last saw them
        (a leaver already gone at the feed's first reading, or since re-read while gone)."""
        gone = await self._store._rows(
            select(people_seen.c.guid, people_seen.c.seen_at).where(people_seen.c.active.is_(False))
        )
        seen_at = {r.guid: utc(r.seen_at) for r in gone}
        latest: dict[tuple[str, str], datetime] = {}
        for chunk in in_chunks(seen_at):
            for row in await self._store._rows(
                select(activity.c.actor, activity.c.verb, func.max(activity.c.created_at))
                .where(activity.c.actor.in_(chunk), activity.c.verb.in_(("left", "joined")))
                .group_by(activity.c.actor, activity.c.verb)
            ):
                latest[(row[0], row[1])] = utc(row[2])
        found = []
        for guid, seen in seen_at.items():
            left = latest.get((guid, "left"))
            joined = latest.get((guid, "joined"))
            at = left if left is not None and (joined is None or joined <= left) else seen
            if at < left_before:
                found.append(Leaver(guid, at))
        return sorted(found, key=lambda leaver: (leaver.left_at, leaver.guid))

    async def claim_day(self, day: str) -> tuple[bool, str | None]:
        """Claim the retention run of ``day`` (``YYYY-MM-DD``) for this process: whether it
        was won (not when the run of ``day``, or a later one, is already claimed), and the day
        claimed before it (``None``: none ever was), for ``release_day``. A compare-and-set
        on one row: of the instances that ask at once, one wins; the others wait for its
        commit and see ``day``."""
        async with self._store._begin() as connection:
            stored = (
                await connection.execute(
                    select(feed_checkpoints.c.checkpoint)
                    .where(feed_checkpoints.c.source == RETENTION)
                    .with_for_update()
                )
            ).scalar()
            if stored is not None and stored >= day:
                return False, str(stored)
            at = now()
            if stored is None:
                added = await self._store._insert_ignore(
                    connection,
                    feed_checkpoints,
                    {"source": RETENTION, "checkpoint": day, "updated_at": at},
                )
                return bool(added), None
            result = await connection.execute(
                update(feed_checkpoints)
                .where(
                    feed_checkpoints.c.source == RETENTION, feed_checkpoints.c.checkpoint == stored
                )
                .values(checkpoint=day, updated_at=at)
            )
            return bool(result.rowcount), str(stored)

    async def release_day(self, day: str, previous: str | None) -> None:
        """Give back a claimed run that failed, so another instance (or the next check)
        runs it: the claim goes back to ``previous`` if it still says ``day``."""
        async with self._store._begin() as connection:
            mine = and_(
                feed_checkpoints.c.source == RETENTION, feed_checkpoints.c.checkpoint == day
            )
            if previous is None:
                await connection.execute(delete(feed_checkpoints).where(mine))
            else:
                await connection.execute(
                    update(feed_checkpoints)
                    .where(mine)
                    .values(checkpoint=previous, updated_at=now())
                )

    async def last_day(self) -> str | None:
        """The day whose retention run was last claimed (``YYYY-MM-DD``), if any."""
        rows = await self._store._rows(
            select(feed_checkpoints.c.checkpoint).where(feed_checkpoints.c.source == RETENTION)
        )
        return str(rows[0][0]) if rows else None


def _all(table: Table, *conditions: Any) -> Any:
    order = [c for c in table.primary_key.columns]
    return select(table).where(*conditions).order_by(*order)


def _plain(row: Any) -> dict[str, Any]:
    """A row as JSON-ready values: times as ISO 8601 in UTC."""
    return {
        key: utc(value).isoformat() if isinstance(value, datetime) else value
        for key, value in row._mapping.items()
    }
