"""Reports and moderators' decisions through the gate.

A report is for the moderators who may open the reported item: a moderator who may not
read a document never sees a report on anything about it (not its reason, not who
filed it) and cannot decide it. A report on an item no member of the moderator groups
may open goes to the members of the fallback moderator groups who may. Filing a report
tells exactly those moderators; a reporter sees their own reports while they may still
see the item.
"""

from __future__ import annotations

from connectors.social import ItemNotFound, Report, Written

from .gate import NOT_FOUND, Gate, forget


class ModerationGate:
    """``schema.scope.ModerationReader`` for one viewer."""

    def __init__(self, gate: Gate) -> None:
        self._gate = gate

    async def is_moderator(self) -> bool:
        policy = self._gate.policy
        return await self._gate.in_groups(policy.moderator_groups) or await self._gate.in_groups(
            policy.fallback_moderator_groups
        )

    async def may_moderate(self, document: str | None) -> bool:
        return await self._gate.may_moderate(document)

    async def queue(self, first: int) -> list[Report]:
        store = self._gate.store
        documents = await store.open_report_documents()
        mine = [d for d in documents if await self._gate.may_moderate(d)]
        return await store.open_reports(first=first, documents=mine)

    async def mine(self, first: int) -> list[Report]:
        found = await self._gate.store.reports_by(self._gate.viewer.guid, first=first)
        readable = await self._gate.readable(r.document for r in found)
        return [r for r in found if r.document is None or r.document in readable]

    async def report(self, report_id: str) -> Report | None:
        found = await self._gate.social.report.load(report_id)
        if found is None:
            return None
        if found.reporter == self._gate.viewer.guid and await self._gate.may_read(found.document):
            return found
        return found if await self._gate.may_moderate(found.document) else None

    async def file(self, kind: str, item_id: str, reason: str, *, key: str | None) -> Written:
        gate = self._gate
        document = await gate.target(kind, item_id)
        moderators = await gate.moderators_of(document)
        written = await gate.store.report(
            gate.viewer.guid, kind, item_id, reason, key=key,
            moderators=[m.guid for m in moderators],
        )  # fmt: skip
        forget(gate.social.report, written.id)
        return written

    async def decide(self, report_id: str, outcome: str, note: str | None) -> int:
        gate = self._gate
        found = await gate.social.report.load(report_id)
        if found is None or not await gate.may_moderate(found.document):
            raise ItemNotFound(NOT_FOUND)
        settled = await gate.store.decide(gate.viewer.guid, report_id, outcome, note)
        forget(gate.social.report, report_id)
        if found.item_kind == "comment":  # a hidden comment reads afresh
            forget(gate.social.comment, found.item_id)
        return settled
