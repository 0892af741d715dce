"""The house's rules on demo code (DESIGN.md, "The house"), read from the syntax trees:

* the gateway never imports the demo (``townhall_demo``) or the demo portal (``portal``),
  except the CLI's ``demo`` command, which finds the launcher at run time;
* ``townhall_demo.upstreams`` (the server launchers) imports nothing of Townhall;
* connector tests start their servers without the gateway: no import of it, and the
  modules they import for their servers (``servers``) load none of it either.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OURS = ("gateway", "schema", "connectors", "townhall_client", "townhall_demo", "portal")


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports (absolute names; relative imports resolved)."""
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = parts[: len(parts) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names.add(base)
    return names


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def test_the_gateway_imports_no_demo_code() -> None:
    for path in sorted((REPO / "gateway").rglob("*.py")):
        demo = {n for n in imported(path) if _top(n) in {"townhall_demo", "portal"}}
        assert not demo, f"{path.relative_to(REPO)} imports {sorted(demo)}"
    # The CLI names the launcher only as a string, imported when `townhall demo` runs.
    assert '"townhall_demo.launcher"' in (REPO / "gateway" / "cli.py").read_text()


def test_the_server_launchers_import_nothing_of_townhall() -> None:
    launchers = sorted((REPO / "townhall_demo" / "upstreams").glob("*.py"))
    assert len(launchers) > 1
    for path in [REPO / "townhall_demo" / "__init__.py", *launchers]:
        ours = {
            n
            for n in imported(path)
            if _top(n) in OURS and not n.startswith("townhall_demo.upstreams")
        }
        assert not ours, f"{path.relative_to(REPO)} imports {sorted(ours)}"


def test_connector_tests_do_not_import_the_gateway() -> None:
    files = sorted((REPO / "tests" / "connectors").glob("*.py"))
    assert files
    for path in files:
        gateway = {n for n in imported(path) if _top(n) == "gateway"}
        assert not gateway, f"{path.relative_to(REPO)} imports {sorted(gateway)}"
        assert "servers.gateway" not in imported(path), path.name
    # What they import for their servers loads no module of the gateway.
    code = (
        "import sys; import servers, townhall_demo.upstreams; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'gateway'))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={"PYTHONPATH": f"{REPO / 'tests'}:{REPO}"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "[]"
