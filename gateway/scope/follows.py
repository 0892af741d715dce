"""Follows and profiles through the gate. A document is followed, counted and listed
only for viewers who may read it; people, groups and tags are open to every viewer.
Profiles are about no document: read anyone's, change one's own."""

from __future__ import annotations

from collections.abc import Sequence

from connectors.social import Follow, ItemNotFound, ProfileField, ProfileTag
from connectors.social.digests import DigestLedger
from schema.scope import Scanned

from .gate import NOT_FOUND, Gate


class FollowGate:
    """``schema.scope.FollowReader`` for one viewer."""

    def __init__(self, gate: Gate) -> None:
        self._gate = gate

    async def count(self, kind: str, key: str) -> int:
        if kind == "document" and not await self._gate.may_read(key):
            return 0
        return await self._gate.counts.follower_count.load((kind, key))

    async def viewer_follows(self, kind: str, key: str) -> bool:
        if kind == "document" and not await self._gate.may_read(key):
            return False
        return await self._gate.counts.viewer_follows.load((kind, key))

    async def choices(self, kind: str, keys: Sequence[str]) -> dict[str, bool]:
        if kind == "document":
            readable = await self._gate.readable(keys)
            keys = [k for k in keys if k in readable]
        if not keys:
            return {}
        return await self._gate.store.follow_choices(self._gate.viewer.guid, kind, keys)

    async def followers(
        self, kind: str, key: str, *, first: int, after: int | None
    ) -> list[Follow]:
        if kind == "document" and not await self._gate.may_read(key):
            return []
        return await self._gate.store.followers(kind, key, first=first, after=after)

    async def following(
        self, person: str, kind: str, *, first: int, after: int | None
    ) -> Scanned[Follow]:
        rows = await self._gate.store.following(person, kind, first=first + 1, after=after)
        page = rows[:first]
        shown = page
        if kind == "document":
            readable = await self._gate.readable(r.target for r in page)
            shown = [r for r in page if r.target in readable]
        return Scanned(items=shown, end=page[-1].id if page else None, more=len(rows) > first)

    async def following_count(self, person: str, kind: str) -> int:
        if kind == "document":
            return len(await self._gate.readable(await self._gate.totals.followed(person, kind)))
        if kind == "person":
            return await self._gate.directory.following_count.load(person)
        [count] = await self._gate.store.following_counts(kind, [person])
        return count

    async def follow(self, kind: str, key: str, *, notify: bool | None) -> bool:
        document = await self._document(kind, key)
        return await self._gate.store.follow(
            self._gate.viewer.guid, kind, key, notify=notify, document=document
        )

    async def unfollow(self, kind: str, key: str) -> bool:
        await self._document(kind, key)
        return await self._gate.store.unfollow(self._gate.viewer.guid, kind, key)

    async def _document(self, kind: str, key: str) -> str | None:
        if kind != "document":
            return None
        if not await self._gate.may_read(key):
            raise ItemNotFound(NOT_FOUND)
        return key


class ProfileGate:
    """``schema.scope.ProfileReader`` for one viewer."""

    def __init__(self, gate: Gate) -> None:
        self._gate = gate

    async def fields(self, person: str) -> dict[str, ProfileField]:
        return await self._gate.social.profile_fields.load(person)

    async def tags(self, kind: str, person: str) -> list[ProfileTag]:
        return await self._gate.social.profile_tags.load((kind, person))

    async def endorsements(self, person: str) -> dict[str, list[str]]:
        return await self._gate.store.endorsements_of(person)

    async def set_field(self, name: str, value: str | None) -> bool:
        return await self._gate.store.set_profile_field(self._gate.viewer.guid, name, value)

    async def set_tags(self, kind: str, tags: Sequence[str]) -> list[str]:
        return await self._gate.store.set_profile_tags(self._gate.viewer.guid, kind, tags)

    async def endorse(self, person: str, skill: str) -> bool:
        return await self._gate.store.endorse(self._gate.viewer.guid, person, skill)

    async def unendorse(self, person: str, skill: str) -> bool:
        return await self._gate.store.unendorse(self._gate.viewer.guid, person, skill)

    async def digest_frequency(self) -> str | None:
        return await DigestLedger(self._gate.store).frequency_of(self._gate.viewer.guid)

    async def set_digest_frequency(self, frequency: str) -> bool:
        ledger = DigestLedger(self._gate.store)
        return await ledger.set_frequency(self._gate.viewer.guid, frequency)
