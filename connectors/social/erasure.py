"""Erasing one person from the social store (UK GDPR art. 17), in the caller's transaction.

The policy (README, "Data protection"), applied by ``erase_person``:

* **deleted**: their profile (text fields, skills, interests, ask-me-about, digest choice
  and the record of digests sent to them), endorsements given and received, follows both
  ways (who they follow, who follows them), reactions,
  notifications to them and naming them as the actor, retry keys, mention notices, the
  directory's and HR's last-seen state of them (``people_seen``, ``hr_seen``), and every
  activity event by them or about them (their profile, them as a person) with what hangs
  off those events: reactions, tags, reports, notifications, and the comment threads on
  them. Comments on their profile go with the profile, likewise.
* **kept, without them**: their comments elsewhere keep their place in the thread (replies
  stay under them, others' reactions stay on them) but lose their text, tags, mentions and
  earlier revisions, and their author becomes ``ERASED`` (shown as "a former member of
  staff"). Reports they filed stay (a moderator may still act on the item) with
  ``ERASED`` as the reporter and no reason; their moderation (deciding a report, deleting or
  editing a comment) keeps the outcome and loses the name.
* **rewritten**: ``@account`` mentions of them in others' comments, earlier revisions and
  report reasons become the plain words "a former member of staff", and the comments no
  longer link to them.
* **untouched**: the audit trail (``audit``), which records that the erasure happened.

Erasing someone already erased changes nothing (every step selects by the person).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .base import in_chunks
from .changes import changes_of
from .digests import digest_deliveries, digest_preferences
from .tables import (
    activity,
    activity_tag_id,
    comment_revisions,
    comments,
    endorsements,
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

ERASED = "former-staff"  # the author, reporter or moderator of an erased person's items
FORMER_MEMBER = "a former member of staff"  # what a mention of an erased person now says
ERASED_BODY = "[a comment by a former member of staff, removed]"
# As ``text.mentions_in`` finds mentions: "@" + an account name, not inside a word or address.
_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9._-]{0,63})")
_MAX_PASSES = 50  # items about items about items: far deeper than any real chain


class Changes(dict[str, int]):
    """Rows changed, by ``"<table> <action>"`` (``"reactions deleted"``), in the order done."""

    def add(self, key: str, rows: int) -> None:
        if rows:
            self[key] = self.get(key, 0) + rows


def without_mentions_of(text: str, account: str) -> str:
    """``text`` with every ``@account`` mention (any case) as the plain words
    "a former member of staff"; other mentions and trailing dots stay as written."""
    wanted = account.casefold()

    def plain(match: re.Match[str]) -> str:
        raw = match.group(1)
        name = raw.rstrip(".-")
        return FORMER_MEMBER + raw[len(name) :] if name.casefold() == wanted else match.group(0)

    return _MENTION.sub(plain, text)


async def erase_person(connection: AsyncConnection, guid: str, account: str | None) -> Changes:
    """Apply the erasure policy to ``guid`` (``account``: their directory account name,
    for mentions in text; ``None`` leaves the text of mentions as written) in the caller's
    transaction; what it changed."""
    done = Changes()
    events, threads = await _items_going(connection, guid)
    await _delete_items(connection, events, threads, done)
    await _delete_own(connection, guid, done)
    await _anonymise(connection, guid, threads, done)
    if account:
        await _rewrite_mentions(connection, account, done)
    done.add("mentions deleted", await _delete(connection, mentions, mentions.c.person == guid))
    done.add(
        "mention_notices deleted",
        await _delete(connection, mention_notices, mention_notices.c.person == guid),
    )
    return done


async def followed_edges(connection: AsyncConnection, guid: str) -> list[tuple[str, str, str]]:
    """The follows an erasure of ``guid`` deletes, as (follower, kind, target)."""
    rows = await connection.execute(
        select(follows.c.follower, follows.c.target_kind, follows.c.target).where(_follows_of(guid))
    )
    return [(r[0], r[1], r[2]) for r in rows]


def _follows_of(guid: str) -> Any:
    return or_(
        follows.c.follower == guid,
        and_(follows.c.target_kind == "person", follows.c.target == guid),
    )


def events_about(guid: str) -> Any:
    """Activity events about the person: them, their profile, a skill of theirs."""
    return or_(
        and_(activity.c.object_kind.in_(("person", "profile")), activity.c.object_id == guid),
        and_(activity.c.target_kind == "person", activity.c.target_id == guid),
    )


async def _items_going(connection: AsyncConnection, guid: str) -> tuple[set[int], set[str]]:
    """The activity events and comments deleted outright: events by or about the person,
    comments on their profile, and, pass after pass, comments on those events and events
    about those comments and events (a reaction to one, a reply...)."""
    events = set(
        (
            await connection.execute(
                select(activity.c.id).where(or_(activity.c.actor == guid, events_about(guid)))
            )
        ).scalars()
    )
    threads = set(
        (
            await connection.execute(
                select(comments.c.id).where(
                    comments.c.target_kind == "person", comments.c.target == guid
                )
            )
        ).scalars()
    )
    new_events, new_threads = set(events), set(threads)
    for _ in range(_MAX_PASSES):
        found_threads: set[str] = set()
        for chunk in in_chunks(str(e) for e in new_events):
            found_threads |= set(
                (
                    await connection.execute(
                        select(comments.c.id).where(
                            comments.c.target_kind == "activity", comments.c.target.in_(chunk)
                        )
                    )
                ).scalars()
            )
        found_events: set[int] = set()
        keys = [("comment", c) for c in new_threads | found_threads]
        keys += [("activity", str(e)) for e in new_events]
        for kind in ("comment", "activity"):
            for chunk in in_chunks(k for kd, k in keys if kd == kind):
                found_events |= set(
                    (
                        await connection.execute(
                            select(activity.c.id).where(
                                or_(
                                    and_(
                                        activity.c.object_kind == kind,
                                        activity.c.object_id.in_(chunk),
                                    ),
                                    and_(
                                        activity.c.target_kind == kind,
                                        activity.c.target_id.in_(chunk),
                                    ),
                                )
                            )
                        )
                    ).scalars()
                )
        new_threads = found_threads - threads
        new_events = found_events - events
        threads |= new_threads
        events |= new_events
        if not new_threads and not new_events:
            break
    return events, threads


async def _delete_items(
    connection: AsyncConnection, events: set[int], threads: set[str], done: Changes
) -> None:
    """Delete the events and comments going, and everything that refers to them."""
    event_keys = [str(e) for e in events]
    items = [("comment", c) for c in threads] + [("activity", e) for e in event_keys]
    gone_reports: set[str] = set()
    for kind in ("comment", "activity"):
        for chunk in in_chunks(k for kd, k in items if kd == kind):
            gone_reports |= set(
                (
                    await connection.execute(
                        select(reports.c.id).where(
                            reports.c.item_kind == kind, reports.c.item_id.in_(chunk)
                        )
                    )
                ).scalars()
            )
            done.add(
                "reactions deleted",
                await _delete(
                    connection,
                    reactions,
                    reactions.c.target_kind == kind,
                    reactions.c.target.in_(chunk),
                ),
            )
    done.add(
        "notifications deleted",
        await _delete_in(connection, notifications, notifications.c.report_id, gone_reports),
    )
    done.add("reports deleted", await _delete_in(connection, reports, reports.c.id, gone_reports))
    for chunk in in_chunks(event_keys):
        ids = [int(e) for e in chunk]
        done.add(
            "notifications deleted",
            await _delete(connection, notifications, notifications.c.activity_id.in_(ids)),
        )
        await _delete(
            connection,
            item_tags,
            item_tags.c.item_kind == "activity",
            item_tags.c.item_id.in_([activity_tag_id(i) for i in ids]),
        )
    await _drop_comment_links(connection, threads, done)
    for chunk in in_chunks(threads):
        changes_of(connection).comments_deleted(
            await connection.execute(
                select(comments.c.id, comments.c.target_kind, comments.c.target).where(
                    comments.c.id.in_(chunk)
                )
            )
        )
    for chunk in in_chunks(threads):
        # A reply and the comment it answers go together: unlink them first, so that the
        # order rows are deleted in never matters to the parent's foreign key.
        await connection.execute(
            update(comments).where(comments.c.id.in_(chunk)).values(parent_id=None)
        )
    done.add("comments deleted", await _delete_in(connection, comments, comments.c.id, threads))
    for chunk in in_chunks(event_keys):
        done.add(
            "activity deleted",
            await _delete(connection, activity, activity.c.id.in_([int(e) for e in chunk])),
        )


async def _drop_comment_links(
    connection: AsyncConnection, ids: Collection[str], done: Changes
) -> None:
    """Delete what hangs off comments' text: revisions, tags, mentions and their notices."""
    done.add(
        "comment_revisions deleted",
        await _delete_in(connection, comment_revisions, comment_revisions.c.comment_id, ids),
    )
    for chunk in in_chunks(ids):
        await _delete(
            connection,
            item_tags,
            item_tags.c.item_kind == "comment",
            item_tags.c.item_id.in_(chunk),
        )
    done.add("mentions deleted", await _delete_in(connection, mentions, mentions.c.comment_id, ids))
    done.add(
        "mention_notices deleted",
        await _delete_in(connection, mention_notices, mention_notices.c.comment_id, ids),
    )


async def _delete_own(connection: AsyncConnection, guid: str, done: Changes) -> None:
    """Delete the person's own rows: profile, endorsements, follows, reactions, notices."""
    steps: list[tuple[Table, Any]] = [
        (profile_fields, profile_fields.c.person == guid),
        (profile_tags, profile_tags.c.person == guid),
        (endorsements, or_(endorsements.c.endorser == guid, endorsements.c.person == guid)),
        (follows, _follows_of(guid)),
        (reactions, reactions.c.person == guid),
        (
            notifications,
            or_(notifications.c.recipient == guid, notifications.c.actor == guid),
        ),
        (idempotency_keys, idempotency_keys.c.actor == guid),
        (people_seen, people_seen.c.guid == guid),
        (hr_seen, hr_seen.c.guid == guid),
        (digest_preferences, digest_preferences.c.person == guid),
        (digest_deliveries, digest_deliveries.c.person == guid),
    ]
    for table, condition in steps:
        done.add(f"{table.name} deleted", await _delete(connection, table, condition))


async def _anonymise(
    connection: AsyncConnection, guid: str, threads: set[str], done: Changes
) -> None:
    """Keep the person's comments, reports and moderation in place, without them."""
    own = (
        set(
            (
                await connection.execute(select(comments.c.id).where(comments.c.author == guid))
            ).scalars()
        )
        - threads
    )
    await _drop_comment_links(connection, own, done)
    anonymised = (
        await connection.execute(
            update(comments)
            .where(comments.c.author == guid)
            .values(author=ERASED, body=ERASED_BODY)
            .returning(comments.c.id, comments.c.target_kind, comments.c.target)
        )
    ).all()
    done.add("comments anonymised", len(anonymised))
    for row in anonymised:  # live threads show the text gone
        changes_of(connection).comment("edited", row.id, row.target_kind, row.target)
    for table, column in (
        (comments, comments.c.deleted_by),
        (comment_revisions, comment_revisions.c.replaced_by),
        (reports, reports.c.decided_by),
    ):
        result = await connection.execute(
            update(table).where(column == guid).values({column.name: ERASED})
        )
        done.add(f"{table.name} {column.name} anonymised", result.rowcount or 0)
    # One open report per reporter and item: where another erased person's open report of
    # the item already stands for it, this one goes (and the notices about it).
    other = reports.alias("other")
    erased_open = (
        select(other.c.id)
        .where(
            other.c.reporter == ERASED,
            other.c.status == "open",
            other.c.item_kind == reports.c.item_kind,
            other.c.item_id == reports.c.item_id,
        )
        .exists()
    )
    doubled = set(
        (
            await connection.execute(
                select(reports.c.id).where(
                    reports.c.reporter == guid, reports.c.status == "open", erased_open
                )
            )
        ).scalars()
    )
    done.add(
        "notifications deleted",
        await _delete_in(connection, notifications, notifications.c.report_id, doubled),
    )
    done.add("reports deleted", await _delete_in(connection, reports, reports.c.id, doubled))
    result = await connection.execute(
        update(reports).where(reports.c.reporter == guid).values(reporter=ERASED, reason="")
    )
    done.add("reports anonymised", result.rowcount or 0)


async def _rewrite_mentions(connection: AsyncConnection, account: str, done: Changes) -> None:
    """Others' text naming ``@account``: the mention becomes plain words."""
    needle = "@" + account.casefold()
    for table, key, column in (
        (comments, comments.c.id, comments.c.body),
        (comment_revisions, comment_revisions.c.id, comment_revisions.c.body),
        (reports, reports.c.id, reports.c.reason),
    ):
        rows = await connection.execute(
            select(key, column).where(func.lower(column).contains(needle, autoescape=True))
        )
        changed = [
            {"row_key": row_key, "rewritten": rewritten}
            for row_key, text in rows.all()
            if (rewritten := without_mentions_of(text, account)) != text
        ]
        if changed:  # one statement, executed for each row
            await connection.execute(
                update(table)
                .where(key == bindparam("row_key"))
                .values({column.name: bindparam("rewritten")}),
                changed,
            )
        done.add(f"{table.name} rewritten", len(changed))


async def _delete(connection: AsyncConnection, table: Table, *conditions: Any) -> int:
    return int((await connection.execute(delete(table).where(*conditions))).rowcount or 0)


async def _delete_in(
    connection: AsyncConnection, table: Table, column: Any, keys: Iterable[str]
) -> int:
    deleted = 0
    for chunk in in_chunks(keys):
        deleted += await _delete(connection, table, column.in_(chunk))
    return deleted
