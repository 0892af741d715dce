"""Comments and reactions through the gate: read and written only on items the viewer
may see. A comment is judged by the document its thread lives under; a write judges
its target first, and its @mentions notify only people who may see the item."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from connectors.social import (
    Comment,
    CommentLimits,
    CommentText,
    ItemNotFound,
    Revision,
    TopicSignals,
    Written,
)
from schema.scope import ThreadCursor

from .gate import NOT_FOUND, Gate, comment_document, forget


class CommentGate:
    """``schema.scope.CommentReader`` for one viewer."""

    def __init__(self, gate: Gate) -> None:
        self._gate = gate

    async def comment(self, comment_id: str) -> Comment | None:
        return await self._gate.comment(comment_id)

    async def thread(
        self, kind: str, target: str, *, first: int, after: ThreadCursor | None
    ) -> list[Comment]:
        if not (await self._gate.visible(kind, target))[0]:
            return []
        if after is None:  # a first page: batched across the page's items
            rows = await self._gate.social.thread_start.load((kind, target, first))
        else:
            rows = await self._gate.store.thread(kind, target, first=first, after=after)
        return await self._gate.comments(rows)

    async def live(self, kind: str, target: str, *, limit: int) -> list[Comment]:
        if not (await self._gate.visible(kind, target))[0]:
            return []
        return await self._gate.comments(
            await self._gate.store.comments_on(kind, target, limit=limit)
        )

    async def count(self, kind: str, target: str) -> int:
        if not (await self._gate.visible(kind, target))[0]:
            return 0
        return await self._gate.counts.comment_count.load((kind, target))

    async def thread_count(self, kind: str, target: str) -> int:
        # Every comment of a thread is about the item's one document: judged once.
        if not (await self._gate.visible(kind, target))[0]:
            return 0
        return await self._gate.social.thread_count.load((kind, target))

    async def replies(self, comment_id: str) -> list[Comment]:
        if await self._gate.comment(comment_id) is None:
            return []
        return await self._gate.comments(await self._gate.social.replies.load(comment_id))

    async def links(self, comment_id: str) -> tuple[list[str], list[str]]:
        if await self._gate.comment(comment_id) is None:
            return [], []
        return await self._gate.social.comment_links.load(comment_id)

    async def unreached(self, comment_id: str, people: Sequence[str]) -> list[str]:
        found = await self._gate.comment(comment_id)
        if found is None or not people:
            return []
        readers = set(await self._gate.notify_readers(people, comment_document(found)))
        return [p for p in people if p not in readers]

    async def revisions(self, comment_id: str) -> list[Revision]:
        if await self._gate.comment(comment_id) is None:
            return []
        return await self._gate.store.revisions(comment_id)

    async def topic_signals(self, tag: str, documents: Sequence[str]) -> TopicSignals:
        readable = sorted(await self._gate.readable(documents))
        found = await self._gate.store.topic_signals(tag, readable)
        on_items = await self._gate.readable(doc for _, doc in found.tagged_comments)
        return TopicSignals(
            declared=found.declared,
            interested=found.interested,
            tagged_comments={
                (author, doc): n
                for (author, doc), n in found.tagged_comments.items()
                if doc is None or doc in on_items
            },
            document_comments=found.document_comments,  # read for readable documents only
        )

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
        gate = self._gate
        document = await gate.target(kind, target)
        notify = await gate.notify_readers(text.notify, document)
        groups = await gate.directory.groups.load(gate.viewer.dn)
        written = await gate.store.add_comment(
            gate.viewer.guid, kind, target, replace(text, notify=notify), parent_id=parent_id,
            key=key, author_groups=[g.guid for g in groups], limits=limits,
        )  # fmt: skip
        forget(gate.social.comment, written.id)
        return written

    async def edit(
        self, comment_id: str, text: CommentText, *, key: str | None, limits: CommentLimits
    ) -> Written:
        gate = self._gate
        found = await self._found(comment_id)
        document = comment_document(found)
        notify = await gate.notify_readers(text.notify, document)
        written = await gate.store.edit_comment(
            gate.viewer.guid, found.id, replace(text, notify=notify),
            moderator=await gate.may_moderate(document), key=key, limits=limits,
        )  # fmt: skip
        forget(gate.social.comment, found.id)
        return written

    async def delete(self, comment_id: str) -> bool:
        gate = self._gate
        found = await self._found(comment_id)
        moderator = await gate.may_moderate(comment_document(found))
        changed = await gate.store.delete_comment(gate.viewer.guid, found.id, moderator=moderator)
        forget(gate.social.comment, found.id)
        return changed

    async def _found(self, comment_id: str) -> Comment:
        found = await self._gate.comment(comment_id)
        if found is None:
            raise ItemNotFound(NOT_FOUND)
        return found


class ReactionGate:
    """``schema.scope.ReactionReader`` for one viewer."""

    def __init__(self, gate: Gate) -> None:
        self._gate = gate

    async def counts(self, kind: str, target: str) -> dict[str, int]:
        if not (await self._gate.visible(kind, target))[0]:
            return {}
        return await self._gate.social.reactions.load((kind, target))

    async def mine(self, kind: str, target: str) -> set[str]:
        if not (await self._gate.visible(kind, target))[0]:
            return set()
        return await self._gate.social.my_reactions.load((kind, target))

    async def react(self, kind: str, target: str, reaction: str) -> bool:
        await self._gate.target(kind, target)
        changed = await self._gate.store.react(self._gate.viewer.guid, kind, target, reaction)
        self._forget(kind, target)
        return changed

    async def unreact(self, kind: str, target: str, reaction: str) -> bool:
        await self._gate.target(kind, target)
        changed = await self._gate.store.unreact(self._gate.viewer.guid, kind, target, reaction)
        self._forget(kind, target)
        return changed

    def _forget(self, kind: str, target: str) -> None:
        """After a write, this request reads the item's reactions afresh."""
        forget(self._gate.social.reactions, (kind, target))
        forget(self._gate.social.my_reactions, (kind, target))
