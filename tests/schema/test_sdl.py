"""schema.graphql is the committed contract: it must match the code."""

from pathlib import Path

from graphql import GraphQLEnumType, GraphQLSchema, specified_directives
from graphql import build_schema as parse_sdl

from schema import build_schema

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_committed_sdl_matches_the_code() -> None:
    assert SDL.read_text(encoding="utf-8") == build_schema().as_str() + "\n", (
        "schema.graphql is out of date: run `make schema` and review the diff"
    )


def undescribed(schema: GraphQLSchema) -> list[str]:
    """What GraphiQL's docs pane would show without a description (and graphql-schema-
    linter's description rules refuse): types, fields, their arguments, input fields, enum
    values, and our own directives and their arguments."""
    missing = []
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not graphql_type.description:
            missing.append(name)
        for field_name, field in getattr(graphql_type, "fields", {}).items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
            for arg_name, arg in getattr(field, "args", {}).items():
                if not arg.description:
                    missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(graphql_type, GraphQLEnumType):
            missing += [
                f"{name}.{v}" for v, val in graphql_type.values.items() if not val.description
            ]
    standard = {d.name for d in specified_directives}
    for directive in (d for d in schema.directives if d.name not in standard):
        if not directive.description:
            missing.append(f"@{directive.name}")
        missing += [
            f"@{directive.name}({a})" for a, arg in directive.args.items() if not arg.description
        ]
    return missing


def test_every_type_field_argument_input_field_and_enum_value_has_a_description() -> None:
    assert undescribed(parse_sdl(SDL.read_text(encoding="utf-8"))) == []


def test_the_description_check_sees_arguments_input_fields_and_enum_values() -> None:
    schema = parse_sdl(
        """"Q" type Query { "f" f("a" a: Int, b: Int, "i" i: I): E }
        "E" enum E { "x" X Y } "I" input I { "c" c: Int, d: Int }"""
    )
    assert undescribed(schema) == ["Query.f(b)", "E.Y", "I.d"]
