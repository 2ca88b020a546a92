"""How the schema executes: error masking, the field-level read rules in front of every
resolver, and the extensions every operation passes through.

The composition root (``crm_graphql.schema``) builds the schema of the CRM's domains
with :func:`schema_extensions` and :class:`CrmExecutionContext`.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any, TypeGuard

import strawberry
from graphql import (
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfoHelpers,
    is_leaf_type,
)
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, gather_with_cancel
from strawberry.extensions import MaskErrors, ParserCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext
from tortoise.models import Model

from crm_graphql.api.aggregation.rollups import AggregationPaths
from crm_graphql.api.auth import Authentication, Authenticator
from crm_graphql.api.availability import (
    is_database_unavailable,
    is_deadlock,
    unavailable_error,
)
from crm_graphql.api.compiled import compile_plan
from crm_graphql.api.context import Context
from crm_graphql.api.errors import ErrorCode
from crm_graphql.api.limits import Limits
from crm_graphql.api.limits.timeouts import is_statement_timeout
from crm_graphql.api.observability.extension import ObserveOperation
from crm_graphql.api.permissions import ALREADY_REPORTED, FieldGate
from crm_graphql.api.planner import (
    DENIED,
    LEAF,
    LIST_OF_LEAVES,
    LIST_OF_OBJECTS,
    OBJECT,
    TYPENAME,
    Plan,
    Step,
    leaf_detail,
    reader,
)
from crm_graphql.api.scalars import CanonicalDecimal
from crm_graphql.settings import Settings

logger = logging.getLogger("crm_graphql.errors")


def is_unexpected(error: GraphQLError) -> bool:
    """True for faults of the server (bugs, lost connections), not of the request."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class MaskUnexpectedErrors(MaskErrors):
    """Hide the details of unexpected faults from clients; log them in full."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message="Internal server error.")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        """Each error masked on its own; masking itself never raises: should it fail,
        the client gets the plain internal error and the log gets both faults."""
        processed: list[GraphQLError] = []
        for error in errors:
            try:
                processed.append(
                    self.anonymise_error(error) if self.should_mask_error(error) else error
                )
            except Exception:
                logger.exception(
                    "masking an error failed; the error was: %r",
                    error.original_error or error,
                    exc_info=True,
                )
                logger.error(
                    "unexpected error at %s",
                    getattr(error, "path", None),
                    exc_info=error.original_error,
                )
                processed.append(
                    GraphQLError(
                        self.error_message,
                        extensions={"code": str(ErrorCode.INTERNAL_SERVER_ERROR)},
                    )
                )
        return processed

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = getattr(self.execution_context, "context", None)
        request_id = getattr(context, "request_id", None)
        if is_database_unavailable(error.original_error):
            # Not a bug: the database cannot be reached. Said once per error, briefly.
            logger.warning(
                "database unavailable at %s (request %s): %s",
                error.path,
                request_id,
                error.original_error,
            )
            unavailable = unavailable_error(request_id)
            return GraphQLError(
                message=unavailable.message,
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions=unavailable.extensions,
            )
        message, code = self.error_message, ErrorCode.INTERNAL_SERVER_ERROR
        if is_statement_timeout(error.original_error) or _cancelled(error.original_error):
            # The SQL server stopped a statement at its time limit, or the request's own
            # limit cancelled it: the request was too slow, which is no bug; no
            # traceback needed.
            logger.warning("time limit reached at %s (request %s)", error.path, request_id)
            message, code = "The request took too long and was stopped.", ErrorCode.TIMEOUT
        elif is_deadlock(error.original_error):
            # Rolled back to break a deadlock on every attempt (see run_mutation): busy
            # rows, not a bug; nothing of it was written.
            logger.warning("write conflict at %s (request %s)", error.path, request_id)
            message = (
                "The change met concurrent changes of the same records on every attempt "
                "and was not made; send it again."
            )
            code = ErrorCode.WRITE_CONFLICT
        else:
            logger.error(
                "unexpected error at %s (request %s)",
                error.path,
                request_id,
                exc_info=error.original_error,
            )
        extensions = {"code": str(code)}
        if request_id:
            extensions["requestId"] = request_id
        return GraphQLError(
            message=message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=extensions,
        )


_PLAIN_VALUES = frozenset({type(None), bool, int, float, str, list, tuple, dict, Decimal})


IsAwaitable = Callable[[Any], TypeGuard[Awaitable[Any]]]


def _rows_are_not_awaitable(is_awaitable: IsAwaitable) -> IsAwaitable:
    def check(value: Any) -> TypeGuard[Awaitable[Any]]:
        if type(value) in _PLAIN_VALUES or isinstance(value, Model):
            return False
        return is_awaitable(value)

    return check


class CrmExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Execution that applies the field-level read rules, and treats ORM rows as the
    plain values they are.

    Tortoise models define ``__await__`` (awaiting one returns itself), so GraphQL
    would schedule an asyncio task for every row of every list; treating them as
    values resolves a list of rows without any task.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_awaitable = _rows_are_not_awaitable(self.is_awaitable)
        self.gate = FieldGate(self.schema, self.context_value, self.operation, self.fragments)
        settings = getattr(self.context_value, "settings", None)
        # (type, selection) -> its plan, None where no plan covers it (see api.planner).
        self._plans: dict[tuple[GraphQLObjectType, int], Plan | None] | None = (
            {} if settings is not None and settings.planned_reads else None
        )
        # id(plan) -> the plan compiled (plans live as long as the operation).
        self._runners: dict[int, Callable[[Any], dict[str, Any]]] = {}
        # id(plan) -> whether it has denied fields to report.
        self._denied: dict[int, bool] = {}
        # (list type, field details) -> the nested lists its rows read at once.
        self._prefetches: dict[tuple[GraphQLObjectType, int], list[Any]] = {}
        # Plans kept across requests (see _kept_plans), once looked up.
        self._kept: dict[Any, Any] | None = None
        self._kept_looked_up = False
        holds = getattr(self.context_value, "holds", None)
        if holds is not None:
            holds(self)

    def release(self) -> None:
        """Cut this executor's cycle (its helpers hold its bound methods) once the
        operation has answered (see :meth:`Context.release`): work still settling in
        the background reaches the executor through a weak reference instead."""
        executor = weakref.ref(self)

        def track(values: Any) -> None:
            alive = executor()
            if alive is not None:
                alive.track_async_work(values)

        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=lambda values: gather_with_cancel(*values), track=track
        )

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """A selection of plain reads runs its plan, compiled (see
        :mod:`crm_graphql.api.compiled`); everything else, or whatever the plan gives up
        on, runs the standard way (see :mod:`crm_graphql.api.planner`)."""
        if self._plans is not None:
            plan = self._plan_of(parent_type, grouped_field_set)
            if plan is not None:
                run = self._runners.get(id(plan))
                if run is None:
                    run = self._runners[id(plan)] = self._compiled(plan)
                    self._denied[id(plan)] = any(step[0] == DENIED for step in plan)
                try:
                    result = run(source_value)
                except Exception:  # Abandon, or anything the standard way should report
                    pass
                else:
                    if self._denied.get(id(plan)):
                        self._report_denials(parent_type, path, plan)
                    return result
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def _compiled(self, plan: Plan) -> Callable[[Any], dict[str, Any]]:
        """The plan compiled; kept with a kept plan (see _kept_plans)."""
        kept = self._kept_plans()
        if kept is None or any(step[0] == DENIED for step in plan):
            return compile_plan(plan)
        key = ("compiled", id(plan))
        found = kept.get(key)
        if found is not None and found[0] is plan:
            return found[1]
        run = compile_plan(plan)
        kept[key] = (plan, run)
        return run

    def _report_denials(self, parent_type: GraphQLObjectType, path: Any, plan: Plan) -> None:
        """The FORBIDDEN errors of a plan's denied fields, in the order and with the
        paths the standard way gives them (see ``execute_field``)."""
        for kind, response_name, _, _, detail, _ in plan:
            if kind != DENIED:
                continue
            name, field_type, field_details_list = detail
            denial = self.gate.denial(parent_type, name)
            if denial is not None and denial is not ALREADY_REPORTED:
                field_path = Path(path, response_name, parent_type.name)
                self.handle_field_error(denial, field_type, field_details_list, field_path)

    def complete_list_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        """A list of rows whose fields include nested lists that can be read for all
        rows at once (``prefetch`` on their resolver, see ``api.pagination.fields``)
        reads them first, then completes the rows: each row's nested list is then a
        value, not an await (and an asyncio task) per row. Reading them is the same
        batched statements the rows would share; should it fail, the rows resolve the
        field one by one the standard way, reporting what failed.

        Only when no field rule can deny the caller anything the operation selects
        (``FieldGate.allows_all``, decided from the document and the role): the first
        denial of a field carries its error, and which row reports it depends on the
        order the rows' nested lists complete in, which reading them at once changes.
        """
        if self._plans is not None and type(result) is list and result and self.gate.allows_all():
            prefetches = self._prefetches_of(return_type, field_details_list)
            if prefetches:
                return self._complete_prefetched(
                    prefetches,
                    return_type,
                    field_details_list,
                    info,
                    path,
                    result,
                    position_context,
                )
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    async def _complete_prefetched(
        self,
        prefetches: list[tuple[Any, Any, Any, Any]],
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: list[Any],
        position_context: Any,
    ) -> Any:
        reads = []
        for item_type, gfield, details, prefetch in prefetches:
            first = details[0]
            try:
                arguments = get_argument_values(
                    gfield,
                    first.node,
                    self.variable_values,
                    first.fragment_variable_values,
                    self.hide_suggestions,
                )
                raw = self.build_resolve_info(gfield, to_nodes(details), item_type, path)
                reads.append(prefetch(result, raw, arguments))
            except Exception:  # the rows report it, one by one
                continue
        for outcome in await asyncio.gather(*reads, return_exceptions=True):
            if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
                raise outcome
        completed = super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )
        if self.is_awaitable(completed):
            return await completed
        return completed

    def _prefetches_of(
        self, return_type: Any, field_details_list: Any
    ) -> list[tuple[Any, Any, Any, Any]]:
        item_type = return_type.of_type
        if isinstance(item_type, GraphQLNonNull):
            item_type = item_type.of_type
        if not isinstance(item_type, GraphQLObjectType):
            return []
        key = (item_type, id(field_details_list))
        found = self._prefetches.get(key)
        if found is not None:
            return found
        grouped_field_set, defer_usages, _ = self.collect_subfields(item_type, field_details_list)
        found = []
        if not defer_usages:
            guarded = self.gate.guarded(item_type)
            for details in grouped_field_set.values():
                name = details[0].node.name.value
                gfield = item_type.fields.get(name)
                prefetch = getattr(gfield.resolve, "prefetch", None) if gfield else None
                if prefetch is None:
                    continue
                if (
                    guarded is not None
                    and name in guarded
                    and not self.gate.allows(item_type, name)
                ):
                    continue
                found.append((item_type, gfield, details, prefetch))
        # graphql-core keeps the list of field details alive for the whole operation.
        self._prefetches[key] = found
        return found

    def _plan_of(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        plans = self._plans
        assert plans is not None
        # graphql-core keeps every collected selection alive for the whole operation.
        key = (parent_type, id(grouped_field_set))
        if key in plans:
            return plans[key]
        kept = self._kept_plans()
        if kept is not None:
            # The fields collected here, by their nodes in the document: the same
            # document and caller plan them the same way (see _kept_plans).
            signature = (
                "plan",
                parent_type.name,
                tuple(
                    (response_name, tuple(id(details.node) for details in details_list))
                    for response_name, details_list in grouped_field_set.items()
                ),
            )
            found = kept.get(signature, _NOT_KEPT)
            if found is not _NOT_KEPT:
                plans[key] = found
                return found
        plans[key] = None  # while being planned (and for good if it cannot be)
        plan = plans[key] = self._make_plan(parent_type, grouped_field_set)
        if kept is not None and (plan is None or all(step[0] != DENIED for step in plan)):
            kept[signature] = plan
        return plan

    def _kept_plans(self) -> dict[Any, Any] | None:
        """Where plans are kept for later requests of the same document and caller
        (see :mod:`crm_graphql.api.kept`), or None: planned for this request only.

        A plan depends on the schema, the caller's role (field rules, which lists are
        read at once), the caller (fields shown to some callers only) and on the fields
        collected for each object below it. Those are the document's own unless a
        directive decides them (``@skip``, ``@include`` with variables, ``@defer``):
        documents with directives in their selections are planned per request. A plan
        that reports denied fields holds this request's field details: not kept.
        """
        if self._kept_looked_up:
            return self._kept
        context = self.context_value
        kept = None
        if isinstance(context, Context) and not _has_directives(self.operation, self.fragments):
            kept = context.kept(self.operation)
        self._kept, self._kept_looked_up = kept, True
        return kept

    def _make_plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        guarded = self.gate.guarded(parent_type)
        steps: list[Step] = []
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            name = node.name.value
            if name == "__typename":
                steps.append((TYPENAME, response_name, None, False, parent_type.name, False))
                continue
            gfield = parent_type.fields.get(name)
            if gfield is None:
                return None
            if guarded is not None and name in guarded and not self.gate.allows(parent_type, name):
                # Null, and reported by execute_fields once the plan has succeeded. Guarded
                # fields are nullable; should one not be, the standard way decides.
                if isinstance(gfield.type, GraphQLNonNull):
                    return None
                detail = (name, gfield.type, field_details_list)
                steps.append((DENIED, response_name, None, True, detail, False))
                continue
            # A value read for the whole list at once (see complete_list_value), which
            # happens only when no field rule can deny the caller anything selected.
            prefetched = getattr(gfield.resolve, "prefetch", None) is not None
            if prefetched and not self.gate.allows_all():
                return None
            if gfield.args or node.arguments:
                read_of = getattr(gfield.resolve, "planned_read_of", None)
                read = read_of(id(node), parent_type.name) if read_of is not None else None
            else:
                read = reader(gfield)
                read_for = getattr(gfield.resolve, "planned_read_for", None)
                if read is None and read_for is not None:
                    read = read_for(self.context_value)
            if read is None:
                return None
            step = self._step(response_name, read, gfield.type, field_details_list)
            if step is None:
                return None
            steps.append(step)
        return tuple(steps)

    def _step(
        self, response_name: str, read: Any, field_type: Any, field_details_list: Any
    ) -> Step | None:
        nullable = not isinstance(field_type, GraphQLNonNull)
        named = field_type if nullable else field_type.of_type
        if is_leaf_type(named):
            return (LEAF, response_name, read, nullable, leaf_detail(named), False)
        if isinstance(named, GraphQLObjectType):
            sub = self._subplan(named, field_details_list)
            if sub is None:
                return None
            return (OBJECT, response_name, read, nullable, (named.is_type_of, sub), False)
        if not isinstance(named, GraphQLList):
            return None
        item = named.of_type
        item_nullable = not isinstance(item, GraphQLNonNull)
        item = item if item_nullable else item.of_type
        if is_leaf_type(item):
            leaf = leaf_detail(item)
            return (LIST_OF_LEAVES, response_name, read, nullable, leaf, item_nullable)
        if isinstance(item, GraphQLObjectType):
            if self.gate.allows_all() and self._prefetches_of(named, field_details_list):
                # Its rows' nested lists are read at once when the list completes (see
                # complete_list_value): a plan of the list's parent would find them unread.
                return None
            sub = self._subplan(item, field_details_list)
            if sub is None:
                return None
            detail = (item.is_type_of, sub)
            return (LIST_OF_OBJECTS, response_name, read, nullable, detail, item_nullable)
        return None

    def _subplan(self, gtype: GraphQLObjectType, field_details_list: Any) -> Plan | None:
        grouped_field_set, defer_usages, _ = self.collect_subfields(gtype, field_details_list)
        if defer_usages:
            return None
        plan = self._plan_of(gtype, grouped_field_set)
        if plan is not None and any(step[0] == DENIED for step in plan):
            return None  # its denials are reported where the object itself executes
        return plan

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        """Field-level read rules: a denied field is null and is never resolved."""
        guarded = self.gate.guarded(parent_type)
        if guarded is not None:
            field_name = field_details_list[0].node.name.value
            if field_name in guarded:
                denial = self.gate.denial(parent_type, field_name)
                if denial is ALREADY_REPORTED:
                    return None
                if denial is not None:
                    field_type = parent_type.fields[field_name].type
                    self.handle_field_error(denial, field_type, field_details_list, path)
                    return None
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )


_NOT_KEPT = object()


def _has_directives(operation: Any, fragments: Mapping[str, Any]) -> bool:
    """Whether any selection of the operation, or of the document's fragments, carries a
    directive (``@skip``, ``@include``, ``@defer``, ...), or a fragment takes variables
    (graphql-core's experimental fragment arguments): then variables may decide which
    fields are collected."""
    if any(details.variable_signatures for details in fragments.values()):
        return True
    pending = [operation.selection_set]
    pending.extend(details.definition.selection_set for details in fragments.values())
    while pending:
        selection_set = pending.pop()
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if selection.directives:
                return True
            pending.append(getattr(selection, "selection_set", None))
    return False


class CrmSchema(strawberry.Schema):
    """The schema. Unexpected faults are logged where they are masked; expected errors
    belong to the client and are not logged. Amounts (``Decimal``) are read in their
    canonical ASCII form only (see :mod:`crm_graphql.api.scalars`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        overrides = kwargs.get("scalar_overrides") or {}
        kwargs["scalar_overrides"] = {Decimal: CanonicalDecimal, **overrides}
        super().__init__(*args, **kwargs)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


def schema_extensions(settings: Settings, limits: Limits, authenticate: Authenticator) -> list[Any]:
    """The extensions of the schema, in the order every operation passes them.

    Extensions are factories (one instance per request). Validation rules are built
    once: a new rule class per request would make every validation-cache lookup miss.
    """
    public_introspection = settings.public_introspection
    return [
        lambda: ParserCache(maxsize=256),
        # The document's expanded size, then validation (cached) within that size.
        *limits.validation(),
        # Tokens, depth, aliases, root fields, introspection, cost: all before any
        # credentials are checked, so a refused document costs no SQL at all. After
        # ValidationCache: the cost is computed once the document is known to be valid.
        *limits.before_authentication(),
        MaskUnexpectedErrors,
        # Refuses, before any resolver runs, every operation that is not entirely
        # public (login, refreshToken, introspection) and lacks valid credentials.
        lambda: Authentication(
            authenticate=authenticate, public_introspection=public_introspection
        ),
        # Charges the caller's rate budget (needs to know who the caller is).
        *limits.after_authentication(),
        # Operation name, caller, outcome and cost into the request's metrics and log line.
        ObserveOperation,
        # Rollups or raw rows for the aggregates, and which served (extensions.aggregation).
        AggregationPaths,
    ]


def _cancelled(error: BaseException | None) -> bool:
    """True for an error raised while the request's time limit cancelled its work (the
    cancellation is in its chain: asyncmy reports a statement cut off that way as a
    broken connection)."""
    seen: list[BaseException] = []
    while error is not None and not any(error is known for known in seen):
        if isinstance(error, asyncio.CancelledError):
            return True
        seen.append(error)
        error = error.__cause__ or error.__context__
    return False
