"""Start and seed the demo upstream servers: a SCIM 2.0 HR system and a WebDAV store.

The embedded demo and the test session run the real servers Townhall talks to,
as child processes listening on 127.0.0.1 only:

* ``scim2-server`` (in memory) serving the council's HR records, with the
  council's own schema extension, seeded through ``/Bulk``;
* ``wsgidav`` serving a working copy of the document tree over WebDAV with
  basic auth, its dead properties (author, tags, ...) seeded with ``PROPPATCH``
  and kept in a shelve file so that they survive a restart.

This module imports nothing of Townhall (not the gateway). Every server object has
``url``, ``pid``, ``stop()`` (synchronous) and ``restart()`` (async, same port).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

import httpx

__all__ = [
    "DOCUMENT_PROPERTY_NAMES",
    "RunningServer",
    "ScimServer",
    "SeedError",
    "UpstreamStartError",
    "WebDavServer",
    "WebDavUser",
    "free_port",
    "log_tail",
    "proppatch_body",
    "start_scim_server",
    "start_webdav_server",
]

HOST = "127.0.0.1"
SCIM_CONTENT_TYPE = "application/scim+json"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
#: The dead properties seeded on each document, in the documents.json namespace.
DOCUMENT_PROPERTY_NAMES = ("title", "author", "lastEditor", "created", "modified", "tags")


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


def _console_script(name: str) -> str | None:
    """The console script installed next to the running interpreter, if any."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else None


# -- SCIM ---------------------------------------------------------------------


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
        script = _console_script("scim2-server")
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


# -- WebDAV -------------------------------------------------------------------


@dataclass(frozen=True)
class WebDavUser:
    """A WebDAV account.

    ``paths=None`` reaches the whole tree; otherwise only the listed folders
    (relative to the root, e.g. ``"Finance"``), and other paths answer 401.
    ``read_only`` users may only GET, HEAD, OPTIONS and PROPFIND.
    """

    password: str
    paths: tuple[str, ...] | None = None
    read_only: bool = False


# wsgidav has no per-path permissions (the roles of its simple_dc are not
# enforced, and share names with capitals do not resolve), so the server is
# given this small domain controller, written next to its config.
_DOMAIN_CONTROLLER_MODULE = "townhall_dav_auth"
_DOMAIN_CONTROLLER_SOURCE = '''\
"""Basic auth for wsgidav with per-user folders and read-only users."""
from wsgidav.dc.simple_dc import SimpleDomainController

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "PROPFIND"}


class PathDomainController(SimpleDomainController):
    def basic_auth_user(self, realm, user_name, password, environ):
        if not super().basic_auth_user(realm, user_name, password, environ):
            return False
        user = self._get_realm_entry(realm, user_name) or {}
        if user.get("read_only") and environ["REQUEST_METHOD"] not in SAFE_METHODS:
            return False
        paths = user.get("paths")
        if paths is None:
            return True
        path = environ.get("PATH_INFO", "/").strip("/")
        return any(path == p or path.startswith(p + "/") for p in paths)
'''


class WebDavServer(RunningServer):
    """``wsgidav`` serving a working copy (``workdir/documents``) of a document tree."""

    name = "wsgidav"

    def __init__(
        self,
        *,
        port: int | None,
        root: Path,
        users: Mapping[str, WebDavUser | tuple[str, Sequence[str] | None]],
        props: Mapping[str, Any] | None,
        workdir: Path,
        concurrency: int = 8,
    ) -> None:
        super().__init__(port=port, workdir=workdir)
        self.source = root
        self.root = workdir / "documents"
        self.users = {name: _webdav_user(spec) for name, spec in users.items()}
        if not any(user.paths is None and not user.read_only for user in self.users.values()):
            raise ValueError("one WebDAV user needs full access, to seed the properties")
        self.props: dict[str, Any] = dict(props) if props else {"namespace": "", "documents": []}
        self.namespace = str(self.props.get("namespace", ""))
        self.concurrency = concurrency
        self.config_path = workdir / "wsgidav.json"
        self.seed_marker = workdir / "props.seeded"
        self.seed_seconds = 0.0

    @property
    def admin(self) -> tuple[str, str]:
        """(name, password) of the first user with full access."""
        return next(
            (name, user.password)
            for name, user in self.users.items()
            if user.paths is None and not user.read_only
        )

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(self.workdir), env.get("PYTHONPATH")])
        )
        return env

    def command(self) -> list[str]:
        script = _console_script("wsgidav")
        prefix = [script] if script else [sys.executable, "-m", "wsgidav.server.server_cli"]
        return [*prefix, "--config", str(self.config_path)]

    async def start(self, ready_within: float = 30.0) -> None:
        """Copy the tree (first time only), write the config, start and seed."""
        if self.pid is None:
            self.workdir.mkdir(parents=True, exist_ok=True)
            if not self.root.exists():
                shutil.copytree(self.source, self.root)
            self.config_path.write_text(json.dumps(self._config(), indent=2))
            module = self.workdir / f"{_DOMAIN_CONTROLLER_MODULE}.py"
            module.write_text(_DOMAIN_CONTROLLER_SOURCE)
        await super().start(ready_within)

    def _config(self) -> dict[str, Any]:
        user_mapping = {
            name: {
                "password": user.password,
                "paths": None if user.paths is None else list(user.paths),
                "read_only": user.read_only,
            }
            for name, user in self.users.items()
        }
        return {
            "host": HOST,
            "port": self.port,
            "server": "cheroot",
            "server_args": {"numthreads": max(10, self.concurrency + 2)},
            "provider_mapping": {"/": str(self.root)},
            "simple_dc": {"user_mapping": {"*": user_mapping}},
            "http_authenticator": {
                "domain_controller": f"{_DOMAIN_CONTROLLER_MODULE}.PathDomainController",
                "accept_basic": True,
                "accept_digest": False,
                "default_to_digest": False,
            },
            "property_manager": {
                "class": "wsgidav.prop_man.property_manager.ShelvePropertyManager",
                "kwargs": {"storage_path": str(self.workdir / "props.shelve")},
            },
            "lock_storage": {
                "class": "wsgidav.lock_man.lock_storage.LockStorageShelve",
                "kwargs": {"storage_path": str(self.workdir / "locks.shelve")},
            },
            "dir_browser": {"enable": False},
            "verbose": 2,
        }

    async def after_start(self) -> None:
        await self.seed()

    async def seed(self) -> None:
        """Set each document's mtime and dead properties, once per working copy.

        Skipped when the property shelve already holds this documents.json.
        """
        documents = list(self.props.get("documents", []))
        digest = hashlib.sha256(json.dumps(self.props, sort_keys=True).encode()).hexdigest()
        shelve_exists = any(self.workdir.glob("props.shelve*"))
        if shelve_exists and self.seed_marker.exists() and self.seed_marker.read_text() == digest:
            return
        started = time.monotonic()
        for doc in documents:
            modified = _parse_time(doc["modified"])
            os.utime(self.root / doc["path"].lstrip("/"), (modified, modified))
        semaphore = asyncio.Semaphore(self.concurrency)
        limits = httpx.Limits(max_connections=self.concurrency)
        async with httpx.AsyncClient(
            base_url=self.root_url, auth=self.admin, limits=limits, timeout=30
        ) as client:

            async def patch(doc: Mapping[str, Any]) -> None:
                async with semaphore:
                    await self._proppatch(client, doc)

            await asyncio.gather(*(patch(doc) for doc in documents))
        self.seed_marker.write_text(digest)
        self.seed_seconds = time.monotonic() - started

    async def _proppatch(self, client: httpx.AsyncClient, doc: Mapping[str, Any]) -> None:
        response = await client.request(
            "PROPPATCH",
            "/" + quote(doc["path"].lstrip("/")),
            content=proppatch_body(self.namespace, doc),
            headers={"Content-Type": 'application/xml; charset="utf-8"'},
        )
        statuses = set(re.findall(r"HTTP/1\.[01] (\d{3})", response.text))
        if response.status_code != 207 or statuses != {"200"}:
            raise SeedError(
                f"PROPPATCH {doc['path']} answered {response.status_code}: {response.text[:500]}"
            )


def proppatch_body(namespace: str, doc: Mapping[str, Any]) -> bytes:
    """A PROPPATCH body setting a document's dead properties in ``namespace``.

    A list (``tags``) becomes one ``<tag>`` child per item; other values are text.
    """
    parts = []
    for name in DOCUMENT_PROPERTY_NAMES:
        if name not in doc:
            continue
        value = doc[name]
        if isinstance(value, list):
            inner = "".join(f"<t:tag>{escape(str(item))}</t:tag>" for item in value)
        else:
            inner = escape(str(value))
        parts.append(f"<t:{name}>{inner}</t:{name}>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<D:propertyupdate xmlns:D="DAV:" xmlns:t="{escape(namespace)}">'
        f"<D:set><D:prop>{''.join(parts)}</D:prop></D:set></D:propertyupdate>"
    ).encode()


def _parse_time(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _webdav_user(spec: WebDavUser | tuple[str, Sequence[str] | None]) -> WebDavUser:
    """Normalise a user given as :class:`WebDavUser` or ``(password, paths)``.

    A ``(password, paths)`` tuple with paths makes a read-only user of those folders.
    """
    paths: Sequence[str] | None
    if isinstance(spec, WebDavUser):
        password, paths, read_only = spec.password, spec.paths, spec.read_only
    else:
        password, paths = spec
        read_only = paths is not None
    folders = None if paths is None else tuple(p.strip("/") for p in paths)
    return WebDavUser(password, folders, read_only)


async def start_webdav_server(
    *,
    port: int | None = None,
    root: Path,
    users: Mapping[str, WebDavUser | tuple[str, Sequence[str] | None]],
    props: Mapping[str, Any] | None,
    workdir: Path,
    ready_within: float = 30.0,
) -> WebDavServer:
    """Copy ``root`` into ``workdir``, serve it with ``wsgidav`` and seed its properties.

    ``props`` is the content of documents.json. The working copy, the property
    and lock shelves and the log live in ``workdir``; ``root`` is never written
    to. Starting again on the same ``workdir`` keeps the copy (and any changes
    made to it) and skips seeding.
    """
    server = WebDavServer(port=port, root=root, users=users, props=props, workdir=workdir)
    await server.start(ready_within)
    return server
