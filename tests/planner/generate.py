"""Random read queries made from the schema, with a fixed seed: selections of scalar,
reference and guarded fields, nested pages, aliases, inline and named fragments,
variables, ``pageInfo`` and ``edges``, and ``__typename``."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)

#: Root lists the generator starts from (connections that need no argument).
MAX_DEPTH = 3


@dataclass
class Document:
    """One generated operation and its variables."""

    query: str
    variables: dict[str, Any] = field(default_factory=dict)


def _is_connection(gtype: Any) -> bool:
    named = get_named_type(gtype)
    return (
        isinstance(named, GraphQLObjectType)
        and "nodes" in named.fields
        and ("pageInfo" in named.fields)
    )


def _required_arguments(gfield: Any) -> bool:
    return any(
        isinstance(argument.type, GraphQLNonNull) and argument.default_value is None
        for argument in gfield.args.values()
    )


class Generator:
    """Makes :class:`Document` s over ``schema`` from the random source ``rng``."""

    def __init__(self, schema: GraphQLSchema, rng: random.Random) -> None:
        self.schema = schema
        self.rng = rng
        query = schema.query_type
        assert query is not None
        self.roots = sorted(
            name
            for name, gfield in query.fields.items()
            if _is_connection(gfield.type) and not _required_arguments(gfield)
        )

    def document(self) -> Document:
        rng = self.rng
        self.variables: dict[str, Any] = {}
        self.declarations: list[str] = []
        self.fragments: dict[str, str] = {}
        root = rng.choice(self.roots)
        query = self.schema.query_type
        assert query is not None
        selection = self._field(query.fields[root], root, 0)
        if rng.random() < 0.3:
            # A second root field under an alias.
            other = rng.choice(self.roots)
            selection += " second: " + self._field(query.fields[other], other, 0)
        header = f"({', '.join(self.declarations)})" if self.declarations else ""
        text = f"query Generated{header} {{ {selection} }}"
        for body in self.fragments.values():
            text += f"\n{body}"
        return Document(text, dict(self.variables))

    def _arguments(self, gfield: Any) -> str:
        rng = self.rng
        if "first" not in gfield.args:
            return ""
        size = rng.choice([0, 1, 2, 3, 5, 10])
        argument = "last" if rng.random() < 0.15 else "first"
        if rng.random() < 0.4:
            name = f"v{len(self.variables)}"
            self.variables[name] = size
            self.declarations.append(f"${name}: Int")
            return f"({argument}: ${name})"
        return f"({argument}: {size})"

    def _field(self, gfield: Any, name: str, depth: int) -> str:
        named = get_named_type(gfield.type)
        if _is_connection(gfield.type):
            return f"{name}{self._arguments(gfield)} {{ {self._connection(named, depth)} }}"
        if isinstance(named, GraphQLObjectType):
            return f"{name} {{ {self._object(named, depth + 1)} }}"
        return name

    def _connection(self, connection: GraphQLObjectType, depth: int) -> str:
        rng = self.rng
        node = get_named_type(connection.fields["nodes"].type)
        assert isinstance(node, GraphQLObjectType | GraphQLUnionType)
        parts = []
        if rng.random() < 0.8:
            parts.append(f"nodes {{ {self._node(node, depth + 1)} }}")
        if rng.random() < 0.3:
            parts.append(f"edges {{ cursor node {{ {self._node(node, depth + 1)} }} }}")
        if rng.random() < 0.4:
            page_info = get_named_type(connection.fields["pageInfo"].type)
            assert isinstance(page_info, GraphQLObjectType)
            known = ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"]
            present = [name for name in known if name in page_info.fields]
            chosen = rng.sample(present, k=rng.randint(1, len(present)))
            parts.append(f"pageInfo {{ {' '.join(chosen)} }}")
        if "totalCount" in connection.fields and (rng.random() < 0.3 or not parts):
            parts.append("totalCount")
        if not parts:
            parts.append("pageInfo { hasNextPage }")
        return " ".join(parts)

    def _node(self, node: GraphQLObjectType | GraphQLUnionType, depth: int) -> str:
        """The selection of a list's node: an object's fields, or for a union (a feed of
        several kinds) the type name and the fields of one or two members."""
        if isinstance(node, GraphQLObjectType):
            return self._object(node, depth)
        members = self.rng.sample(list(node.types), k=min(2, len(node.types)))
        spreads = [f"... on {one.name} {{ {self._object(one, depth)} }}" for one in members]
        return "__typename " + " ".join(spreads)

    def _object(self, gtype: GraphQLObjectType, depth: int) -> str:
        rng = self.rng
        leaves = []
        nested = []
        for name, gfield in gtype.fields.items():
            if _required_arguments(gfield):
                continue
            named = get_named_type(gfield.type)
            if isinstance(named, GraphQLScalarType | GraphQLEnumType):
                leaves.append(name)
            elif (depth < MAX_DEPTH and not isinstance(gfield.type, GraphQLList)) or (
                depth < MAX_DEPTH and _is_connection(gfield.type)
            ):
                nested.append(name)
        chosen = rng.sample(leaves, k=min(len(leaves), rng.randint(1, 6))) if leaves else []
        parts = []
        for name in chosen:
            if rng.random() < 0.15:
                parts.append(f"a{rng.randint(0, 99)}_{name}: {name}")
            else:
                parts.append(name)
        for name in rng.sample(nested, k=min(len(nested), rng.randint(0, 2))):
            parts.append(self._field(gtype.fields[name], name, depth))
        if rng.random() < 0.1:
            parts.append("__typename")
        if not parts:
            parts.append("__typename")
        text = " ".join(parts)
        roll = rng.random()
        if roll < 0.15:
            return f"... on {gtype.name} {{ {text} }}"
        if roll < 0.3:
            fragment = f"F{len(self.fragments)}"
            self.fragments[fragment] = f"fragment {fragment} on {gtype.name} {{ {text} }}"
            return f"...{fragment}"
        return text
