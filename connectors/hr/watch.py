"""Follows an HR source's change feed in the background and hands each batch on.

The gateway uses it to drop changed HR records from its cache, so a mover's new
job or grade shows before the cached record would have expired. The first
checkpoint is taken without reading every record (:meth:`HRSource.checkpoint_now`);
a failing HR system is logged and tried again at the next interval, from the
same checkpoint, so nothing is missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from .errors import HRError
from .source import HRChanges, HRCheckpoint, HRSource

log = logging.getLogger(__name__)


class HRChangeWatcher:
    """Polls ``source.changes_since`` every ``interval`` seconds."""

    def __init__(
        self,
        source: HRSource,
        on_changes: Callable[[HRChanges], Awaitable[None]],
        *,
        interval: float,
    ) -> None:
        self.source = source
        self.interval = interval
        self.checkpoint: HRCheckpoint | None = None
        self.polls = 0
        self._on_changes = on_changes
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="townhall-hr-changes")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def poll(self) -> HRChanges | None:
        """One round: the changes since the last checkpoint (``None`` on the first round,
        which only takes the checkpoint)."""
        if self.checkpoint is None:
            self.checkpoint = await self.source.checkpoint_now()
            return None
        changes = await self.source.changes_since(self.checkpoint)
        if changes.records or changes.removed or changes.resync:
            await self._on_changes(changes)
        self.checkpoint = changes.checkpoint  # only once the changes were handed on
        self.polls += 1
        return changes

    async def _run(self) -> None:
        while True:
            try:
                await self.poll()
            except HRError as exc:
                log.warning("following HR changes failed (%s); trying again later", exc.reason)
            except Exception:
                log.exception("following HR changes failed unexpectedly")
            await asyncio.sleep(self.interval)
