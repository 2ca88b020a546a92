"""The size of filters passed in variables, checked on the raw JSON before anything
converts it.

A filter's conditions are counted again on the converted input (see
:func:`crm_graphql.api.filters.check_filter_size`), but converting an ``or`` of
thousands of branches into input objects is itself the expensive part: a second of CPU
for a request that is refused anyway. The document's own literals are bounded by the
token limit; variables are bounded only by the body size, so they are counted here,
with the same rules and the same error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    OperationDefinitionNode,
    type_from_ast,
)

from crm_graphql.api.errors import CrmError
from crm_graphql.api.input_limits import (
    MAX_FILTER_CONDITIONS,
    MAX_FILTER_NESTING,
    too_deep,
    too_many_conditions,
)

#: The fields that combine nested filters; an input type with all three is a filter.
_COMBINATORS = ("and", "or", "not")


def oversized_filter(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
) -> CrmError | None:
    """The error for the first filter among ``variables`` over the limits, if any."""
    if not variables:
        return None
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in variables:
            continue
        gtype = type_from_ast(schema, definition.type)
        if gtype is None:
            continue
        error = _check(gtype, variables[name], "filter")
        if error is not None:
            return error
    return None


def _check(gtype: Any, value: Any, argument: str) -> CrmError | None:
    """Walk ``value`` along its input type; count every filter met on the way."""
    while isinstance(gtype, GraphQLNonNull):
        gtype = gtype.of_type
    if isinstance(gtype, GraphQLList):
        if isinstance(value, list):
            for item in value:
                error = _check(gtype.of_type, item, argument)
                if error is not None:
                    return error
        return None
    if not isinstance(gtype, GraphQLInputObjectType) or not isinstance(value, dict):
        return None
    fields = gtype.fields
    if all(name in fields for name in _COMBINATORS):
        return _count(value, argument)
    for name, given in value.items():
        field = fields.get(name)
        if field is not None:
            error = _check(field.type, given, name)
            if error is not None:
                return error
    return None


def _count(value: dict[str, Any], argument: str) -> CrmError | None:
    """The same count as the converted filter's: every and/or/not branch, every field
    condition and every ``in`` value; without recursion."""
    conditions = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict):
            continue  # not a filter at all: GraphQL's own coercion reports it
        if depth > MAX_FILTER_NESTING:
            return too_deep(argument)
        for name, given in node.items():
            if given is None:
                continue
            if name in ("and", "or"):
                items = given if isinstance(given, list) else [given]
                conditions += len(items)
                stack.extend((item, depth + 1) for item in items)
            elif name == "not":
                conditions += 1
                stack.append((given, depth + 1))
            else:
                listed = given.get("in") if isinstance(given, dict) else None
                conditions += 1 + (len(listed) if isinstance(listed, list) else 0)
            if conditions > MAX_FILTER_CONDITIONS:
                return too_many_conditions(argument)
    return None
