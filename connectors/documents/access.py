"""Which directory groups may read which folders of the document store.

A map of folder prefixes to reader groups, from the council's configuration:
the longest matching folder wins, and a document under no rule is readable by
nobody (deny by default). Group names compare case-insensitively.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path


class FolderAccess:
    """Decides whether a viewer in some groups may read a document path."""

    def __init__(self, rules: dict[str, Iterable[str]]) -> None:
        self._rules = {
            folder.strip("/"): frozenset(g.casefold() for g in groups)
            for folder, groups in rules.items()
        }

    @classmethod
    def from_file(cls, path: Path) -> FolderAccess:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls({rule["folder"]: rule["groups"] for rule in data["rules"]})

    def readers(self, path: str) -> frozenset[str]:
        """The groups that may read ``path`` (the longest matching folder's)."""
        path = path.strip("/")
        best: str | None = None
        for folder in self._rules:
            if (folder == "" or path == folder or path.startswith(folder + "/")) and (
                best is None or len(folder) > len(best)
            ):
                best = folder
        return self._rules[best] if best is not None else frozenset()

    def may_read(self, path: str, groups: Iterable[str]) -> bool:
        readers = self.readers(path)
        return any(g.casefold() in readers for g in groups)
