"""Follows the directory's change feed and drops what changed from the record cache.

Joiners, movers and leavers then show before cached records would have expired.
For each changed person the records cached under their old and new identities
(GUID, DN, UPN, account name) are dropped, with the direct-report lists of their
old and new managers and the whole-directory search results; group membership
and narrower searches follow their own (short) TTLs. The first round only takes
a checkpoint; a failing directory is logged and tried again from the same one.
"""

from __future__ import annotations

from connectors.directory import DirectoryConnector, DirectoryPerson, normalise_dn

from .cache import RecordCache
from .loaders import PHOTO_HOLDER_KIND


class DirectorySync:
    """Reads ``directory.changes_since``, a round per ``poll`` (``gateway.background``
    runs them every ``directory.sync_interval`` seconds)."""

    def __init__(self, directory: DirectoryConnector, cache: RecordCache) -> None:
        self.directory = directory
        self.cache = cache
        self.checkpoint: str | None = None
        self.changed = 0  # people whose cached records were dropped, for tests and metrics

    async def poll(self) -> int:
        """One round; returns how many changed people were dropped from the cache."""
        if self.checkpoint is None:
            self.checkpoint = await self.directory.change_checkpoint()
            return 0
        changes = await self.directory.changes_since(self.checkpoint)
        await self.forget(changes.people, changes.removed)
        self.checkpoint = changes.checkpoint  # only once the cache has let go
        self.changed += len(changes.people) + len(changes.removed)
        return len(changes.people) + len(changes.removed)

    async def forget(self, people: list[DirectoryPerson], removed: list[str]) -> None:
        guids = [p.guid.lower() for p in people] + [g.lower() for g in removed]
        if not guids:
            return
        before = await self.cache.get_many("person", guids, DirectoryPerson)
        versions = [e.record for e in before if e is not None and e.record is not None]
        keys: dict[str, set[str]] = {
            k: set() for k in ("person-dn", "person-upn", "person-account", "reports")
        }
        for person in [*versions, *people]:
            keys["person-dn"].add(normalise_dn(person.dn))
            if person.upn:
                keys["person-upn"].add(person.upn.lower())
            if person.account_name:
                keys["person-account"].add(person.account_name.lower())
            if person.manager_dn:
                keys["reports"].add(normalise_dn(person.manager_dn))
        await self.cache.delete("person", guids)
        await self.cache.delete("photo", guids)  # gateway.photos keeps them by GUID
        await self.cache.delete(PHOTO_HOLDER_KIND, guids)  # the has_photo loader's, by GUID
        for kind, values in keys.items():
            await self.cache.delete(kind, sorted(values))
        await self.cache.delete("people-search", ["0|", "1|"])
