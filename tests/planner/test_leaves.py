"""A plan writes leaf values exactly as their serialisers would, with or without them."""

from __future__ import annotations

import enum

import pytest
from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLError,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLScalarType,
    GraphQLString,
)

from crm_graphql.api.planner import LEAF, Abandon, leaf_detail, run_plan
from crm_graphql.schema import build_schema


class Colour(enum.StrEnum):
    RED = "red"


class Size(enum.IntEnum):
    SMALL = 1


class Text(str):
    """A ``str`` subclass: its serialiser, not the shortcut, decides."""


#: Values the built-in scalars see, including every edge of the shortcut.
SAMPLES = [
    "",
    "plain",
    "café ☕",
    Text("sub"),
    Colour.RED,
    True,
    False,
    0,
    1,
    -1,
    2**31 - 1,
    2**31,
    -(2**31),
    -(2**31) - 1,
    10**20,
    Size.SMALL,
    1.0,
    1.5,
    None,
    [1],
]


def written(coerce_and_plain: tuple[object, type | None], value: object) -> object:
    """What a plan writes for ``value`` (one leaf step), or the exception it raises."""
    coerce, plain = coerce_and_plain
    step = (LEAF, "v", lambda source: source, True, (coerce, plain), False)
    try:
        return ("ok", run_plan((step,), value)["v"])
    except (Abandon, GraphQLError, ValueError, TypeError) as error:
        return ("error", type(error).__name__)


def serialised(gtype: GraphQLScalarType | GraphQLEnumType, value: object) -> object:
    """What a plan wrote before: the type's serialiser (a null or refusal abandons)."""
    if value is None:
        return ("ok", None)
    try:
        result = gtype.coerce_output_value(value)
    except (GraphQLError, ValueError, TypeError) as error:
        return ("error", type(error).__name__)
    return ("ok", result) if result is not None else ("error", "Abandon")


@pytest.mark.parametrize("gtype", [GraphQLString, GraphQLID, GraphQLBoolean, GraphQLInt])
def test_builtin_scalars_write_what_their_serialisers_write(gtype: GraphQLScalarType) -> None:
    detail = leaf_detail(gtype)
    assert detail[1] is not None
    for value in SAMPLES:
        got, expected = written(detail, value), serialised(gtype, value)
        assert got == expected, (gtype.name, value)
        if got[0] == "ok":
            assert type(got[1]) is type(expected[1]), (gtype.name, value)


def test_other_scalars_keep_their_serialisers() -> None:
    assert leaf_detail(GraphQLFloat) == (GraphQLFloat.coerce_output_value, None)
    schema = build_schema()._schema
    for name in ("DateTime", "Decimal", "JSON", "Date"):
        gtype = schema.type_map.get(name)
        if isinstance(gtype, GraphQLScalarType):
            assert leaf_detail(gtype)[1] is None, name


def test_every_enum_of_the_schema_writes_what_its_serialiser_writes() -> None:
    schema = build_schema()._schema
    enums = [
        gtype
        for name, gtype in schema.type_map.items()
        if isinstance(gtype, GraphQLEnumType) and not name.startswith("__")
    ]
    checked = 0
    for gtype in enums:
        detail = leaf_detail(gtype)
        wrapped = getattr(gtype, "wrapped_cls", None)
        values: list[object] = [*(wrapped or []), "NOT_A_VALUE", None]
        for value in values:
            assert written(detail, value) == serialised(gtype, value), (gtype.name, value)
            checked += 1
    assert len(enums) > 10
    assert checked > 50
