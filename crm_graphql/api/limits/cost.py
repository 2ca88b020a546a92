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
    GraphQLField,
    GraphQLList,
    GraphQLSchema,
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

#: What a mutation's root field weighs: a write is worth more than reading one row.
MUTATION_COST = 10

#: Arguments that set the size of a page.
PAGE_ARGUMENTS = ("first", "last")

#: One page size: a number, or the name of the variable that holds it (the larger of
#: several, when ``first`` and ``last`` are both given; empty: the default page size).
Factor = tuple[int | str, ...]
#: The records of one list: the product of the page sizes down to it.
Term = tuple[Factor, ...]


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
        key = (text, operation.name.value if operation.name else None)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) >= self.cache_size:
                # A full cache starts over: simpler than LRU bookkeeping on every hit,
                # and a plan costs one walk of the document to make again.
                self._plans.clear()
            plan = self._plans[key] = _Planner(schema, self.list_size).plan(document, operation)
        return plan.evaluate(variables, self.default_page_size)


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
        if root is not None:
            self._walk(operation.selection_set, root, (), False, fragments, terms)
        base = 0
        if operation.operation == OperationType.MUTATION:
            base = MUTATION_COST * len(operation.selection_set.selections)
        return CostPlan(tuple(terms), base, defaults)

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
