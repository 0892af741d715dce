"""The access gate as schema code sees it: readers scoped to the viewer.

Schema code reads documents, activity, comments, reactions, follows, notifications
and reports only through the request's ``ViewerScope`` (``Context.scope``), which the
gateway builds per request (``gateway.scope``) from the raw loaders, the viewer's
groups and the ``Policy``. Each reader judges every item by the document it is about,
in one place: a document the viewer may not read, and everything about one (its
activity, comments, reactions, follows, notifications, reports, counts), reads as
missing: ``None``, left out of a list, not counted. Writes that take a target judge it
the same way first and raise ``ItemNotFound`` (``connectors.social``) for one the
viewer may not see, exactly as for one that does not exist.

Only these types are what schema code is typed against: the raw loaders and the store
stay in the gateway (``tests/schema/test_imports.py`` keeps it so). Readers raise the
upstreams' own errors; resolvers wrap calls in ``errors.upstream`` as for any loader.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from connectors.documents import DocumentRecord
from connectors.social import (
    ActivityEvent,
    Comment,
    CommentLimits,
    CommentText,
    Follow,
    Notification,
    ProfileField,
    ProfileTag,
    Report,
    Revision,
    TopicSignals,
    Written,
)

T = TypeVar("T")
ThreadCursor = tuple[datetime, str]  # (created_at, id) of the last comment of a page


@dataclass(frozen=True, slots=True)
class Scanned(Generic[T]):
    """A stretch of a keyset-ordered source, read for the viewer: the items they may see,
    in source order, and where the read ended (past items left out, so the next page
    never reads them again)."""

    items: list[T]
    end: int | None  # key of the last row read, shown or not (None: nothing was read)
    more: bool  # the source may hold more rows past ``end``


class DocumentReader(Protocol):
    """Documents the viewer may read; any other path reads as missing."""

    async def get(self, path: str) -> DocumentRecord | None: ...

    async def many(self, paths: Sequence[str]) -> list[DocumentRecord | None]: ...

    async def readable(self, paths: Iterable[str | None]) -> set[str]:
        """Which of ``paths`` the viewer may read (missing ones never)."""
        ...

    async def in_folder(self, folder: str) -> list[DocumentRecord]:
        """Everything in ``folder`` and below it ("": the whole store), in index order."""
        ...

    async def search(self, text: str) -> list[DocumentRecord]:
        """The index's answer to ``text`` (casefolded, words joined by spaces), best first."""
        ...

    def download_url(self, path: str) -> str | None:
        """A signed link streaming the content to the viewer, for a document this reader
        returned in this request; None where the gateway serves no downloads, or for any
        other path."""
        ...


class ActivityReader(Protocol):
    """Activity events, each shown only when its document (if any) is readable."""

    async def event(self, event_id: int) -> ActivityEvent | None: ...

    async def person_feed(
        self, person: str, *, before: int | None, limit: int
    ) -> Scanned[ActivityEvent]: ...

    async def document_feed(
        self, path: str, *, before: int | None, limit: int
    ) -> Scanned[ActivityEvent]: ...

    async def tag_feed(
        self, tag: str, *, before: int | None, limit: int
    ) -> Scanned[ActivityEvent]: ...

    async def home_feed(
        self, team: Sequence[str], *, before: int | None, limit: int
    ) -> Scanned[ActivityEvent]:
        """What the viewer follows, plus ``team`` (person GUIDs)."""
        ...

    # How many aggregated items each feed holds for the viewer (what they may not see is
    # not counted); batched across the people or documents of a page.
    async def person_feed_count(self, person: str) -> int: ...

    async def document_feed_count(self, path: str) -> int: ...

    async def tag_feed_count(self, tag: str) -> int: ...

    async def home_feed_count(self, team: Sequence[str]) -> int: ...


class CommentReader(Protocol):
    """Comments on items the viewer may see, and writing them.

    Targets are (kind, key): ("person", GUID), ("document", path), ("activity", id).
    """

    async def comment(self, comment_id: str) -> Comment | None: ...

    async def thread(
        self, kind: str, target: str, *, first: int, after: ThreadCursor | None
    ) -> list[Comment]:
        """Top-level comments, oldest first (deleted and hidden ones keep their place)."""
        ...

    async def live(self, kind: str, target: str, *, limit: int) -> list[Comment]:
        """Comments neither deleted nor hidden, oldest first."""
        ...

    async def count(self, kind: str, target: str) -> int: ...

    async def thread_count(self, kind: str, target: str) -> int:
        """Top-level comments (deleted and hidden ones keep their place, so they count)."""
        ...

    async def replies(self, comment_id: str) -> list[Comment]: ...

    async def links(self, comment_id: str) -> tuple[list[str], list[str]]:
        """(#tags, mentioned person GUIDs) of a comment."""
        ...

    async def unreached(self, comment_id: str, people: Sequence[str]) -> list[str]:
        """Those of ``people`` (GUIDs) who may not see the item a comment the viewer sees
        is on: a mention never notifies them."""
        ...

    async def revisions(self, comment_id: str) -> list[Revision]: ...

    async def topic_signals(self, tag: str, documents: Sequence[str]) -> TopicSignals:
        """Who knows about ``tag``: comments on readable ``documents`` and tagged comments
        on items the viewer may see."""
        ...

    async def add(
        self,
        kind: str,
        target: str,
        text: CommentText,
        *,
        parent_id: str | None,
        key: str | None,
        limits: CommentLimits,
    ) -> Written:
        """Comment as the viewer; ``text.notify`` is cut to those who may see the item."""
        ...

    async def edit(
        self, comment_id: str, text: CommentText, *, key: str | None, limits: CommentLimits
    ) -> Written:
        """Edit as the viewer (its author, or a moderator of its item)."""
        ...

    async def delete(self, comment_id: str) -> bool:
        """Delete as the viewer (its author, or a moderator of its item)."""
        ...


class ReactionReader(Protocol):
    """Reactions to comments, activity items and documents the viewer may see."""

    async def counts(self, kind: str, target: str) -> dict[str, int]: ...

    async def mine(self, kind: str, target: str) -> set[str]: ...

    async def react(self, kind: str, target: str, reaction: str) -> bool: ...

    async def unreact(self, kind: str, target: str, reaction: str) -> bool: ...


class FollowReader(Protocol):
    """Follows of people, groups, tags and readable documents."""

    async def count(self, kind: str, key: str) -> int: ...

    async def viewer_follows(self, kind: str, key: str) -> bool: ...

    async def choices(self, kind: str, keys: Sequence[str]) -> dict[str, bool]:
        """The viewer's follows among ``keys``: key -> whether it notifies them."""
        ...

    async def followers(
        self, kind: str, key: str, *, first: int, after: int | None
    ) -> list[Follow]: ...

    async def following(
        self, person: str, kind: str, *, first: int, after: int | None
    ) -> Scanned[Follow]:
        """A page of ``first`` follows by ``person``, newest first."""
        ...

    async def following_count(self, person: str, kind: str) -> int:
        """How many follows of ``kind`` by ``person`` the viewer is shown (documents only
        when they may read them)."""
        ...

    async def follow(self, kind: str, key: str, *, notify: bool | None) -> bool: ...

    async def unfollow(self, kind: str, key: str) -> bool: ...


class NotificationReader(Protocol):
    """The viewer's notifications about what they may see; the rest are never counted."""

    async def page(
        self, *, before: int | None, limit: int, unread_only: bool
    ) -> Scanned[Notification]: ...

    async def between(
        self, since: datetime, until: datetime, *, limit: int
    ) -> list[Notification]: ...

    async def unread_count(self) -> int: ...

    async def count(self, *, unread_only: bool) -> int:
        """How many notifications the viewer is shown (or only the unread ones)."""
        ...

    async def mark_read(self, ids: Sequence[int] | None) -> int:
        """Mark these (None: all) read; how many that changed, of those shown."""
        ...


class ModerationReader(Protocol):
    """Reports and decisions, each only for moderators who may open the reported item.

    A report on an item no member of the moderator groups may open goes to the members
    of the fallback moderator groups who may (``TOWNHALL_SOCIAL__FALLBACK_MODERATOR_GROUPS``).
    """

    async def is_moderator(self) -> bool:
        """Whether the viewer moderates at all (moderator or fallback groups)."""
        ...

    async def may_moderate(self, document: str | None) -> bool:
        """Whether the viewer moderates items about ``document`` (None: about none)."""
        ...

    async def queue(self, first: int) -> list[Report]:
        """Open reports the viewer moderates, oldest first."""
        ...

    async def mine(self, first: int) -> list[Report]:
        """Reports the viewer filed, newest first."""
        ...

    async def report(self, report_id: str) -> Report | None:
        """A report its reporter or one of its moderators may see."""
        ...

    async def file(self, kind: str, item_id: str, reason: str, *, key: str | None) -> Written:
        """Report an item the viewer may see; its moderators are told."""
        ...

    async def decide(self, report_id: str, outcome: str, note: str | None) -> int:
        """Settle a report the viewer moderates; how many reports that settled."""
        ...


class ProfileReader(Protocol):
    """Profiles (about nobody's documents): read anyone's, change the viewer's own."""

    async def fields(self, person: str) -> dict[str, ProfileField]: ...

    async def tags(self, kind: str, person: str) -> list[ProfileTag]:
        """A person's tags of ``kind``: skill, interest or ask."""
        ...

    async def endorsements(self, person: str) -> dict[str, list[str]]: ...

    async def set_field(self, name: str, value: str | None) -> bool: ...

    async def set_tags(self, kind: str, tags: Sequence[str]) -> list[str]: ...

    async def endorse(self, person: str, skill: str) -> bool: ...

    async def unendorse(self, person: str, skill: str) -> bool: ...

    async def digest_frequency(self) -> str | None:
        """The viewer's own choice of email digest (``never``, ``daily``, ``weekly``), or
        ``None`` when they never chose; nobody reads another's."""
        ...

    async def set_digest_frequency(self, frequency: str) -> bool:
        """Choose the viewer's email digest; ``False`` if it already was that."""
        ...


@dataclass(frozen=True, slots=True)
class ViewerScope:
    """Everything schema code may read of documents and the social store, for one viewer."""

    documents: DocumentReader
    activity: ActivityReader
    comments: CommentReader
    reactions: ReactionReader
    follows: FollowReader
    notifications: NotificationReader
    moderation: ModerationReader
    profiles: ProfileReader
