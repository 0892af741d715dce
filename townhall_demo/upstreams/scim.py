"""``scim2-server`` (in memory) serving the council's HR records, with the council's own
schema extension, seeded through ``/Bulk`` on every start.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from .process import HOST, RunningServer, SeedError, console_script

SCIM_CONTENT_TYPE = "application/scim+json"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


class ScimServer(RunningServer):
    """A ``scim2-server`` holding ``users``. It keeps data in memory only, so
    every start (and restart) seeds the users again, with new SCIM ids."""

    name = "scim2-server"
    probe_path = "/v2/ServiceProviderConfig"

    def __init__(
        self,
        *,
        port: int | None,
        token: str,
        schemas_dir: Path,
        users: Sequence[Mapping[str, Any]],
        workdir: Path,
    ) -> None:
        super().__init__(port=port, workdir=workdir)
        self.token = token
        self.schemas_file = schemas_dir / "schemas.json"
        self.resource_types_file = schemas_dir / "resource_types.json"
        self.users = list(users)
        #: SCIM id of each seeded user by userName (new ids after each start).
        self.ids: dict[str, str] = {}
        self.seed_seconds = 0.0

    @property
    def url(self) -> str:
        """The SCIM base URL (ends in ``/v2``)."""
        return f"{self.root_url}/v2"

    @property
    def headers(self) -> dict[str, str]:
        """Headers a client needs: the bearer token and the SCIM media type."""
        return {"Authorization": f"Bearer {self.token}", "Accept": SCIM_CONTENT_TYPE}

    @property
    def probe_headers(self) -> dict[str, str]:
        return self.headers

    def command(self) -> list[str]:
        script = console_script("scim2-server")
        prefix = (
            [script]
            if script
            else [sys.executable, "-c", "from scim2_server.testserver.cli import main; main()"]
        )
        return [
            *prefix,
            "--hostname",
            HOST,
            "--port",
            str(self.port),
            "--bearer-token",
            self.token,
            "--schema",
            str(self.schemas_file),
            "--resource-type",
            str(self.resource_types_file),
        ]

    async def after_start(self) -> None:
        await self.seed()

    async def seed(self) -> None:
        """Create every user through ``/Bulk``, within the limits the server announces."""
        started = time.monotonic()
        async with httpx.AsyncClient(base_url=self.url, headers=self.headers, timeout=60) as client:
            config = (await client.get("/ServiceProviderConfig")).raise_for_status().json()
            bulk = config.get("bulk") or {}
            if not bulk.get("supported"):
                raise SeedError("the SCIM server does not support /Bulk")
            max_ops = int(bulk.get("maxOperations") or 100)
            max_bytes = int(bulk.get("maxPayloadSize") or 1_048_576)
            self.ids = {}
            for batch in _bulk_batches(self.users, max_ops, max_bytes):
                response = await client.post(
                    "/Bulk", content=batch, headers={"Content-Type": SCIM_CONTENT_TYPE}
                )
                if response.status_code != 200:
                    raise SeedError(f"/Bulk answered {response.status_code}: {response.text[:500]}")
                self._record_bulk_response(response.json())
        if len(self.ids) != len(self.users):
            raise SeedError(f"seeded {len(self.ids)} of {len(self.users)} SCIM users")
        self.seed_seconds = time.monotonic() - started

    def _record_bulk_response(self, body: Mapping[str, Any]) -> None:
        failures = []
        for op in body.get("Operations", []):
            status = str(op.get("status", ""))
            if not status.startswith("2"):
                detail = (op.get("response") or {}).get("detail", "")
                failures.append(f"{op.get('bulkId')}: {status} {detail}")
                continue
            user = self.users[int(str(op["bulkId"]).removeprefix("u"))]
            self.ids[user["userName"]] = str(op["location"]).rstrip("/").rsplit("/", 1)[-1]
        if failures:
            shown = "; ".join(failures[:5])
            raise SeedError(f"{len(failures)} SCIM bulk operation(s) failed: {shown}")


def _bulk_batches(
    users: Sequence[Mapping[str, Any]], max_ops: int, max_bytes: int
) -> Iterator[bytes]:
    """Serialised BulkRequests of at most ``max_ops`` operations and ``max_bytes``."""
    head = b'{"schemas":["' + BULK_REQUEST.encode() + b'"],"Operations":['
    tail = b"]}"
    limit = max_bytes - 1024  # a margin below the announced limit
    ops: list[bytes] = []
    size = len(head) + len(tail)
    for index, user in enumerate(users):
        op = json.dumps(
            {"method": "POST", "path": "/Users", "bulkId": f"u{index}", "data": user},
            separators=(",", ":"),
        ).encode()
        if len(head) + len(tail) + len(op) > limit:
            raise SeedError(f"SCIM user {user.get('userName')} alone exceeds the bulk size limit")
        if ops and (len(ops) >= max_ops or size + len(op) + 1 > limit):
            yield head + b",".join(ops) + tail
            ops, size = [], len(head) + len(tail)
        ops.append(op)
        size += len(op) + 1
    if ops:
        yield head + b",".join(ops) + tail


async def start_scim_server(
    *,
    port: int | None = None,
    token: str,
    schemas_dir: Path,
    users: Sequence[Mapping[str, Any]],
    workdir: Path,
    ready_within: float = 30.0,
) -> ScimServer:
    """Start ``scim2-server`` with the schemas in ``schemas_dir`` and seed ``users``.

    ``schemas_dir`` holds ``schemas.json`` and ``resource_types.json``; they
    replace the server's defaults, so they include the RFC 7643 schemas.
    ``users`` are SCIM User resources without ``id``/``meta``. ``port=None``
    picks a free port.
    """
    server = ScimServer(
        port=port, token=token, schemas_dir=schemas_dir, users=users, workdir=workdir
    )
    await server.start(ready_within)
    return server
