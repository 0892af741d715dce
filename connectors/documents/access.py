"""Which directory groups may read which documents.

Two sources of readers:

* a map of folder prefixes to reader groups, from the council's configuration:
  the longest matching folder wins, and a document under no rule is readable by
  nobody (deny by default);
* the store's own access control lists (RFC 3744 ``DAV:acl``), where it exposes
  them, carried on each record as ``readers``.

``readers_from`` chooses: ``folders`` (the map only), ``store`` (the ACL only;
a document without one is readable by nobody) or ``both`` (the ACL where the
store keeps one, the map elsewhere). Group names compare case-insensitively.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

from .records import ANYONE, DocumentRecord

ReadersFrom = Literal["folders", "store", "both"]


class FolderAccess:
    """Decides whether a viewer in some groups may read a document."""

    def __init__(
        self, rules: Mapping[str, Iterable[str]], *, readers_from: ReadersFrom = "folders"
    ) -> None:
        self._rules = {
            folder.strip("/"): frozenset(g.casefold() for g in groups)
            for folder, groups in rules.items()
        }
        self.readers_from: ReadersFrom = readers_from

    @classmethod
    def from_file(cls, path: Path, *, readers_from: ReadersFrom = "folders") -> FolderAccess:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            {rule["folder"]: rule["groups"] for rule in data["rules"]}, readers_from=readers_from
        )

    def readers(self, path: str) -> frozenset[str]:
        """The groups the folder map lets read ``path`` (the longest matching folder's)."""
        path = path.strip("/")
        best: str | None = None
        for folder in self._rules:
            if (folder == "" or path == folder or path.startswith(folder + "/")) and (
                best is None or len(folder) > len(best)
            ):
                best = folder
        return self._rules[best] if best is not None else frozenset()

    def may_read(self, path: str, groups: Iterable[str]) -> bool:
        """Whether the folder map lets a member of ``groups`` read ``path``."""
        readers = self.readers(path)
        return any(g.casefold() in readers for g in groups)

    def record_readers(self, record: DocumentRecord) -> frozenset[str]:
        """The groups that may read ``record`` under ``readers_from`` (``*``: anyone)."""
        acl = record.readers
        if self.readers_from == "folders" or (self.readers_from == "both" and acl is None):
            return self.readers(record.path)
        return frozenset(g.casefold() for g in acl or ())

    def may_read_record(self, record: DocumentRecord, groups: Iterable[str]) -> bool:
        readers = self.record_readers(record)
        return ANYONE in readers or any(g.casefold() in readers for g in groups)
