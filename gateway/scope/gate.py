"""The access gate's core: what one viewer may read, judged in one place.

The document rule (the folder access map, or the store's own readers, over a person's
directory groups: ``FolderAccess.may_read_record``) is applied here and nowhere else.
An item is judged by the document it is about: a document by itself, an activity
event, comment, reaction, report or notification by the document it names (the store
records one on every row about a document). Whatever is about no document is seen by
every signed-in person. Moderation adds one rule: a report is for the moderators who may
open its item, or, when none of them may, for the fallback moderators who may.

Every reader in ``gateway.scope`` asks a ``Gate``; the gate reads the raw loaders,
which are per request (DataLoaders), so each judgement costs one batch per source.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from connectors.directory import DirectoryPerson
from connectors.documents import DocumentRecord, FolderAccess
from connectors.social import ActivityEvent, Comment, ItemNotFound, SocialStore
from connectors.social.counts import StoreCounts
from schema.context import Loaders, Policy

from ..loaders import CountLoaders, DocumentLoaders, RequestLoaders
from .store_loaders import StoreLoaders

NOT_FOUND = "no such item, or the viewer may not see it"
K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class GatePolicy:
    """The access settings the gate enforces (group names casefolded)."""

    access: FolderAccess
    moderator_groups: frozenset[str]
    fallback_moderator_groups: frozenset[str] = frozenset()
    # (viewer GUID, document path) -> signed URL streaming its content; None: no downloads
    document_url: Callable[[str, str], str] | None = None

    @classmethod
    def of(cls, policy: Policy, fallback_moderator_groups: Iterable[str] = ()) -> GatePolicy:
        return cls(
            access=policy.document_access,
            moderator_groups=policy.moderator_groups,
            fallback_moderator_groups=frozenset(g.casefold() for g in fallback_moderator_groups),
            document_url=policy.document_url,
        )


def forget(loader: DataLoader[K, Any], key: K) -> None:
    """Drop a key this request may have read before a write changed it."""
    with contextlib.suppress(KeyError):  # never read in this request
        loader.clear(key)


def event_document(event: ActivityEvent) -> str | None:
    """The document an event is about (rows written before 0008 may name it only as
    their object or target)."""
    if event.document:
        return event.document
    if event.object_kind == "document":
        return event.object_id
    return event.target_id if event.target_kind == "document" else None


def comment_document(comment: Comment) -> str | None:
    return comment.document or (comment.target if comment.target_kind == "document" else None)


class Gate:
    """One request's judge: ``viewer``'s right to read, over that request's loaders."""

    def __init__(
        self,
        viewer: DirectoryPerson,
        loaders: RequestLoaders,
        store: SocialStore,
        policy: GatePolicy,
    ) -> None:
        self.viewer = viewer
        self.directory: Loaders = loaders.directory
        self.documents: DocumentLoaders = loaders.documents
        self.counts: CountLoaders = loaders.counts
        self.store = store
        self.policy = policy
        self._social: StoreLoaders | None = None
        # Verdicts of this request, by path: a page asks about the same few documents for
        # every field (counts, reactions, comments), and a verdict is a dict lookup.
        self._verdicts: dict[str, bool] = {}
        self._names: list[str] | None = None  # the viewer's groups, once read
        self.totals = StoreCounts(store)

    @property
    def social(self) -> StoreLoaders:
        """This request's social-store loaders, made on first use (most requests need none)."""
        if self._social is None:
            self._social = StoreLoaders.over(self.store, self.viewer.guid)
        return self._social

    # -- documents -----------------------------------------------------------------------

    def _allows(self, record: DocumentRecord | None, groups: Sequence[str]) -> bool:
        """The document rule: the one place it is applied."""
        return record is not None and self.policy.access.may_read_record(record, groups)

    async def group_names(self, person: DirectoryPerson) -> list[str]:
        return [g.name for g in await self.directory.groups.load(person.dn)]

    async def judge(self, records: Sequence[DocumentRecord | None]) -> list[DocumentRecord | None]:
        """The same list with every document the viewer may not read replaced by ``None``."""
        if all(r is None for r in records):
            return list(records)
        if self._names is None:
            self._names = await self.group_names(self.viewer)
        judged: list[DocumentRecord | None] = []
        for record in records:
            allowed = self._allows(record, self._names)
            if record is not None:
                self._verdicts[record.path] = allowed
            judged.append(record if allowed else None)
        return judged

    def judged(self, path: str) -> bool:
        """Whether this request's gate already let the viewer read ``path`` (a record it
        returned): answered without waiting, for fields of a document already shown."""
        return self._verdicts.get(path, False)

    async def readable(self, paths: Iterable[str | None]) -> set[str]:
        """Which of ``paths`` the viewer may read; missing ones never."""
        wanted = {p for p in paths if p}
        unknown = sorted(p for p in wanted if p not in self._verdicts)
        if unknown:
            records = await self.judge(await self.documents.document.load_many(unknown))
            for path, record in zip(unknown, records, strict=True):
                self._verdicts[path] = record is not None and record.path == path
        return {p for p in wanted if self._verdicts[p]}

    async def readable_total(self, by_document: Mapping[str | None, int]) -> int:
        """The sum of counts kept per document (None: about none) over the documents the
        viewer may read: what they may not read is not counted."""
        readable = await self.readable(by_document)
        return sum(n for d, n in by_document.items() if d is None or d in readable)

    async def may_read(self, document: str | None) -> bool:
        """Whether the viewer may see an item about ``document`` (None: about none)."""
        if document is None:
            return True
        verdict = self._verdicts.get(document)
        return verdict if verdict is not None else document in await self.readable([document])

    async def readers(
        self, people: Sequence[DirectoryPerson], document: str | None
    ) -> list[DirectoryPerson]:
        """Those of ``people`` who may read ``document`` (all of them for None)."""
        if document is None or not people:
            return list(people)
        record = await self.documents.document.load(document)
        if record is None:
            return []
        groups = await self.directory.groups.load_many([p.dn for p in people])
        return [
            p for p, found in zip(people, groups, strict=True)
            if self._allows(record, [g.name for g in found])
        ]  # fmt: skip

    # -- items about documents ------------------------------------------------------------

    async def events(self, events: Sequence[ActivityEvent]) -> list[ActivityEvent]:
        """The events the viewer may see, in order."""
        readable = await self.readable(event_document(e) for e in events)
        return [e for e in events if (d := event_document(e)) is None or d in readable]

    async def event(self, event_id: int) -> ActivityEvent | None:
        found = await self.social.event.load(event_id)
        return found if found is not None and await self.events([found]) else None

    async def comments(self, comments: Sequence[Comment]) -> list[Comment]:
        """The comments the viewer may see, in order."""
        readable = await self.readable(comment_document(c) for c in comments)
        return [c for c in comments if (d := comment_document(c)) is None or d in readable]

    async def comment(self, comment_id: str) -> Comment | None:
        found = await self.social.comment.load(comment_id)
        return found if found is not None and await self.comments([found]) else None

    async def visible(self, kind: str, key: str) -> tuple[bool, str | None]:
        """Whether an item (a person's profile, a document, an activity item, a comment)
        is there for the viewer, and the document it is about."""
        if kind == "person":
            return await self.directory.person.load(key) is not None, None
        if kind == "document":
            return await self.may_read(key), key
        if kind == "activity":
            event = await self.event(int(key)) if key.isdigit() else None
            return event is not None, event_document(event) if event else None
        if kind == "comment":
            comment = await self.comment(key)
            return comment is not None, comment_document(comment) if comment else None
        return False, None

    async def target(self, kind: str, key: str) -> str | None:
        """The document of an item the viewer may see, for a write; ``ItemNotFound`` if
        it is missing or they may not see it."""
        seen, document = await self.visible(kind, key)
        if not seen:
            raise ItemNotFound(NOT_FOUND)
        return document

    async def notify_readers(self, guids: Sequence[str], document: str | None) -> list[str]:
        """Those of ``guids`` (people) who may see an item about ``document``."""
        if document is None:
            return list(guids)
        people = [p for p in await self.directory.person.load_many(list(guids)) if p]
        return [p.guid for p in await self.readers(people, document)]

    # -- moderation -----------------------------------------------------------------------

    async def in_groups(self, groups: frozenset[str]) -> bool:
        """Whether the viewer is in one of ``groups`` (casefolded names)."""
        if not groups:
            return False
        return any(n.casefold() in groups for n in await self.group_names(self.viewer))

    async def members(self, groups: frozenset[str]) -> list[DirectoryPerson]:
        """Everyone in ``groups`` (nested included) who is not a leaver, by GUID."""
        if not groups:
            return []
        found = await self.directory.group_by_name.load_many(sorted(groups))
        members = await self.directory.group_members.load_many(
            [g.dn for g in found if g is not None]
        )
        guids = sorted({guid for listed in members for guid in listed})
        people = await self.directory.person.load_many(guids)
        now = datetime.now(UTC)
        return [p for p in people if p is not None and not p.is_leaver(now)]

    async def moderators_of(self, document: str | None) -> list[DirectoryPerson]:
        """Who moderates items about ``document``: the moderators who may open it, else
        the fallback moderators who may."""
        moderators = await self.readers(await self.members(self.policy.moderator_groups), document)
        if moderators:
            return moderators
        fallback = await self.members(self.policy.fallback_moderator_groups)
        return await self.readers(fallback, document)

    async def may_moderate(self, document: str | None) -> bool:
        """Whether the viewer moderates items about ``document``."""
        if not await self.may_read(document):
            return False
        if await self.in_groups(self.policy.moderator_groups):
            return True
        if not await self.in_groups(self.policy.fallback_moderator_groups):
            return False
        moderators = await self.members(self.policy.moderator_groups)
        return not await self.readers(moderators, document)
