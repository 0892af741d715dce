"""A throwaway PostgreSQL server on loopback for the test session.

PostgreSQL refuses to run as root, so when the session runs as root the
cluster belongs to the ``postgres`` system user (created by Debian's package)
and the server runs as that user. The data folder lives outside pytest's
private temporary folders, which that user could not enter. The server dies
with the test process (``PR_SET_PDEATHSIG``) and persists nothing (fsync off).
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any


class PostgresServer:
    """``postgres`` on a free loopback port with trust authentication for ``postgres``."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="townhall-pg-"))
        self._proc: subprocess.Popen[bytes] | None = None
        self._as: dict[str, Any] = {}

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self, timeout: float = 30.0) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not binaries:
            raise RuntimeError("PostgreSQL is missing: run tests/servers/install-packages.sh")
        bindir = Path(binaries[-1]).parent
        data, sockets = self.workdir / "data", self.workdir / "run"
        sockets.mkdir()
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            self.workdir.chmod(0o755)
            for path in (self.workdir, sockets):
                os.chown(path, owner.pw_uid, owner.pw_gid)
            self._as = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
        subprocess.run(
            [str(bindir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres",
             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            check=True, capture_output=True, **self._as,
        )  # fmt: skip
        self._proc = subprocess.Popen(
            [str(bindir / "postgres"), "-D", str(data), "-p", str(self.port),
             "-k", str(sockets), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
             "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "max_connections=200"],
            stdout=(self.workdir / "postgres.log").open("wb"),
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
            **self._as,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                log = (self.workdir / "postgres.log").read_text(errors="replace")
                raise RuntimeError(f"postgres exited at start:\n{log[-2000:]}")
            ready = subprocess.run(
                [str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("postgres did not start")

    async def create_database(self) -> str:
        """A new empty database; its SQLAlchemy URL."""
        import asyncpg  # the driver the store uses; imported late so SQLite-only runs skip it

        name = f"t_{uuid.uuid4().hex[:12]}"
        connection = await asyncpg.connect(host="127.0.0.1", port=self.port, user="postgres")
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        return self.url(name)

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGINT)  # "fast" shutdown
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        with contextlib.suppress(OSError):
            shutil.rmtree(self.workdir)


def _die_with_parent() -> None:
    """In the child before exec (after the uid change): SIGTERM when the test process dies."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
