"""A loopback TCP proxy that delays every request by a fixed time.

Stands between Townhall and an upstream (LDAP, SCIM, WebDAV: it does not care
which) so benchmarks and tests can give every upstream call a known round-trip
cost. Each chunk the client sends is held for ``delay`` seconds before it is
passed on; answers flow back at once.
"""

from __future__ import annotations

import asyncio
import contextlib


class LatencyProxy:
    """``127.0.0.1:<port>`` → ``target_host:target_port`` with ``delay`` seconds per request."""

    def __init__(self, target_host: str, target_port: int, delay: float) -> None:
        self.target = (target_host, target_port)
        self.delay = delay
        self.port = 0
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> LatencyProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._server.wait_closed()

    async def __aenter__(self) -> LatencyProxy:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        forward = asyncio.create_task(self._pipe(reader, up_writer, self.delay))
        backward = asyncio.create_task(self._pipe(up_reader, writer, 0.0))
        for task in (forward, backward):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await asyncio.wait({forward, backward}, return_when=asyncio.FIRST_COMPLETED)
        for task in (forward, backward):
            task.cancel()
        for stream in (writer, up_writer):
            with contextlib.suppress(Exception):
                stream.close()

    @staticmethod
    async def _pipe(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float
    ) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while data := await reader.read(65536):
                if delay:
                    await asyncio.sleep(delay)
                writer.write(data)
                await writer.drain()
