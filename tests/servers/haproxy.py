"""A throwaway HAProxy (Debian's ``haproxy``) balancing HTTP over gateway instances.

Loopback only. Each backend server is health-checked on ``/healthz`` every 300 ms and
taken out after two failures (back after two successes); a request whose connection to
a server fails is retried on another (``retry-on conn-failure``, ``option redispatch``),
so a killed instance costs the clients in-flight requests at most.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from .postgres import _die_with_parent


def haproxy_config(port: int, backends: list[int]) -> str:
    servers = "\n".join(
        f"    server gw{i} 127.0.0.1:{p} check inter 300ms fall 2 rise 2"
        for i, p in enumerate(backends)
    )
    return f"""global
    maxconn 2000

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout queue 5s
    retries 3
    option redispatch 1
    retry-on conn-failure

frontend gateway
    bind 127.0.0.1:{port}
    default_backend gateways

backend gateways
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
{servers}
"""


@contextlib.contextmanager
def run_haproxy(workdir: Path, backends: list[int]) -> Iterator[str]:
    """HAProxy on a free loopback port in front of ``backends`` (ports); its URL."""
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(binary).exists():
        raise RuntimeError("haproxy is missing: run tests/servers/install-packages.sh")
    port = _free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "haproxy.cfg"
    config.write_text(haproxy_config(port, backends), encoding="utf-8")
    check = subprocess.run([binary, "-c", "-f", str(config)], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"haproxy refused its configuration:\n{check.stdout}{check.stderr}")
    log = (workdir / "haproxy.log").open("wb")
    process = subprocess.Popen(
        [binary, "-db", "-f", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )
    try:
        deadline = time.monotonic() + 10
        while not _port_open(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "haproxy did not start: " + (workdir / "haproxy.log").read_text()
                )
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
