"""Schema extensions that refuse an operation before it runs: too costly or with a
filter variable over the size limits (right after validation, like a validation
error), or over the caller's rate budget (once the caller is known). No resolver runs
and no SQL is sent for a refused operation."""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult, get_operation_ast
from strawberry.extensions import SchemaExtension, ValidationCache
from strawberry.schema.schema import validate_document

from crm_graphql.api.auth import address_bucket, credentials_from
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.limits.budget import CostBudget
from crm_graphql.api.limits.cost import (
    CostAnalysis,
    QueryCost,
    Throttle,
    actual_cost,
    counted_cost,
)
from crm_graphql.api.limits.filter_size import oversized_filter
from crm_graphql.api.limits.size import FragmentCycle, expanded_size


class QueryCostLimit(SchemaExtension):
    """Computes the operation's cost (``context.cost``), refuses it over the maximum,
    and reports ``extensions.cost`` on every response."""

    def __init__(self, *, analysis: CostAnalysis, max_cost: int) -> None:
        self.analysis = analysis
        self.max_cost = max_cost

    def on_validate(self) -> Iterator[None]:
        # Listed after ValidationCache, whose hook has validated the document by now:
        # the cost is computed for valid documents only, and a refusal set here stops
        # the operation before execution, before even the credentials are checked.
        execution = self.execution_context
        document = execution.graphql_document
        operation = None
        if document is not None and not execution.pre_execution_errors:
            operation = get_operation_ast(document, execution.operation_name)
        cost: QueryCost = execution.context.cost
        cost.limit = self.max_cost or None
        if document is not None and operation is not None and execution.query is not None:
            plan = self.analysis.plan(
                execution.schema._schema, execution.query, document, operation
            )
            cost.requested = plan.evaluate(execution.variables, self.analysis.default_page_size)
            cost.shape = plan.shape
            if self.max_cost and cost.requested > self.max_cost:
                error = CrmError(
                    f"The query costs {cost.requested}, more than the maximum of "
                    f"{self.max_cost}: ask for smaller pages (first/last) or fewer nested "
                    "lists.",
                    ErrorCode.QUERY_TOO_COSTLY,
                    cost=cost.requested,
                    maximumCost=self.max_cost,
                )
                execution.pre_execution_errors = [error]
            else:
                oversized = oversized_filter(
                    execution.schema._schema, operation, execution.variables
                )
                if oversized is not None:
                    execution.pre_execution_errors = [oversized]
        yield

    def get_results(self) -> dict[str, Any]:
        execution = self.execution_context
        cost: QueryCost = execution.context.cost
        result = execution.result
        if not _shows_cost(execution):
            return {}
        if cost.actual is None and result is not None and result.data is not None:
            shape = cost.shape
            data = result.data
            cost.actual = actual_cost(data) if shape is None else counted_cost(shape, data)
        return {"cost": cost.as_extension()}


def _shows_cost(execution: Any) -> bool:
    """Costs are shown to signed-in callers and API keys, and for documents refused
    before credentials are checked (too costly, invalid) to callers presenting some:
    such a cost depends on the document alone. A caller without (valid) credentials
    learns nothing but its error, or its login's answer."""
    context = execution.context
    if context.principal is not None:
        return True
    return execution.result is None and credentials_from(context.request) is not None


def caller_key(context: Any) -> str:
    """Whose budget pays: the user, the API key, or (signed out) the client address."""
    principal = context.principal
    if principal is not None and principal.api_key_id is not None:
        return f"key:{principal.api_key_id}"
    if principal is not None and principal.user_id is not None:
        return f"user:{principal.user_id}"
    return f"ip:{address_bucket(context.client_address) or 'unknown'}"  # IPv6: its /64


class CostRateLimit(SchemaExtension):
    """Charges the operation's cost to its caller's budget; refuses it when the budget
    of the current minute cannot pay (``THROTTLED``, with the seconds to wait).

    Runs after authentication, so that the budget is the caller's and not the address's.
    """

    def __init__(self, *, budget: CostBudget) -> None:
        self.budget = budget

    async def on_execute(self) -> Any:
        execution = self.execution_context
        context = execution.context
        if execution.result is None:
            cost: QueryCost = context.cost
            charge = await self.budget.charge(caller_key(context), max(1, cost.requested))
            cost.throttle = Throttle(charge.limit, charge.remaining, charge.reset_in_seconds)
            if not charge.allowed:
                error = CrmError(
                    f"Rate limit: this query costs {cost.requested} and {charge.remaining} of "
                    f"{charge.limit} per minute is left; retry in {charge.reset_in_seconds} s.",
                    ErrorCode.THROTTLED,
                    retryAfter=charge.reset_in_seconds,
                )
                execution.result = ExecutionResult(data=None, errors=[error])
        yield


class QuerySizeLimit(SchemaExtension):
    """Refuses a document whose fragments expand past ``max_fields`` fields, before
    any validation rule walks it (see :mod:`crm_graphql.api.limits.size`)."""

    def __init__(self, *, max_fields: int) -> None:
        self.max_fields = max_fields

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        if document is not None and not execution.pre_execution_errors:
            try:
                size = expanded_size(document, self.max_fields)
            except FragmentCycle as cycle:
                execution.pre_execution_errors = [
                    CrmError(str(cycle), ErrorCode.GRAPHQL_VALIDATION_FAILED)
                ]
            else:
                if size > self.max_fields:
                    execution.pre_execution_errors = [
                        CrmError(
                            f"The query has more than {self.max_fields} selections (fields "
                            "and fragment spreads) once its fragments are expanded; at most "
                            f"{self.max_fields} are allowed.",
                            ErrorCode.QUERY_TOO_LARGE,
                            maximumFields=self.max_fields,
                        )
                    ]
        yield


class LimitedValidationCache(ValidationCache):
    """Strawberry's validation cache, skipped for a document already refused (by
    :class:`QuerySizeLimit`): its rules would walk what was refused for its size.

    Documents are looked up by identity: Strawberry's parser cache gives the same text
    the same parsed document, and graphql-core's syntax nodes are dataclasses whose
    hash walks the whole tree (every node and location), which Strawberry's own cache
    (an ``lru_cache`` over the document) computed on every request."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize=maxsize)
        self.maxsize = maxsize

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        if execution.pre_execution_errors:
            yield
            return
        schema, document = execution.schema._schema, execution.graphql_document
        if document is None:
            yield from super().on_validate()
            return
        rules = tuple(execution.validation_rules)
        key = (id(schema), id(document), rules)
        found = _VALIDATED.get(key)
        if found is not None and found[0]() is schema and found[1]() is document:
            _VALIDATED.move_to_end(key)
            execution.pre_execution_errors = found[2]
        else:
            errors = validate_document(schema, document, rules)
            _VALIDATED[key] = (weakref.ref(schema), weakref.ref(document), errors)
            while len(_VALIDATED) > self.maxsize:
                _VALIDATED.popitem(last=False)
            execution.pre_execution_errors = errors
        yield


#: Validation errors by (schema, document, rules), the schema and document held weakly
#: (an entry whose document is gone is never found again: its identity check fails).
_VALIDATED: OrderedDict[tuple[int, int, tuple[Any, ...]], tuple[Any, Any, Any]] = OrderedDict()
