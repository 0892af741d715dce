"""Connection handling against the real Samba AD DC: operation timeouts on a stalled server
(SIGSTOP), a socket that accepts and never answers, a refused port, a bounded pool, and an
event loop that keeps running while the directory is slow.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from servers import Council
from servers.samba import SambaDC

from connectors.directory import (
    DirectoryConnector,
    DirectoryTimeout,
    DirectoryUnavailable,
    LdapOptions,
    open_ldap,
)

pytestmark = pytest.mark.samba


def options(samba: SambaDC, **overrides: Any) -> LdapOptions:
    """Short timeouts: these tests wait for them to fire."""
    return samba.ldap_options(**{"connect_timeout": 1, "operation_timeout": 1, **overrides})


@pytest.fixture
async def directory(samba: SambaDC) -> AsyncIterator[DirectoryConnector]:
    connector = open_ldap(options(samba))
    yield connector
    await connector.close()


class Ticker:
    """Measures the longest gap between 10 ms ticks of the event loop."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.01)
            now = time.monotonic()
            self.longest = max(self.longest, now - last)
            last = now

    def __enter__(self) -> Ticker:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


@pytest.fixture
def stalled(samba: SambaDC) -> Iterator[None]:
    """Samba frozen with SIGSTOP (its sockets stay open, nothing answers); resumed after."""
    assert samba.pid is not None
    os.killpg(samba.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(samba.pid, signal.SIGCONT)


async def test_a_stalled_server_times_out_without_blocking_the_loop(
    samba: SambaDC, directory: DirectoryConnector, request: pytest.FixtureRequest
) -> None:
    [warm] = await directory.people_by("account_name", ["priya.shah"])  # a pooled connection
    assert warm is not None
    request.getfixturevalue("stalled")
    with Ticker() as ticker:
        started = time.monotonic()
        with pytest.raises(DirectoryTimeout):
            await directory.people_by("account_name", ["priya.shah"])  # on the open connection
        with pytest.raises(DirectoryTimeout):
            await directory.people_by("account_name", ["alex.morgan"])  # a new one: TLS stalls
        elapsed = time.monotonic() - started
    assert elapsed < 20  # two 1 s timeouts, not retried; a stopped server never answers
    assert ticker.longest < 0.5  # the loop kept running throughout (a timeout is 1 s)
    os.killpg(samba.pid or 0, signal.SIGCONT)
    [again] = await directory.people_by("account_name", ["priya.shah"])
    assert again == warm


async def test_a_socket_that_never_answers_times_out(samba: SambaDC) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel accepts; nothing ever reads or writes
        port = silent.getsockname()[1]
        for url, extra in (
            (f"ldaps://127.0.0.1:{port}", {}),
            (f"ldap://127.0.0.1:{port}", {"allow_plain": True}),
        ):
            connector = open_ldap(options(samba, url=url, **extra))
            try:
                started = time.monotonic()
                with pytest.raises(DirectoryTimeout):
                    await connector.people_by("account_name", ["priya.shah"])
                assert time.monotonic() - started < 15  # the socket never answers at all
            finally:
                await connector.close()


async def test_a_refused_port_is_unavailable_not_a_timeout(samba: SambaDC) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: connections are refused
        connector = open_ldap(options(samba, url=f"ldaps://127.0.0.1:{port}"))
        try:
            with pytest.raises(DirectoryUnavailable) as caught:
                await connector.people_by("account_name", ["priya.shah"])
            assert not isinstance(caught.value, DirectoryTimeout)
            assert "127.0.0.1" not in str(caught.value)
        finally:
            await connector.close()


async def test_a_stopped_server_is_unavailable_then_recovers(samba: SambaDC) -> None:
    connector = open_ldap(options(samba, operation_timeout=5))
    samba.stop()
    try:
        with pytest.raises(DirectoryUnavailable):
            await connector.people_by("account_name", ["priya.shah"])
    finally:
        samba.start()
    try:
        [found] = await connector.people_by("account_name", ["priya.shah"])
        assert found is not None
    finally:
        await connector.close()


async def test_the_pool_is_bounded(samba: SambaDC, council: Council) -> None:
    connector = open_ldap(options(samba, pool_size=3, operation_timeout=10))
    names = [p["sAMAccountName"] for p in council.people if p["hasAd"]][:24]
    try:
        found = await asyncio.gather(*(connector.people_by("account_name", [n]) for n in names))
    finally:
        await connector.close()
    assert [f[0].account_name if f[0] else None for f in found] == names
    assert connector.pool.most_busy == 3  # all slots used, never more
    assert connector.pool.opened <= 3


async def test_a_big_search_does_not_block_the_loop(directory: DirectoryConnector) -> None:
    with Ticker() as ticker:
        everyone = await directory.search_people(None, include_leavers=True)
    assert len(everyone) > 1500
    assert ticker.longest < 0.5  # run on the loop, the search would hold it for seconds
