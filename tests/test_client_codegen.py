"""The typed Python client (townhall_client/) is what ariadne-codegen makes of the committed
schema and client/queries/: regenerated here with the pinned generator (`make codegen`
installs it; `make client` rewrites the client)."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CODEGEN = REPO / ".venv-codegen" / "bin" / "ariadne-codegen"


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*.py"))
        if "__pycache__" not in p.parts
    }


def test_the_committed_client_matches_the_schema_and_queries(tmp_path: Path) -> None:
    assert CODEGEN.exists(), "the client generator is missing: run `make codegen`"
    config = (REPO / "client" / "codegen.toml").read_text(encoding="utf-8")
    config = config.replace('target_package_path = "."', f'target_package_path = "{tmp_path}"')
    assert str(tmp_path) in config
    (tmp_path / "codegen.toml").write_text(config, encoding="utf-8")
    subprocess.run(
        [str(CODEGEN), "--config", str(tmp_path / "codegen.toml")],
        cwd=REPO, check=True, capture_output=True,
    )  # fmt: skip
    fresh, committed = _tree(tmp_path / "townhall_client"), _tree(REPO / "townhall_client")
    assert fresh.keys() == committed.keys(), "run `make client`"
    drifted = [name for name in fresh if fresh[name] != committed[name]]
    assert not drifted, (
        f"the client drifted from schema.graphql or client/queries: {drifted}; run `make client`"
    )
