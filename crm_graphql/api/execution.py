"""How the schema executes: error masking, the field-level read rules in front of every
resolver, and the extensions every operation passes through.

The composition root (``crm_graphql.schema``) builds the schema of the CRM's domains
with :func:`schema_extensions` and :class:`CrmExecutionContext`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeGuard

import strawberry
from graphql import GraphQLError, GraphQLObjectType
from strawberry.extensions import MaskErrors, ParserCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext
from tortoise.models import Model

from crm_graphql.api.auth import Authentication, Authenticator
from crm_graphql.api.availability import is_database_unavailable, unavailable_error
from crm_graphql.api.errors import ErrorCode
from crm_graphql.api.limits import Limits
from crm_graphql.api.limits.timeouts import is_statement_timeout
from crm_graphql.api.observability.extension import ObserveOperation
from crm_graphql.api.permissions import ALREADY_REPORTED, FieldGate
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
        if is_statement_timeout(error.original_error):
            # The SQL server stopped a statement at its time limit: the request was too
            # slow, which is no bug; no traceback needed.
            logger.warning(
                "statement time limit reached at %s (request %s)", error.path, request_id
            )
            message, code = "The request took too long and was stopped.", ErrorCode.TIMEOUT
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
        self.gate = FieldGate(self.schema, self.context_value)

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
    ]
