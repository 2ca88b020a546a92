"""``connection()``: a list field in one declaration.

Like Strawberry's relay ``ConnectionExtension``, a field extension adds the paging
arguments (``first after last before filter orderBy``) to the field and reads the page
itself, so that a list is one line on its type::

    opportunities = connection(
        OPPORTUNITY_LIST, parent="customer", description="The customer's deals."
    )

Its GraphQL type (``Connection[Opportunity]``, named ``OpportunityConnection``) comes from
the entity registry. A root list with arguments of its own decorates a small resolver
that takes only those arguments and returns their extra condition (a ``Q``, or a
:class:`ListCondition`)::

    @connection(CUSTOMER_LIST, description="Customers, newest first by default.")
    def customers(self, info: Info, search: SearchArg = None) -> Q:
        return search_q(search, CUSTOMER_SEARCH)

Every list shows only the rows its entity makes visible (soft-deleted rows are left
out); a resolver may return ``ListCondition(where, include_deleted=True)`` for callers
allowed to see them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions.field_extension import FieldExtension
from strawberry.types import Info as StrawberryInfo
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField
from tortoise.expressions import Q
from tortoise.models import Model

from crm_graphql.api.columns import READS_ATTRIBUTE, needed_columns, node_type_of
from crm_graphql.api.context import Info
from crm_graphql.api.dynamic_types import list_of, optional, parametrized
from crm_graphql.api.entities import entity_of, readable_q
from crm_graphql.api.filters import filter_q
from crm_graphql.api.kept import Unfrozen, frozen
from crm_graphql.api.loaders import ATTACHED, attach, selected_fields
from crm_graphql.api.pagination.fetch import children_pages, paginate, paginate_children
from crm_graphql.api.pagination.listing import ListSpec
from crm_graphql.api.pagination.pages import PagePlan, plan_page
from crm_graphql.api.pagination.types import Connection
from crm_graphql.api.permissions import readable_by as readable_by_roles
from crm_graphql.api.planner import INLINE, Abandon, Convert
from crm_graphql.api.references import foreign_key
from crm_graphql.api.roles import Role

FIRST_DESCRIPTION = (
    "Page forwards: at most this many rows after `after` "
    "(default 20, at most 100 unless the server is configured otherwise)."
)
AFTER_DESCRIPTION = "Cursor: start after this row."
LAST_DESCRIPTION = "Page backwards: at most this many rows before `before`."
BEFORE_DESCRIPTION = "Cursor: end before this row."
FILTER_DESCRIPTION = "Only rows matching all conditions."
ORDER_BY_DESCRIPTION = "Sort keys, most significant first; the ID breaks remaining ties."

First = Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)]
After = Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)]
Last = Annotated[int | None, strawberry.argument(description=LAST_DESCRIPTION)]
Before = Annotated[str | None, strawberry.argument(description=BEFORE_DESCRIPTION)]
T = TypeVar("T")
#: ``filter:`` argument of a field that is no list (e.g. an aggregate over a list's rows).
FilterArg = Annotated[T, strawberry.argument(description=FILTER_DESCRIPTION)]


@dataclass(frozen=True)
class ListCondition:
    """What a root list's own resolver adds to the page: a condition, and whether the
    rows the entity hides (soft-deleted) are included."""

    where: Q
    include_deleted: bool = False


def _argument(name: str, annotation: Any, description: str) -> StrawberryArgument:
    return StrawberryArgument(
        python_name=name,
        graphql_name=None,
        type_annotation=StrawberryAnnotation(annotation),
        description=description,
        default=None,
    )


class ConnectionExtension(FieldExtension):
    """Adds the paging arguments to a field and reads its page (see the module doc)."""

    def __init__(
        self, spec: ListSpec, *, parent: str | None, node: type | None, nullable: bool
    ) -> None:
        self.spec = spec
        self.parent = parent
        self.node = node
        self.nullable = nullable
        self.takes_condition = False

    def apply(self, field: StrawberryField) -> None:
        spec = self.spec
        resolver = field.base_resolver
        self.takes_condition = resolver is not None and resolver.wrapped_func is not _no_condition
        if self.parent is not None and self.takes_condition:
            raise TypeError(f"{field.python_name}: a nested list takes no resolver")
        own = list(field.arguments)
        arguments = [
            _argument("first", int | None, FIRST_DESCRIPTION),
            _argument("after", str | None, AFTER_DESCRIPTION),
            _argument("last", int | None, LAST_DESCRIPTION),
            _argument("before", str | None, BEFORE_DESCRIPTION),
        ]
        if spec.filter_input is not None:
            arguments.append(_argument("filter", spec.filter_input | None, FILTER_DESCRIPTION))
        arguments.append(
            _argument("order_by", optional(list_of(spec.order_input)), ORDER_BY_DESCRIPTION)
        )
        field.arguments = arguments + own
        node = self.node or _registered_node(spec)
        connection = parametrized(Connection, node)
        field.type_annotation = StrawberryAnnotation(
            connection | None if self.nullable else connection
        )

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        return self._page(next_, source, info, kwargs)

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        return await self._page(next_, source, info, kwargs)

    async def _page(
        self, next_: Callable[..., Any], source: Any, info: Info, kwargs: dict[str, Any]
    ) -> Connection[Any]:
        spec = self.spec
        first = kwargs.pop("first", None)
        after = kwargs.pop("after", None)
        last = kwargs.pop("last", None)
        before = kwargs.pop("before", None)
        filter_value = kwargs.pop("filter", None)
        order_by: Sequence[Any] | None = kwargs.pop("order_by", None)
        condition = ListCondition(Q())
        if self.takes_condition:
            result = next_(source, info, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            condition = result if isinstance(result, ListCondition) else ListCondition(result)
        where = condition.where & filter_q(filter_value, info)
        if not condition.include_deleted:
            where = spec.visible_q & where
        # The entity's row-level read rule, if it has one (the same for every parent).
        where = readable_q(spec.model, info.context.principal) & where
        plan = plan_page(
            info, spec, first=first, after=after, last=last, before=before, order_by=order_by
        )
        column = foreign_key(spec.model, self.parent).column if self.parent is not None else None
        columns = self._columns(info, plan, column)
        if column is None:
            return await paginate(info, plan, spec, where, columns)
        # Nested lists have no condition of their own: the filter identifies the page.
        return await paginate_children(
            info, plan, spec, column, source.pk, where, repr(filter_value), columns
        )

    def direct_resolver(self, field: StrawberryField, convert: Convert) -> Any:
        """A resolver for a nested list without other extensions that skips
        Strawberry's per-row wrapper (see :mod:`crm_graphql.api.planner`), or None.

        The list resolves once per parent row with the same arguments: they are
        converted once per field of the document and request, and the page request
        (order, size, cursors, condition, columns) is validated once too. A request
        that fails validation is not remembered: every row reports its own error, as
        with the wrapper.
        """
        if self.parent is None or self.takes_condition or list(field.extensions) != [self]:
            return None
        make_info = StrawberryInfo  # the class itself: a subscripted alias costs a call more

        def arguments_of(info: Info, raw: Any, arguments: dict[str, Any]) -> Any:
            key = ("list arguments", id(raw.field_nodes[0]), raw.parent_type.name)
            memo = info.context.memo
            converted = memo.get(key)
            if converted is None:
                converted = memo[key] = convert(arguments, field, info)
            return key, converted

        def prepared(info: Info, raw: Any, arguments: dict[str, Any]) -> tuple[Any, ...]:
            """The page request of this field node: kept with the document and caller
            for the same argument values (see ``api.kept``), except with a filter (a
            filter may depend on the time: ``overdue``) or a cursor (every page would be
            kept); else once per request."""
            kept_key: Hashable = None
            if (
                arguments.get("filter") is None
                and arguments.get("after") is None
                and arguments.get("before") is None
            ):
                try:
                    kept_key = (
                        "list request",
                        id(raw.field_nodes[0]),
                        raw.parent_type.name,
                        frozen(arguments),
                    )
                except Unfrozen:
                    kept_key = None
            if kept_key is not None:
                kept = info.context.kept(raw.operation)
                found = kept.get(kept_key)
                if found is not None:
                    return found
            key, converted = arguments_of(info, raw, arguments)
            found = self._prepared(info, key, converted)
            if kept_key is not None:
                kept[kept_key] = found
            return found

        def resolve(source: Any, raw: Any, **arguments: Any) -> Any:
            values = getattr(source, "__dict__", _NOTHING).get(ATTACHED)
            if values is not None:
                page = values.get(("list", id(raw.field_nodes[0]), raw.parent_type.name))
                if page is not None:
                    return page
            info = make_info(_raw_info=raw, _field=field)
            return self._child_page(source, info, prepared(info, raw, arguments))

        async def prefetch(rows: list[Any], raw: Any, arguments: dict[str, Any]) -> None:
            """Read the pages of all ``rows`` at once and attach them, so that the
            field resolves without an await per row (see ``api.execution``)."""
            info = make_info(_raw_info=raw, _field=field)
            plan, where, column, where_key, columns, wanted = prepared(info, raw, arguments)
            pages = await children_pages(
                info,
                plan,
                self.spec,
                column,
                [row.pk for row in rows],
                where,
                where_key,
                columns,
                wanted,
            )
            page_key = ("list", id(raw.field_nodes[0]), raw.parent_type.name)
            for row, page in zip(rows, pages, strict=True):
                attach(row, page_key, page)

        def planned_read_of(node_id: int, type_name: str) -> Callable[[Any], Any]:
            """How a plan reads the page attached for this field node (see
            ``api.planner``): the page, or the plan is abandoned."""
            page_key = ("list", node_id, type_name)

            def read(source: Any) -> Any:
                values = getattr(source, "__dict__", _NOTHING).get(ATTACHED)
                page = values.get(page_key) if values is not None else None
                if page is None:
                    raise Abandon
                return page

            setattr(read, INLINE, ("attached_value", page_key))
            return read

        resolve.prefetch = prefetch  # type: ignore[attr-defined]
        resolve.planned_read_of = planned_read_of  # type: ignore[attr-defined]
        return resolve

    def _prepared(self, info: Info, key: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        memo = info.context.memo
        prepared_key = ("list request", key)
        prepared = memo.get(prepared_key)
        if prepared is None:
            prepared = memo[prepared_key] = self._prepare_child_page(info, dict(kwargs))
        return prepared

    async def _child_page(
        self, source: Any, info: Info, prepared: tuple[Any, ...]
    ) -> Connection[Any]:
        plan, where, column, where_key, columns, wanted = prepared
        return await paginate_children(
            info, plan, self.spec, column, source.pk, where, where_key, columns, wanted
        )

    def _prepare_child_page(self, info: Info, kwargs: dict[str, Any]) -> tuple[Any, ...]:
        """What ``_page`` computes before reading a nested page, in the same order."""
        spec = self.spec
        filter_value = kwargs.pop("filter", None)
        where = Q() & filter_q(filter_value, info)
        where = spec.visible_q & where
        where = readable_q(spec.model, info.context.principal) & where
        plan = plan_page(
            info,
            spec,
            first=kwargs.pop("first", None),
            after=kwargs.pop("after", None),
            last=kwargs.pop("last", None),
            before=kwargs.pop("before", None),
            order_by=kwargs.pop("order_by", None),
        )
        assert self.parent is not None
        column = foreign_key(spec.model, self.parent).column
        columns = self._columns(info, plan, column)
        return plan, where, column, repr(filter_value), columns, spec.wanted_references(info)

    def _columns(self, info: Info, plan: PagePlan, parent: str | None) -> tuple[str, ...] | None:
        """The columns the page's rows need (None: all, the standard path)."""
        if not info.context.settings.planned_reads:
            return None
        raw = info._raw_info
        # The selection and sort keys decide them: kept with the document (api.kept).
        memo = info.context.kept(raw.operation)
        key = ("columns", id(raw.field_nodes[0]), plan.keys)
        if key in memo:
            return memo[key]
        keys = [sort_key.column for sort_key in plan.keys]
        if parent is not None:
            keys.append(parent)
        columns = memo[key] = needed_columns(
            node_type_of(info._raw_info.return_type),
            self.spec.model,
            selected_fields(info, "nodes"),
            keys,
        )
        return columns

    def reads_columns(self, model: type[Model], field: StrawberryField) -> tuple[str, ...] | None:
        """A nested list reads the key of its parent row only (see ``api.columns``); a
        list with a condition of its own (a segment's members) reads what its resolver
        declares with ``@reads``, and without a declaration whole rows (None)."""
        if not self.takes_condition:
            return ()
        resolver = field.base_resolver
        return getattr(resolver.wrapped_func, READS_ATTRIBUTE, None) if resolver else None


_NOTHING: dict[str, Any] = {}


def _no_condition() -> Q:
    """The resolver of a list field without arguments of its own."""
    return Q()


def _registered_node(spec: ListSpec) -> type:
    registered = entity_of(spec.model)
    if registered is None:
        raise LookupError(f"{spec.model.__name__} is no entity: pass connection(node=...)")
    return registered.node


def connection(
    spec: ListSpec,
    *,
    description: str,
    parent: str | None = None,
    node: type | None = None,
    nullable: bool = False,
    extensions: Sequence[FieldExtension] = (),
    readable_by: frozenset[Role] | None = None,
) -> Any:
    """A list field (see the module doc).

    ``parent``: for a nested list, the child's foreign key that points to the parent
    row (``customer`` for a customer's orders). ``node`` and ``nullable`` give the
    GraphQL type of a decorated root list whose rows are no entity (``ApiKey``) or
    that is null for some callers; ``extensions`` run before the page is read (e.g. a
    role check). ``readable_by``: only these roles may read the list (a guarded field:
    null with one FORBIDDEN error for the others, who run no SQL for it).
    """
    directives: list[Any] = []
    if readable_by is not None:
        sentence, directives = readable_by_roles(readable_by)
        description = f"{description} {sentence}"
        nullable = True
    return strawberry.field(
        resolver=_no_condition,
        description=description,
        directives=directives,
        # Strawberry calls the last extension first: the role check runs before the page.
        extensions=[
            ConnectionExtension(spec, parent=parent, node=node, nullable=nullable),
            *extensions,
        ],
    )
