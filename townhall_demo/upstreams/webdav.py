"""``wsgidav`` serving a working copy of the document tree over WebDAV with basic auth, its
dead properties (author, tags, ...) seeded with ``PROPPATCH`` and kept in a shelve file so
that they survive a restart.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

import httpx

from .process import HOST, RunningServer, SeedError, console_script

#: The dead properties seeded on each document, in the documents.json namespace.
DOCUMENT_PROPERTY_NAMES = ("title", "author", "lastEditor", "created", "modified", "tags")


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
        script = console_script("wsgidav")
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
