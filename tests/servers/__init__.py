"""Real upstream servers for the test session, and the fixture data they serve.

``conftest.py`` turns these into session fixtures; the logic lives here.
The council data comes from ``fixtures/council`` (made by
``fixtures/generate.py``), or from the folder named by ``TOWNHALL_FIXTURES``.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

# The launchers of the real servers are the demo's (townhall_demo, never the gateway's):
# re-exported here, so connector tests start their servers without importing the gateway.
from townhall_demo.upstreams import ScimServer as ScimServer
from townhall_demo.upstreams import WebDavServer as WebDavServer
from townhall_demo.upstreams import WebDavUser as WebDavUser
from townhall_demo.upstreams import free_port as free_port
from townhall_demo.upstreams import start_scim_server, start_webdav_server

REPO = Path(__file__).resolve().parents[2]
SCIM_SCHEMAS_DIR = REPO / "fixtures" / "council" / "hr"

SCIM_TOKEN = "townhall-test-token"
WEBDAV_USER = "townhall"
WEBDAV_PASSWORD = "townhall-dav-password"
#: A read-only WebDAV account that only reaches one department's folder.
WEBDAV_READER = "reader"
WEBDAV_READER_PASSWORD = "reader-dav-password"


def fixtures_dir() -> Path:
    """The council fixture data folder."""
    override = os.environ.get("TOWNHALL_FIXTURES")
    return Path(override) if override else REPO / "fixtures" / "council"


@dataclass(frozen=True)
class LdifEntry:
    """One LDIF record: its DN and attributes (values as bytes)."""

    dn: str
    attrs: dict[str, list[bytes]] = field(default_factory=dict)

    def first(self, name: str) -> str | None:
        values = self.attrs.get(name.lower())
        return values[0].decode() if values else None


@dataclass(frozen=True)
class Council:
    """The parsed council fixture data (read lazily, once per session)."""

    root: Path

    @property
    def ldif(self) -> Path:
        return self.root / "directory.ldif"

    @property
    def documents_root(self) -> Path:
        return self.root / "documents"

    @cached_property
    def hr_users(self) -> list[dict[str, Any]]:
        """SCIM User resources (no id/meta), from hr/users.json."""
        users: list[dict[str, Any]] = json.loads((self.root / "hr" / "users.json").read_text())
        return users

    @cached_property
    def documents(self) -> dict[str, Any]:
        """documents.json: {"namespace": ..., "documents": [...]}."""
        data: dict[str, Any] = json.loads((self.root / "documents.json").read_text())
        return data

    @cached_property
    def people(self) -> list[dict[str, Any]]:
        """people.json (one summary per directory user), or [] when absent."""
        path = self.root / "people.json"
        data: list[dict[str, Any]] = json.loads(path.read_text()) if path.exists() else []
        return data

    @cached_property
    def entries(self) -> list[LdifEntry]:
        """Every record of directory.ldif, in file order."""
        return list(parse_ldif(self.ldif))

    @cached_property
    def users(self) -> dict[str, LdifEntry]:
        """Directory user entries by sAMAccountName."""
        return {
            entry.first("sAMAccountName") or "": entry
            for entry in self.entries
            if b"user" in entry.attrs.get("objectclass", [])
        }

    @cached_property
    def groups(self) -> dict[str, LdifEntry]:
        """Directory group entries by sAMAccountName."""
        return {
            entry.first("sAMAccountName") or "": entry
            for entry in self.entries
            if b"group" in entry.attrs.get("objectclass", [])
        }

    def check(self) -> None:
        """Fail clearly when the fixture data has not been generated."""
        needed = [self.ldif, self.root / "hr" / "users.json", self.root / "documents.json"]
        missing = [str(p) for p in needed if not p.exists()]
        if missing:
            raise FileNotFoundError(
                f"council fixture data missing ({', '.join(missing)}); "
                "generate it with `python fixtures/generate.py`"
            )


def parse_ldif(path: Path) -> Iterator[LdifEntry]:
    """Parse a plain LDIF file of add records (``attr: value`` / ``attr:: base64``)."""
    with path.open("rb") as handle:
        lines: list[bytes] = []
        for raw in [*handle, b"\n"]:
            line = raw.rstrip(b"\r\n")
            if line.startswith(b" ") and lines:
                lines[-1] += line[1:]
            elif line:
                if not line.startswith(b"#"):
                    lines.append(line)
            elif lines:
                yield _entry(lines)
                lines = []


def _entry(lines: list[bytes]) -> LdifEntry:
    attrs: dict[str, list[bytes]] = {}
    dn = ""
    for line in lines:
        name, _, rest = line.partition(b":")
        encoded = rest.startswith(b":")
        value = base64.b64decode(rest[1:].strip()) if encoded else rest.strip()
        key = name.decode().lower()
        if key == "dn":
            dn = value.decode()
        elif key != "version":
            attrs.setdefault(key, []).append(value)
    return LdifEntry(dn, attrs)


def reader_folder(council: Council) -> str:
    """The department folder the restricted WebDAV reader may see."""
    folders = sorted(p.name for p in council.documents_root.iterdir() if p.is_dir())
    if not folders:
        raise FileNotFoundError(f"no folders in {council.documents_root}")
    return "Finance" if "Finance" in folders else folders[0]


async def start_test_scim(council: Council, workdir: Path) -> ScimServer:
    """scim2-server seeded with the council's HR users."""
    return await start_scim_server(
        port=None,
        token=SCIM_TOKEN,
        schemas_dir=SCIM_SCHEMAS_DIR,
        users=council.hr_users,
        workdir=workdir,
    )


async def start_test_webdav(council: Council, workdir: Path) -> WebDavServer:
    """wsgidav over a copy of the council documents, with a full and a restricted user."""
    return await start_webdav_server(
        port=None,
        root=council.documents_root,
        users={
            WEBDAV_USER: WebDavUser(WEBDAV_PASSWORD),
            WEBDAV_READER: WebDavUser(
                WEBDAV_READER_PASSWORD, paths=(reader_folder(council),), read_only=True
            ),
        },
        props=council.documents,
        workdir=workdir,
    )
