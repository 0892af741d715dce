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


def test_the_client_has_an_operation_for_every_query_and_mutation() -> None:
    """Every root field of Query and Mutation is asked by some operation in client/queries/
    (so a new field fails here until the typed client can call it)."""
    from graphql import FieldNode, OperationDefinitionNode, parse

    from schema import build_schema

    schema = build_schema()._schema  # type: ignore[attr-defined]
    asked: set[str] = set()
    for path in sorted((REPO / "client" / "queries").glob("*.graphql")):
        for definition in parse(path.read_text(encoding="utf-8")).definitions:
            if isinstance(definition, OperationDefinitionNode):
                root = definition.operation.value.capitalize()
                for selection in definition.selection_set.selections:
                    if isinstance(selection, FieldNode):
                        asked.add(f"{root}.{selection.name.value}")
    wanted = {f"Query.{f}" for f in schema.query_type.fields} | {
        f"Mutation.{f}" for f in schema.mutation_type.fields
    }
    assert wanted - asked == set()
