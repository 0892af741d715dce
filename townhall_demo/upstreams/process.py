"""Child processes of the demo's upstream servers: start on 127.0.0.1, wait until they
answer, stop, restart on the same port; and the errors of starting and seeding them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx

HOST = "127.0.0.1"


class UpstreamStartError(RuntimeError):
    """A server did not start, or did not answer in time."""


class SeedError(RuntimeError):
    """Seeding a server with the fixture data failed."""


def free_port(host: str = HOST) -> int:
    """Return a TCP port on ``host`` that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def log_tail(path: Path, lines: int = 25) -> str:
    """The last ``lines`` lines of a log file, for error messages."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


class RunningServer:
    """A server child process on 127.0.0.1 that can be stopped and restarted.

    Subclasses give the command line (:meth:`command`), the readiness probe
    (``probe_path``, :attr:`probe_headers`) and what to do each time the server
    answers after a start (:meth:`after_start`, e.g. seeding).
    """

    name = "server"
    probe_path = "/"

    def __init__(self, *, port: int | None, workdir: Path) -> None:
        self.port = port or free_port()
        self.workdir = workdir
        self.log_path = workdir / f"{self.name}.log"
        self._proc: subprocess.Popen[bytes] | None = None

    # -- for subclasses -------------------------------------------------------

    def command(self) -> list[str]:
        """The command line that runs the server in the foreground."""
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        """The environment of the server process."""
        return dict(os.environ)

    @property
    def probe_headers(self) -> dict[str, str]:
        """Headers for the readiness probe (e.g. credentials)."""
        return {}

    async def after_start(self) -> None:
        """Run each time the server answers after (re)starting."""

    # -- lifecycle ------------------------------------------------------------

    @property
    def root_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def url(self) -> str:
        """The base URL clients use."""
        return self.root_url

    @property
    def pid(self) -> int | None:
        """The process id, or None when not running."""
        if self._proc is None or self._proc.poll() is not None:
            return None
        return self._proc.pid

    async def start(self, ready_within: float = 30.0) -> None:
        """Start the process, wait until it answers HTTP, then run :meth:`after_start`."""
        if self.pid is not None:
            return
        self._spawn()
        try:
            await self.wait_ready(ready_within)
            await self.after_start()
        except BaseException:
            self.stop()
            raise

    def _spawn(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"--- {datetime.now().isoformat()} starting {self.name}\n".encode())
            log.flush()
            self._proc = subprocess.Popen(
                self.command(),
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )

    async def wait_ready(self, ready_within: float = 30.0) -> None:
        """Poll the server until it answers with any HTTP status below 500."""
        deadline = time.monotonic() + ready_within
        last_error = "no answer"
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self._proc is None or self._proc.poll() is not None:
                    code = None if self._proc is None else self._proc.returncode
                    raise UpstreamStartError(
                        f"{self.name} exited (code {code}) before answering; "
                        f"log {self.log_path}:\n{log_tail(self.log_path)}"
                    )
                try:
                    response = await client.get(
                        self.root_url + self.probe_path, headers=self.probe_headers
                    )
                    if response.status_code < 500:
                        return
                    last_error = f"HTTP {response.status_code}"
                except httpx.TransportError as exc:
                    last_error = repr(exc)
                await asyncio.sleep(0.05)
        raise UpstreamStartError(
            f"{self.name} did not answer on {self.root_url} within {ready_within:.0f}s "
            f"({last_error}); log {self.log_path}:\n{log_tail(self.log_path)}"
        )

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate the process; kill it if it has not exited after ``timeout`` s."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def kill(self) -> None:
        """Kill the process abruptly (SIGKILL), as a crash would."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    async def restart(self, ready_within: float = 30.0) -> None:
        """Stop (if running) and start again on the same port."""
        await asyncio.to_thread(self.stop)
        await self.start(ready_within)

    async def __aenter__(self) -> RunningServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url} pid={self.pid}>"


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to SIGTERM it when its parent dies.

    So a crashed demo or test run leaves no server behind holding its port. The
    signal follows the *thread* that started the child: start servers from the
    event loop's thread, not from a short-lived worker thread.
    """
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_PR_SET_PDEATHSIG = 1


def console_script(name: str) -> str | None:
    """The console script installed next to the running interpreter, if any."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else None
