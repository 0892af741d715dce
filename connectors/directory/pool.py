"""A bounded pool of ldap3 connections, used off the event loop.

ldap3 is synchronous and CPU-bound on the client side, so every operation runs
in a small thread pool: the event loop never blocks on the directory. A
connection that fails at the socket level is thrown away and the operation is
retried once on a fresh one, which is how the pool recovers after a DC restart.
A timeout is not retried: the server is there but stalled, and a second wait
would only double the caller's. At most ``size`` connections exist at once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from ldap3 import Connection
from ldap3.core import exceptions as ldap_exc

from .errors import DirectoryError, DirectoryRejected, DirectoryTimeout, DirectoryUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

_SOCKET_ERRORS = (
    ldap_exc.LDAPSocketOpenError,
    ldap_exc.LDAPSocketReceiveError,
    ldap_exc.LDAPSocketSendError,
    ldap_exc.LDAPSessionTerminatedByServerError,
    ldap_exc.LDAPStartTLSError,
    ldap_exc.LDAPCommunicationError,
)


class ConnectionPool:
    """Hands out bound connections to one blocking operation at a time."""

    def __init__(self, connect: Callable[[], Connection], size: int) -> None:
        self._connect = connect
        self._idle: list[Connection] = []
        self._slots = asyncio.Semaphore(size)
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="ldap")
        self._closed = False
        self.size = size
        self._count_lock = threading.Lock()
        self.opened = 0  # connections opened over the pool's life
        self.busy = 0  # operations running now
        self.most_busy = 0  # the highest ``busy`` seen

    async def run(self, operation: Callable[[Connection], T]) -> T:
        """Run ``operation`` with a pooled connection in a worker thread."""
        if self._closed:
            raise DirectoryUnavailable("the directory connector is closed")
        loop = asyncio.get_running_loop()
        async with self._slots:
            self.busy += 1
            self.most_busy = max(self.most_busy, self.busy)
            try:
                return await self._attempt(loop, operation)
            finally:
                self.busy -= 1

    async def _attempt(
        self, loop: asyncio.AbstractEventLoop, operation: Callable[[Connection], T]
    ) -> T:
        for attempt in (1, 2):
            connection = self._idle.pop() if self._idle else None
            try:
                result = await loop.run_in_executor(
                    self._executor, self._call, connection, operation
                )
            except _Retryable as failure:
                if attempt == 2 or isinstance(failure.error, DirectoryTimeout):
                    raise failure.error from failure.__cause__
                log.info("directory connection lost; reconnecting")
                continue
            value, connection = result
            if self._closed:
                _discard(connection)
            else:
                self._idle.append(connection)
            return value
        raise AssertionError("unreachable")

    def _call(
        self, connection: Connection | None, operation: Callable[[Connection], T]
    ) -> tuple[T, Connection]:
        fresh = connection is None
        try:
            if connection is None:
                connection = self._open()
            return operation(connection), connection
        except _SOCKET_ERRORS as exc:
            _discard(connection)
            error = _socket_error(exc)
            if fresh:
                raise error from exc
            raise _Retryable(error) from exc
        except ldap_exc.LDAPOperationResult as exc:
            self._idle_or_discard(connection)
            raise DirectoryRejected(f"directory refused the operation ({exc.result})") from exc
        except ldap_exc.LDAPException as exc:
            _discard(connection)
            raise DirectoryUnavailable(f"directory error: {type(exc).__name__}") from exc
        except DirectoryError:
            self._idle_or_discard(connection)
            raise
        except BaseException:
            _discard(connection)  # state unknown: never hand it out again
            raise

    def _idle_or_discard(self, connection: Connection | None) -> None:
        if connection is not None and connection.bound:
            self._idle.append(connection)

    def _open(self) -> Connection:
        try:
            connection = self._connect()
            with self._count_lock:
                self.opened += 1
            if not connection.bound and not connection.bind():
                code = connection.result.get("description", "invalidCredentials")
                raise DirectoryRejected(f"the directory refused the service bind ({code})")
            return connection
        except ldap_exc.LDAPBindError as exc:
            raise DirectoryRejected("the directory refused the service bind") from exc

    def close(self) -> None:
        self._closed = True
        while self._idle:
            _discard(self._idle.pop())
        self._executor.shutdown(wait=False, cancel_futures=True)


class _Retryable(Exception):
    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _socket_error(exc: Exception) -> DirectoryUnavailable:
    text = str(exc).lower()
    if "timed out" in text or "timeout" in text:
        return DirectoryTimeout("the directory did not answer in time")
    return DirectoryUnavailable(f"the directory is unreachable ({type(exc).__name__})")


def _discard(connection: Connection | None) -> None:
    if connection is None:
        return
    try:
        connection.unbind()
    except Exception:
        log.debug("ignoring an error while closing a broken directory connection")
