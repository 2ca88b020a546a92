"""The cost of an operation: the worst-case number of nodes it may return.

Computed before execution from the document alone, the way large public GraphQL APIs
do it. Page sizes multiply down the nesting:

- a field with ``first:``/``last:`` (a connection) returns at most that many records
  for each of its parents, the default page size when neither is given; once for
  each list of the page it selects under its own name (``nodes``, ``edges``, and
  every alias of them: ``a: nodes {id} b: nodes {id}`` returns the records twice);
- a list of objects without them (an order's ``items``) is assumed to hold
  ``CRM_COST_LIST_SIZE`` records for each parent;
- a single object (``company``) and scalars add nothing: they come with their parent;
- every root field of a mutation costs ``MUTATION_COST``; an operation costs at least 1.

``customers(first: 50) { nodes { orders(first: 10) { nodes { items { id } } } } }``
costs 50 + 50*10 + 50*10*10 = 5,550.

The walk over the document happens once per document (a :class:`CostPlan`, cached by
the document's text); a request only multiplies its variables into the plan.

The cost actually returned (``actualQueryCost``) counts the objects in every list of
the response. The same walk records where in a response lists can be (a
:data:`Shape`), so that counting them visits those places only, not every value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from math import prod
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    InlineFragmentNode,
    IntValueNode,
    NamedTypeNode,
    OperationDefinitionNode,
    OperationType,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    value_from_ast_untyped,
)
from strawberry.schema.types.base_scalars import isoformat

#: What a mutation's root field weighs: a write is worth more than reading one row.
MUTATION_COST = 10

#: Arguments that set the size of a page.
PAGE_ARGUMENTS = ("first", "last")

#: One page size: a number, or the name of the variable that holds it (the larger of
#: several, when ``first`` and ``last`` are both given; empty: the default page size).
Factor = tuple[int | str, ...]
#: The records of one list: the product of the page sizes down to it.
Term = tuple[Factor, ...]
#: Where the lists of a response object can be: response key -> what is below it, or
#: None where any value can be (a scalar such as ``JSON``, whose values are counted
#: like the rest of the response). A key that is not there holds no list in any
#: response to the operation.
Shape = dict[str, "Below | None"]
#: What is below a response key: whether it is a list whose items are all objects
#: (a list of a non-null object type: an item that fails nulls the whole list), and
#: the shape of its objects (in a list or not).
Below = tuple[bool, Shape]


@dataclass
class Throttle:
    """The caller's rate budget after this request (cost per minute)."""

    maximum_available: int
    currently_available: int
    reset_in_seconds: int


@dataclass
class QueryCost:
    """The cost of the request's operation, kept on the request context."""

    #: Worst case computed before execution (0 when the document never got that far).
    requested: int = 0
    #: Nodes actually returned; ``None`` until the operation has run.
    actual: int | None = None
    #: ``CRM_MAX_QUERY_COST``, ``None`` when off.
    limit: int | None = None
    throttle: Throttle | None = None
    #: Where the operation's response can hold lists, once its plan is known.
    shape: Shape | None = field(default=None, repr=False)

    def as_extension(self) -> dict[str, Any]:
        """``extensions.cost`` of the response."""
        rendered: dict[str, Any] = {
            "requestedQueryCost": self.requested,
            "actualQueryCost": self.actual,
            "maximumQueryCost": self.limit,
        }
        if self.throttle is not None:
            rendered["throttleStatus"] = {
                "maximumAvailable": self.throttle.maximum_available,
                "currentlyAvailable": self.throttle.currently_available,
                "resetInSeconds": self.throttle.reset_in_seconds,
            }
        return rendered


@dataclass(frozen=True)
class CostPlan:
    """An operation's cost with its page sizes left open: a sum of products."""

    terms: tuple[Term, ...]
    base: int
    variable_defaults: Mapping[str, Any] = field(default_factory=dict)
    #: Where the operation's response can hold lists (see :func:`counted_cost`).
    shape: Shape = field(default_factory=dict)

    def evaluate(self, variables: Mapping[str, Any] | None, default_page_size: int) -> int:
        """The cost for these variables (absent or null page sizes: the default)."""
        variables = variables or {}

        def size(factor: Factor) -> int:
            if not factor:
                return default_page_size
            largest = 0
            for part in factor:
                value: Any = part
                if isinstance(part, str):
                    value = variables.get(part, self.variable_defaults.get(part))
                if not isinstance(value, int) or isinstance(value, bool):
                    value = default_page_size
                largest = max(largest, value)
            return largest

        return max(1, self.base + sum(prod(size(f) for f in term) for term in self.terms))


class CostAnalysis:
    """Plans of the cost of documents (of one schema), cached by document text."""

    def __init__(self, *, default_page_size: int, list_size: int, cache_size: int) -> None:
        self.default_page_size = default_page_size
        self.list_size = list_size
        self.cache_size = cache_size
        self._plans: dict[tuple[str, str | None], CostPlan] = {}

    def cost(
        self,
        schema: GraphQLSchema,
        text: str,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any] | None,
    ) -> int:
        """The worst-case node count of ``operation`` with ``variables``."""
        return self.plan(schema, text, document, operation).evaluate(
            variables, self.default_page_size
        )

    def plan(
        self,
        schema: GraphQLSchema,
        text: str,
        document: DocumentNode,
        operation: OperationDefinitionNode,
    ) -> CostPlan:
        """The (cached) cost plan of ``operation``."""
        key = (text, operation.name.value if operation.name else None)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) >= self.cache_size:
                # A full cache starts over: simpler than LRU bookkeeping on every hit,
                # and a plan costs one walk of the document to make again.
                self._plans.clear()
            plan = self._plans[key] = _Planner(schema, self.list_size).plan(document, operation)
        return plan


class _Planner:
    """One walk over a document, collecting the terms of its cost."""

    def __init__(self, schema: GraphQLSchema, list_size: int) -> None:
        self.schema = schema
        self.list_size = list_size

    def plan(self, document: DocumentNode, operation: OperationDefinitionNode) -> CostPlan:
        """Walk ``operation`` once (the document has passed validation: no cycles)."""
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        defaults = {
            d.variable.name.value: value_from_ast_untyped(d.default_value)
            for d in operation.variable_definitions or ()
            if d.default_value is not None
        }
        root = self.schema.get_root_type(operation.operation)
        terms: list[Term] = []
        shape: Shape = {}
        if root is not None:
            self._walk(operation.selection_set, root, (), False, fragments, terms)
            shape = self._shape(operation.selection_set, root, fragments)
        base = 0
        if operation.operation == OperationType.MUTATION:
            base = MUTATION_COST * len(operation.selection_set.selections)
        return CostPlan(tuple(terms), base, defaults, shape)

    def _walk(
        self,
        selection_set: SelectionSetNode,
        parent: Any,
        factors: Term,
        in_page: bool,
        fragments: dict[str, FragmentDefinitionNode],
        terms: list[Term],
    ) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self._field(selection, parent, factors, in_page, fragments, terms)
                continue
            condition: NamedTypeNode | None
            if isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is None:
                    continue
                condition, inner = fragment.type_condition, fragment.selection_set
            else:
                assert isinstance(selection, InlineFragmentNode)
                condition, inner = selection.type_condition, selection.selection_set
            # Fragments on other types of an interface all count: the worst case.
            target = self.schema.get_type(condition.name.value) if condition else parent
            self._walk(inner, target or parent, factors, in_page, fragments, terms)

    def _field(
        self,
        node: FieldNode,
        parent: Any,
        factors: Term,
        in_page: bool,
        fragments: dict[str, FragmentDefinitionNode],
        terms: list[Term],
    ) -> None:
        definition = _field_definition(self.schema, parent, node.name.value)
        if definition is None or node.selection_set is None:
            return
        named = get_named_type(definition.type)
        if not is_composite_type(named):
            return
        page = _page_factor(node, definition)
        if page is not None:
            factors = (*factors, page)
            # Each list of the page under its own name (``nodes``, ``edges``, aliases
            # such as ``n2: nodes``) returns the page's records again: each is counted.
            copies = len(self._list_keys(node.selection_set, named, fragments, set()))
            terms.extend([factors] * max(1, copies))
            self._walk(node.selection_set, named, factors, True, fragments, terms)
            return
        is_list = isinstance(get_nullable_type(definition.type), GraphQLList)
        if is_list and not in_page:
            factors = (*factors, (self.list_size,))
            terms.append(factors)
        # A page's own lists (nodes, edges) are the records counted at the page field.
        self._walk(node.selection_set, named, factors, False, fragments, terms)

    def _list_keys(
        self,
        selection_set: SelectionSetNode,
        parent: Any,
        fragments: dict[str, FragmentDefinitionNode],
        spread: set[str],
    ) -> set[str]:
        """Response names (alias or field name) of the list fields selected directly in
        ``selection_set``, through fragments; fields of one name are merged into one."""
        keys: set[str] = set()
        condition: NamedTypeNode | None
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                definition = _field_definition(self.schema, parent, selection.name.value)
                if definition is not None and isinstance(
                    get_nullable_type(definition.type), GraphQLList
                ):
                    keys.add((selection.alias or selection.name).value)
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is None or selection.name.value in spread:
                    continue
                spread.add(selection.name.value)
                condition, inner = fragment.type_condition, fragment.selection_set
            else:
                assert isinstance(selection, InlineFragmentNode)
                condition, inner = selection.type_condition, selection.selection_set
            target = self.schema.get_type(condition.name.value) if condition else parent
            keys |= self._list_keys(inner, target or parent, fragments, spread)
        return keys

    def _shape(
        self,
        selection_set: SelectionSetNode,
        parent: Any,
        fragments: dict[str, FragmentDefinitionNode],
    ) -> Shape:
        """Where the objects of ``parent`` selected by ``selection_set`` hold lists.

        Every field that may be in the response counts, whatever its directives or the
        type condition of its fragment: a key that turns out absent or null is skipped
        when counting, so a shape may name more keys than a response has, never fewer.
        """
        shape: Shape = {}
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                definition = _field_definition(self.schema, parent, selection.name.value)
                if definition is None:
                    continue
                named = get_named_type(definition.type)
                below: Below | None
                if selection.selection_set is not None and is_composite_type(named):
                    objects = self._shape(selection.selection_set, named, fragments)
                    if not objects and not _is_list(definition.type):
                        continue  # an object without lists: nothing to count
                    below = (_only_objects(definition.type), objects)
                elif _never_a_list(named):
                    continue
                else:
                    below = None
                if key in shape:
                    below = _merged(shape[key], below)
                shape[key] = below
                continue
            condition: NamedTypeNode | None
            if isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is None:
                    continue
                condition, inner = fragment.type_condition, fragment.selection_set
            else:
                assert isinstance(selection, InlineFragmentNode)
                condition, inner = selection.type_condition, selection.selection_set
            target = self.schema.get_type(condition.name.value) if condition else parent
            for key, below in self._shape(inner, target or parent, fragments).items():
                shape[key] = _merged(shape[key], below) if key in shape else below
        return shape


def _never_a_list(named: Any) -> bool:
    """True for leaf types that always serialise to a string, a number or a boolean:
    enums, the built-in scalars, and scalars written by ``str`` or ``isoformat``."""
    if isinstance(named, GraphQLEnumType):
        return True
    if not isinstance(named, GraphQLScalarType):
        return False
    coerce = named.coerce_output_value
    return any(coerce is plain for plain in _PLAIN_OUTPUTS)


#: Serialisers whose results are strings, numbers or booleans (or errors).
_PLAIN_OUTPUTS = (
    *(
        scalar.coerce_output_value
        for scalar in (GraphQLString, GraphQLInt, GraphQLFloat, GraphQLBoolean, GraphQLID)
    ),
    str,
    isoformat,
)


def _is_list(field_type: Any) -> bool:
    while isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    return isinstance(field_type, GraphQLList)


def _only_objects(field_type: Any) -> bool:
    """True for a list whose items are never null: ``[T!]`` of an object type."""
    while isinstance(field_type, GraphQLNonNull):
        field_type = field_type.of_type
    return (
        isinstance(field_type, GraphQLList)
        and isinstance(field_type.of_type, GraphQLNonNull)
        and is_composite_type(field_type.of_type.of_type)
    )


def _merged(one: Below | None, other: Below | None) -> Below | None:
    """What two fields under one response key have below them (a field selected
    twice, or in fragments on different types)."""
    if one is None or other is None:
        return None
    merged = dict(one[1])
    for key, below in other[1].items():
        merged[key] = _merged(merged[key], below) if key in merged else below
    return one[0] and other[0], merged


def _field_definition(schema: GraphQLSchema, parent: Any, name: str) -> GraphQLField | None:
    if name == "__schema" and parent is schema.query_type:
        return SchemaMetaFieldDef
    if name == "__type" and parent is schema.query_type:
        return TypeMetaFieldDef
    fields = getattr(parent, "fields", None)
    return fields.get(name) if fields else None


def _page_factor(node: FieldNode, definition: GraphQLField) -> Factor | None:
    """The page size of a connection field; ``None`` for fields that are not pages."""
    if not any(name in definition.args for name in PAGE_ARGUMENTS):
        return None
    given: list[int | str] = []
    for argument in node.arguments or ():
        if argument.name.value not in PAGE_ARGUMENTS:
            continue
        value = argument.value
        if isinstance(value, VariableNode):
            given.append(value.name.value)
        elif isinstance(value, IntValueNode):
            given.append(int(value.value))
    # Nothing given (or a literal null): empty, the default page size.
    return tuple(given)


def actual_cost(data: Any) -> int:
    """Nodes actually returned: the objects in every list of the response data.

    Recursive (the depth limit bounds it) and typed by ``type() is``: about three
    times faster than a generic walk, and it runs on every response.
    """
    total = 0
    if type(data) is dict:
        for value in data.values():
            kind = type(value)
            if kind is dict or kind is list:
                total += actual_cost(value)
    elif type(data) is list:
        for item in data:
            kind = type(item)
            if kind is dict:
                total += 1 + actual_cost(item)
            elif kind is list:
                total += actual_cost(item)
    return total


def counted_cost(shape: Shape, data: dict[str, Any]) -> int:
    """:func:`actual_cost` of ``data``, a response to the operation whose shape is
    ``shape``: the same number, read only where the response can hold lists."""
    total = 0
    for key, below in shape.items():
        value: Any = data.get(key)
        kind = type(value)
        if kind is list:
            total += _counted_items(below, value)
        elif kind is dict:
            total += actual_cost(value) if below is None else counted_cost(below[1], value)
    return total


def _counted_items(below: Below | None, items: list[Any]) -> int:
    if below is None:
        return actual_cost(items)
    only_objects, shape = below
    if only_objects:
        total = len(items)
        if shape:
            for item in items:
                total += counted_cost(shape, item)
        return total
    total = 0
    for item in items:
        kind = type(item)
        if kind is dict:
            total += 1 + counted_cost(shape, item) if shape else 1
        elif kind is list:
            total += _counted_items(below, item)
    return total
