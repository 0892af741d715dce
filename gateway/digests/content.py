"""A digest's content, read through the recipient's own access gate.

``read_digest`` signs the recipient in as a request would (fresh loaders, the directory's
record of them: a leaver or someone the directory does not know gets nothing), builds
their ``ViewerScope`` (``gateway.scope.build_scope``) and reads their unread
notifications of the period through it: a notification about a document they may not
read (now: access lost since is access lost) is left out, and so is one whose activity
item, comment or report they can no longer see (deleted, hidden by a moderator, or on a
document they may not read). What is left is told in plain words, from the records the
gate returned: never from the raw store.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from connectors.directory import DirectoryPerson
from connectors.documents import FolderAccess
from connectors.social import ActivityEvent, Notification
from schema.context import StaleSources
from schema.ids import global_id
from schema.scope import ViewerScope

from ..loaders import RequestLoaders, Upstreams, build_loaders
from ..scope import GatePolicy, build_scope
from ..settings import Settings
from .periods import Period

PAGE = 200  # unread notifications read per page, newest first
MAX_PAGES = 10  # at most 2,000 unread notifications read for one digest
EXCERPT = 280  # characters of a comment quoted in the mail
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One notification as the mail tells it (plain text: the template escapes it)."""

    notification: int  # its id
    kind: str
    headline: str  # "Priya Shah mentioned you in a comment on Local Plan 2026"
    excerpt: str | None  # the comment's words, shortened
    at: datetime
    target: str | None  # global id of what it is about (Document, Person, Comment)


@dataclass(frozen=True, slots=True)
class Digest:
    """What one person is told for one period; ``items`` newest first."""

    person: DirectoryPerson
    period: Period
    items: list[DigestItem]


@dataclass(frozen=True, slots=True)
class Recipient:
    """A person signed in for their digest: their record, loaders and access gate."""

    person: DirectoryPerson
    loaders: RequestLoaders
    scope: ViewerScope


async def sign_in(
    guid: str, upstreams: Upstreams, settings: Settings, policy: GatePolicy
) -> Recipient | None:
    """The recipient as a signed-in request would see them; ``None`` for a leaver or a
    person the directory does not know."""
    loaders = build_loaders(upstreams, settings, lambda: guid, StaleSources())
    person = await loaders.directory.person.load(guid)
    if person is None or person.is_leaver(datetime.now(UTC)):
        return None
    return Recipient(person, loaders, build_scope(person, loaders, upstreams.social, policy))


async def read_digest(recipient: Recipient, period: Period) -> Digest:
    """The recipient's unread notifications made in ``period`` that they may read now."""
    found: list[Notification] = []
    before: int | None = None
    for _ in range(MAX_PAGES):
        page = await recipient.scope.notifications.page(before=before, limit=PAGE, unread_only=True)
        found += [n for n in page.items if period.since <= n.created_at < period.until]
        if not page.more or page.end is None:
            break
        before = page.end
        if page.items and page.items[-1].created_at < period.since:
            break
    told = await asyncio.gather(*(_tell(recipient, n) for n in found))
    return Digest(recipient.person, period, [item for item in told if item is not None])


async def _tell(recipient: Recipient, notification: Notification) -> DigestItem | None:
    """The notification in words, or ``None`` when what it is about is out of sight."""
    scope, directory = recipient.scope, recipient.loaders.directory
    actor_record = await directory.person.load(notification.actor) if notification.actor else None
    actor = actor_record.display_name if actor_record else "Someone"
    kind = notification.kind

    def item(headline: str, target: str | None, excerpt: str | None = None) -> DigestItem:
        return DigestItem(notification.id, kind, headline, excerpt, notification.created_at, target)

    if kind in ("report_filed", "report_outcome"):
        report = (
            await scope.moderation.report(notification.report_id)
            if notification.report_id
            else None
        )
        if report is None:
            return None
        if kind == "report_filed":
            return item("A new report waits in the moderation queue", None)
        outcome = {"hidden": "the item was hidden", "dismissed": "no action was needed"}
        return item(f"Your report was decided: {outcome.get(report.status, 'it was closed')}", None)
    if kind == "new_follower":
        target = global_id("Person", notification.actor) if notification.actor else None
        return item(f"{actor} started following you", target)
    event = (
        await scope.activity.event(notification.activity_id)
        if notification.activity_id is not None
        else None
    )
    if event is None:
        return None
    if kind == "endorsement":
        return item(f"{actor} endorsed your skill \u201c{event.object_id}\u201d", None)
    where, target = await _where(recipient, event)
    if where is None:
        return None
    if event.object_kind == "comment":
        comment = await scope.comments.comment(event.object_id)
        if comment is None or comment.deleted_at or comment.hidden_at:
            return None
        excerpt = _excerpt(comment.body)
        verbs: dict[str, Callable[[], str]] = {
            "mention": lambda: f"{actor} mentioned you in a comment on {where}",
            "reply": lambda: f"{actor} {_verb(event)} on {where}",
            "reaction": lambda: f"{actor} reacted to your comment on {where}",
        }
        headline = verbs.get(kind, lambda: f"{actor} {_verb(event)} on {where}")()
        return item(headline, global_id("Comment", comment.id), excerpt)
    if kind == "document_changed" or event.object_kind == "document":
        verb = "reacted to" if event.verb == "reacted" else event.verb.replace("_", " ")
        return item(f"{actor} {verb} {where}", target)
    if kind == "reaction":
        return item(f"{actor} reacted to your post on {where}", target)
    return item(f"{actor}: new activity on {where}", target)


async def _where(recipient: Recipient, event: ActivityEvent) -> tuple[str | None, str | None]:
    """What an event is about, in words, and its global id; ``(None, None)`` when the
    recipient may not see it."""
    path = event.document or (event.object_id if event.object_kind == "document" else None)
    if path is None and event.target_kind == "document":
        path = event.target_id
    if path is not None:
        record = await recipient.scope.documents.get(path)
        if record is None:
            return None, None
        return record.title or record.name, global_id("Document", record.path)
    if event.target_kind == "person" and event.target_id:
        person = await recipient.loaders.directory.person.load(event.target_id)
        if person is None:
            return "a profile", None
        if person.guid == recipient.person.guid:
            return "your profile", global_id("Person", person.guid)
        return f"{person.display_name}\u2019s profile", global_id("Person", person.guid)
    return "a post", None


def _verb(event: ActivityEvent) -> str:
    return "replied" if event.verb == "replied" else "commented"


def _excerpt(body: str) -> str:
    text = _SPACES.sub(" ", body).strip()
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "\u2026"


def gate_policy(settings: Settings) -> GatePolicy:
    """The access gate's settings, as the web process builds them (for the CLI)."""
    access_file = settings.documents.access_file
    readers_from = settings.documents.readers_from
    access = (
        FolderAccess.from_file(access_file, readers_from=readers_from)
        if access_file
        else FolderAccess({}, readers_from=readers_from)
    )
    return GatePolicy(
        access=access,
        moderator_groups=frozenset(g.casefold() for g in settings.social.moderator_groups),
        fallback_moderator_groups=frozenset(
            g.casefold() for g in settings.social.fallback_moderator_groups
        ),
    )
