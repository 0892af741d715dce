"""Digest rounds in the background: ``DigestScheduler`` runs a daily and a weekly round
every ``digests.check_interval`` seconds (the first a few seconds after start-up), in the
web process while ``digests.enabled`` (and later in ``townhall worker``: it needs only
the open connectors). Every instance may run it: the ledger's claims let each digest go
out once, however many instances run rounds at the same moment. A round that fails is
logged and the next one tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from ..loaders import Upstreams
from ..settings import Settings
from .content import gate_policy
from .rounds import Digests
from .unsubscribe import UnsubscribeSigner

log = logging.getLogger("townhall.digests")

FIRST_ROUND = 5.0  # seconds after start-up


class DigestScheduler:
    """Start and stop the background rounds; ``digests`` does the work."""

    def __init__(self, digests: Digests, interval: float, first: float = FIRST_ROUND) -> None:
        self.digests = digests
        self._interval = interval
        self._first = min(first, interval)
        self._task: asyncio.Task[None] | None = None
        self.rounds = 0  # rounds completed (for tests and health)

    @classmethod
    def from_settings(
        cls, settings: Settings, upstreams: Upstreams, unsubscribe: UnsubscribeSigner
    ) -> DigestScheduler:
        digests = Digests(settings, upstreams, gate_policy(settings), unsubscribe)
        return cls(digests, settings.digests.check_interval)

    def start(self) -> None:
        if self._task is None:
            if not self.digests.unsubscribe.stable:
                log.warning(
                    "digests: server.url_signing_key is not set, so unsubscribe links stop "
                    "working when this process restarts"
                )
            self._task = asyncio.create_task(self._run(), name="townhall-digests")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        await asyncio.sleep(self._first)
        while True:
            try:
                await self.digests.rounds()
            except Exception as exc:  # nothing was marked that was not sent: try again
                log.warning("digest round failed (%s); tried again next round", type(exc).__name__)
            self.rounds += 1
            await asyncio.sleep(self._interval)


@contextlib.asynccontextmanager
async def digest_rounds(
    settings: Settings, upstreams: Upstreams, unsubscribe: UnsubscribeSigner
) -> AsyncIterator[DigestScheduler | None]:
    """For the app's lifespan: background rounds while ``digests.enabled`` (the scheduler,
    else ``None``), signing links as the app's unsubscribe endpoint checks them."""
    if not settings.digests.enabled:
        yield None
        return
    scheduler = DigestScheduler.from_settings(settings, upstreams, unsubscribe)
    scheduler.start()
    try:
        yield scheduler
    finally:
        await scheduler.stop()
