"""deploy/haproxy.cfg, run: Debian's HAProxy with the example configuration (only its
addresses, certificate and log target changed) in front of a real gateway. TLS ends at
HAProxy, plain HTTP is sent to HTTPS, GraphQL and a WebSocket subscription socket on
/graphql pass, and /metrics, which the gateway itself serves, is refused however the path
is spelt."""

from __future__ import annotations

import json
import re
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from servers.certificates import write_test_certificates
from servers.haproxy import _free_port, _port_open
from websockets.asyncio.client import connect

from .conftest import Gateway

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def proxy(demo_gateway: Gateway, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """HAProxy on the example configuration: its https and http URLs, and the CA file."""
    certificates = write_test_certificates(tmp_path / "certs", "127.0.0.1")
    pem = tmp_path / "townhall.pem"
    pem.write_text(certificates.certificate.read_text() + certificates.key.read_text())
    https, http = _free_port(), _free_port()
    backend = demo_gateway.url.split("//", 1)[1]
    text = (ROOT / "deploy" / "haproxy.cfg").read_text()
    text = text.replace("bind :80\n", f"bind 127.0.0.1:{http}\n")
    text = text.replace("bind :443 ssl crt /etc/haproxy/certs/townhall.pem",
                        f"bind 127.0.0.1:{https} ssl crt {pem}")  # fmt: skip
    text = re.sub(r"10\.0\.0\.1[12]:8000", backend, text)
    # Not root here in CI, no syslog, and a lower open-file limit than HAProxy's own unit
    # sets: stay the user running the test, log to stderr, allow fewer connections.
    text = re.sub(r"^\s*(user|group) haproxy\n", "", text, flags=re.M)
    text = text.replace("log /dev/log local0", "log stderr format raw local0")
    text = text.replace("maxconn 20000", "maxconn 1000")
    assert f"bind 127.0.0.1:{https} ssl" in text and backend in text
    config = tmp_path / "haproxy.cfg"
    config.write_text(text)
    log = (tmp_path / "haproxy.log").open("wb")
    process = subprocess.Popen(["haproxy", "-db", "-f", str(config)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 10
        while not (_port_open(https) and _port_open(http)):
            assert process.poll() is None, (tmp_path / "haproxy.log").read_text()
            assert time.monotonic() < deadline, "haproxy did not start"
            time.sleep(0.05)
        yield f"https://127.0.0.1:{https}", f"http://127.0.0.1:{http}", certificates.ca
    finally:
        process.terminate()
        process.wait(5)
        log.close()


def tls_context(ca: Path) -> ssl.SSLContext:
    """Trusts the test CA only; the test certificate names a host, not 127.0.0.1."""
    context = ssl.create_default_context(cafile=str(ca))
    context.check_hostname = False
    return context


async def test_example_haproxy_serves_townhall_and_hides_metrics(
    demo_gateway: Gateway, proxy: tuple[str, str, Path]
) -> None:
    https, http, ca = proxy
    async with httpx.AsyncClient(verify=tls_context(ca), timeout=10) as client:
        # The gateway serves /metrics itself...
        assert (await client.get(f"{demo_gateway.url}/metrics")).status_code == 200
        assert (await client.get(f"{https}/healthz")).json() == {"status": "ok"}
        # ...and HAProxy answers it from outside, however spelt, with 404.
        for path in ("/metrics", "/metrics/", "//metrics", "/%6detrics", "/METRICS", "/metrics?x"):
            answer = await client.get(f"{https}{path}")
            assert answer.status_code == 404, path
            assert "townhall_" not in answer.text, path
        answer = await client.post(
            f"{https}/graphql",
            json={"query": "{ me { accountName } }"},
            headers={"X-Townhall-User": "helen.carter"},
        )
        assert answer.json() == {"data": {"me": {"accountName": "helen.carter"}}}
        redirect = await client.get(f"{http}/healthz")
        assert redirect.status_code == 301
        assert redirect.headers["location"].startswith("https://")


async def test_example_haproxy_passes_websocket_subscriptions(
    proxy: tuple[str, str, Path],
) -> None:
    https, _, ca = proxy
    context = tls_context(ca)
    async with connect(
        https.replace("https", "wss", 1) + "/graphql",
        ssl=context,
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers={"X-Townhall-User": "helen.carter"},
        open_timeout=10,
        ping_interval=None,
    ) as ws:
        assert ws.subprotocol == "graphql-transport-ws"
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
