"""The schema extension that tells the request's record what the operation was."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from crm_graphql.api.errors import error_code
from crm_graphql.api.observability.record import RequestRecord, current_request


class ObserveOperation(SchemaExtension):
    """Copies the operation name and type, the caller, the outcome and the cost into
    the current request's record once the operation has ended (whatever the ending:
    refused, failed or answered).

    An operation that starts executing but never ends through GraphQL (stopped by the
    time limit, or by the client going away) keeps the outcome ``unfinished`` unless a
    more precise one is noted (``note_outcome`` in ``record``).
    """

    def on_execute(self) -> Iterator[None]:
        """Before execution: who runs which operation is known from here on."""
        record = current_request.get()
        if record is not None:
            _note_operation(record, self.execution_context)
            record.unfinished = True
        yield

    def get_results(self) -> dict[str, Any]:
        """Called by Strawberry after the operation; adds nothing to the response."""
        record = current_request.get()
        if record is not None:
            _note_operation(record, self.execution_context)
            _note_ending(record, self.execution_context)
        return {}


def _note_operation(record: RequestRecord, execution: Any) -> None:
    record.operation = _executed_name(execution)
    try:
        record.operation_type = execution.operation_type.value
    except Exception:  # unparsable document, or no such operation in it
        record.operation_type = "unknown"
    principal = getattr(execution.context, "principal", None)
    if principal is not None:
        record.user_id = principal.user_id
        record.api_key_id = principal.api_key_id


def _executed_name(execution: Any) -> str | None:
    """The name of the operation the document defines and the request picked; None for
    an anonymous one. A client-sent ``operationName`` that names no operation of the
    document is not a name: anyone could otherwise fill the metrics' label values."""
    document = getattr(execution, "graphql_document", None)
    if document is None:
        return None
    wanted = execution.operation_name
    names = [
        definition.name.value if definition.name is not None else None
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]
    if wanted is None:
        return names[0] if len(names) == 1 else None
    return wanted if wanted in names else None


def _note_ending(record: RequestRecord, execution: Any) -> None:
    record.unfinished = False
    # The cost is computed by the query limits when they are on.
    cost = getattr(execution.context, "cost", None)
    record.cost_requested = _number(getattr(cost, "requested", None))
    record.cost_actual = _number(getattr(cost, "actual", None))
    errors = execution.pre_execution_errors or []
    if record.outcome is None:  # a refusal noted earlier stays
        record.outcome = _code(errors[0]) if errors else "ok"


def _number(value: object) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _code(error: GraphQLError) -> str:
    return error_code(error)
