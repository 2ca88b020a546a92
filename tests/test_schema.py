"""The schema is a product: committed, current, and documented everywhere."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
)

from crm_graphql.schema import build_schema, schema_sdl

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schema_matches_the_code():
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == schema_sdl(), (
        "schema.graphql is stale: run `crm-graphql export-schema` and commit it"
    )


def test_every_type_field_argument_and_enum_value_has_a_description():
    schema = build_schema()._schema
    missing = []
    for name, gtype in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not gtype.description:
            missing.append(name)
        if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in gtype.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in field.args.items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        elif isinstance(gtype, GraphQLInputObjectType):
            for field_name, field in gtype.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
        elif isinstance(gtype, GraphQLEnumType):
            for value_name, value in gtype.values.items():
                if not value.description:
                    missing.append(f"{name}.{value_name}")
    assert missing == []
