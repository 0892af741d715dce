"""Activity feeds and notifications through the gate: every event and notification
about a document the viewer may not read is left out, and never counted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from connectors.social import ActivityEvent, Notification
from schema.scope import Scanned

from .gate import Gate


class ActivityGate:
    """``schema.scope.ActivityReader`` for one viewer."""

    def __init__(self, gate: Gate) -> None:
        self._gate = gate

    async def event(self, event_id: int) -> ActivityEvent | None:
        return await self._gate.event(event_id)

    async def person_feed(
        self, person: str, *, before: int | None, limit: int
    ) -> Scanned[ActivityEvent]:
        return await self._shown(
            await self._gate.store.person_feed(person, before=before, limit=limit), limit
        )

    async def document_feed(
        self, path: str, *, before: int | None, limit: int
    ) -> Scanned[ActivityEvent]:
        if not await self._gate.may_read(path):
            return Scanned(items=[], end=None, more=False)
        return await self._shown(
            await self._gate.store.document_feed(path, before=before, limit=limit), limit
        )

    async def tag_feed(self, tag: str, *, before: int | None, limit: int) -> Scanned[ActivityEvent]:
        return await self._shown(
            await self._gate.store.tag_feed(tag, before=before, limit=limit), limit
        )

    async def home_feed(
        self, team: Sequence[str], *, before: int | None, limit: int
    ) -> Scanned[ActivityEvent]:
        viewer = self._gate.viewer.guid
        return await self._shown(
            await self._gate.store.home_feed(viewer, team, before=before, limit=limit), limit
        )

    async def person_feed_count(self, person: str) -> int:
        return await self._gate.readable_total(
            await self._gate.social.person_feed_count.load(person)
        )

    async def document_feed_count(self, path: str) -> int:
        if not await self._gate.may_read(path):
            return 0
        return await self._gate.social.document_feed_count.load(path)

    async def tag_feed_count(self, tag: str) -> int:
        return await self._gate.readable_total(await self._gate.totals.tag_feed(tag))

    async def home_feed_count(self, team: Sequence[str]) -> int:
        viewer = self._gate.viewer.guid
        return await self._gate.readable_total(await self._gate.totals.home_feed(viewer, team))

    async def _shown(self, events: list[ActivityEvent], limit: int) -> Scanned[ActivityEvent]:
        return Scanned(
            items=await self._gate.events(events),
            end=events[-1].id if events else None,
            more=len(events) >= limit,
        )


class NotificationGate:
    """``schema.scope.NotificationReader`` for one viewer."""

    def __init__(self, gate: Gate) -> None:
        self._gate = gate

    async def page(
        self, *, before: int | None, limit: int, unread_only: bool
    ) -> Scanned[Notification]:
        rows = await self._gate.store.notifications_for(
            self._gate.viewer.guid, before=before, limit=limit, unread_only=unread_only
        )
        return Scanned(
            items=await self._shown(rows),
            end=rows[-1].id if rows else None,
            more=len(rows) >= limit,
        )

    async def between(self, since: datetime, until: datetime, *, limit: int) -> list[Notification]:
        rows = await self._gate.store.notifications_for(
            self._gate.viewer.guid, before=None, limit=limit, since=since, until=until
        )
        return await self._shown(rows)

    async def unread_count(self) -> int:
        by_document = await self._gate.store.unread_by_document(self._gate.viewer.guid)
        readable = await self._gate.readable(by_document)
        return sum(n for doc, n in by_document.items() if doc is None or doc in readable)

    async def count(self, *, unread_only: bool) -> int:
        viewer = self._gate.viewer.guid
        by_document = await self._gate.totals.notifications(viewer, unread_only=unread_only)
        return await self._gate.readable_total(by_document)

    async def mark_read(self, ids: Sequence[int] | None) -> int:
        # Only notifications the viewer is shown are marked (and counted): the rest stay
        # as they were, as if they did not exist.
        viewer = self._gate.viewer.guid
        readable = await self._gate.readable(await self._gate.store.unread_by_document(viewer))
        return await self._gate.store.mark_read(viewer, ids, documents=readable)

    async def _shown(self, rows: list[Notification]) -> list[Notification]:
        readable = await self._gate.readable(r.document for r in rows)
        return [r for r in rows if r.document is None or r.document in readable]
