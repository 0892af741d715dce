"""schema.graphql is the committed contract: it must match the code."""

from pathlib import Path

from graphql import build_schema as parse_sdl

from schema import build_schema

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_committed_sdl_matches_the_code() -> None:
    assert SDL.read_text(encoding="utf-8") == build_schema().as_str() + "\n", (
        "schema.graphql is out of date: run `make schema` and review the diff"
    )


def test_every_type_and_field_has_a_description() -> None:
    schema = parse_sdl(SDL.read_text(encoding="utf-8"))
    missing = []
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not graphql_type.description:
            missing.append(name)
        for field_name, field in getattr(graphql_type, "fields", {}).items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
    assert missing == []
