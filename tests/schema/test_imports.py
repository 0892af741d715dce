"""The access gate's import rule: schema code reads documents and the social store only
through the viewer's scope (``schema.scope``), never through the raw loaders or the store.

Checked on every module of ``schema/`` by reading its syntax tree (``ast``), so an import
inside a function, under ``TYPE_CHECKING`` or spelled ``import x.y`` counts the same:

* nothing from ``gateway`` (the raw loaders and the gate's implementation live there);
* from ``connectors.social``, only its records, errors and text helpers: not
  ``SocialStore``, and no module of the store (``store``, ``comments``, ``activity``...),
  except ``connectors.social.audit``'s trail types;
* from ``connectors.documents``, only the record, its errors and ``FolderAccess`` (as a
  type in ``Policy``): never a source, index or client;
* no dynamic import (``importlib``, ``__import__``) to go around the rule;
* no use of the document rule itself (``may_read``, ``may_read_record``,
  ``record_readers``, ``readers``) nor of the settings only the gate reads
  (``document_access``, ``document_url``): judging documents is the gate's alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import connectors.social

SCHEMA = Path(__file__).resolve().parents[2] / "schema"

SOCIAL_ALLOWED = frozenset(connectors.social.__all__) - {"SocialStore"}
SOCIAL_MODULES_ALLOWED = {
    "connectors.social.audit": frozenset({"AuditEntry", "AuditLog", "AuditRow", "WIDTHS"})
}
DOCUMENTS_ALLOWED = frozenset(
    {"DocumentRecord", "DocumentError", "DocumentTimeout", "FolderAccess"}
)
GATE_ONLY_ATTRIBUTES = frozenset(
    {"may_read", "may_read_record", "record_readers", "readers", "document_access", "document_url"}
)


def violations(source: str, module: str) -> list[str]:
    """Every breach of the rule in ``source`` (module name for relative imports)."""
    found: list[str] = []
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        where = f"{module}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                found += _module_breach(alias.name, None, where)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                found += _module_breach(base, alias.name, where)
        elif isinstance(node, ast.Attribute) and node.attr in GATE_ONLY_ATTRIBUTES:
            found.append(f"{where}: uses `.{node.attr}`, the gate's to judge documents")
        elif isinstance(node, ast.Call):
            name = node.func
            called = name.attr if isinstance(name, ast.Attribute) else getattr(name, "id", "")
            if called in ("import_module", "__import__"):
                found.append(f"{where}: imports dynamically")
    return found


def _module_breach(module: str, name: str | None, where: str) -> list[str]:
    full = f"{module}.{name}" if name else module
    if module == "gateway" or module.startswith("gateway.") or full.startswith("gateway"):
        return [f"{where}: imports {full} (the raw loaders stay in the gateway)"]
    if module == "connectors.social":
        if name is None or name in SOCIAL_ALLOWED:
            return []
        return [f"{where}: imports {full} (the store is read through the scope)"]
    if module.startswith("connectors.social."):
        allowed = SOCIAL_MODULES_ALLOWED.get(module)
        if allowed is not None and (name is None or name in allowed):
            return []
        return [f"{where}: imports {full} (a module of the store)"]
    if module == "connectors.documents":
        if name is None or name in DOCUMENTS_ALLOWED:
            return []
        return [f"{where}: imports {full} (documents are read through the scope)"]
    if module.startswith("connectors.documents."):
        return [f"{where}: imports {full} (documents are read through the scope)"]
    return []


def schema_modules() -> list[Path]:
    return sorted(SCHEMA.rglob("*.py"))


@pytest.mark.parametrize("path", schema_modules(), ids=lambda p: p.name)
def test_schema_reads_through_the_scope_only(path: Path) -> None:
    module = "schema." + ".".join(path.relative_to(SCHEMA).with_suffix("").parts)
    module = module.removesuffix(".__init__")
    if path.name == "__init__.py":
        module += ".__init__"  # relative imports in a package resolve from the package
    assert violations(path.read_text(encoding="utf-8"), module) == []


def test_every_schema_module_is_checked() -> None:
    names = {p.name for p in schema_modules()}
    assert {"documents.py", "activity.py", "moderation.py", "scope.py", "context.py"} <= names


@pytest.mark.parametrize(
    "source",
    [
        "from gateway.loaders import DocumentLoaders",
        "import gateway.scope.gate",
        "from gateway import scope",
        "from connectors.social import SocialStore",
        "from connectors.social.store import SocialStore",
        "from connectors.social.comments import CommentsMixin",
        "import connectors.social.activity",
        "from connectors.documents import DocumentSource",
        "from connectors.documents.webdav import WebDavDocuments",
        "def f():\n    from gateway.scope.gate import Gate",
        "if TYPE_CHECKING:\n    from connectors.social import SocialStore",
        "import importlib\nimportlib.import_module('gateway.loaders')",
        "async def f(info):\n    return info.context.policy.document_access",
        "def f(access, record):\n    return access.may_read_record(record, [])",
    ],
)
def test_the_rule_catches_a_way_around_the_gate(source: str) -> None:
    assert violations(source, "schema.example")


def test_relative_imports_resolve_before_judging() -> None:
    assert violations("from ..gateway import loaders", "schema.example") != []
    assert violations("from .scope import ViewerScope", "schema.example") == []
    assert violations("from connectors.social import Comment, ItemNotFound", "schema.x") == []
