"""The one error type of the API: a GraphQL error with a machine-readable ``code``."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError


class ErrorCode(StrEnum):
    """Values of ``extensions.code`` on GraphQL errors."""

    BAD_USER_INPUT = "BAD_USER_INPUT"
    INVALID_ID = "INVALID_ID"
    INVALID_CURSOR = "INVALID_CURSOR"
    PAGINATION_LIMIT = "PAGINATION_LIMIT"
    NOT_FOUND = "NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    TOO_MANY_PERIODS = "TOO_MANY_PERIODS"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    # The database cannot be reached: retry later (HTTP 503 with Retry-After).
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    # Query limits: each refusal has its own code, and nothing is executed.
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
    TOO_MANY_ROOT_FIELDS = "TOO_MANY_ROOT_FIELDS"
    TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
    QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
    QUERY_TOO_LARGE = "QUERY_TOO_LARGE"
    INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
    THROTTLED = "THROTTLED"
    TIMEOUT = "TIMEOUT"
    # A mutation rolled back to break a deadlock on every one of its attempts: nothing
    # was written; sending it again is safe.
    WRITE_CONFLICT = "WRITE_CONFLICT"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
    PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
    OPERATION_NOT_ALLOWED = "OPERATION_NOT_ALLOWED"
    # Refusals of the HTTP request itself (answered before any GraphQL work).
    BAD_REQUEST = "BAD_REQUEST"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
    BATCHING_NOT_ALLOWED = "BATCHING_NOT_ALLOWED"
    BATCH_TOO_LARGE = "BATCH_TOO_LARGE"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    UNSUPPORTED_CONTENT_TYPE = "UNSUPPORTED_CONTENT_TYPE"


class CrmError(GraphQLError):
    """An expected failure, reported to the client with ``extensions.code``."""

    def __init__(self, message: str, code: ErrorCode, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": str(code), **extensions})
        self.code = code


def error_code(error: GraphQLError) -> str:
    """The ``extensions.code`` of an error; GraphQL's own errors get one here."""
    code = (error.extensions or {}).get("code")
    if code:
        return str(code)
    if isinstance(error, GraphQLSyntaxError):
        # The parser stops at CRM_MAX_QUERY_TOKENS with a syntax error of its own.
        if "Document contains more than" in error.message:
            return str(ErrorCode.TOO_MANY_TOKENS)
        return str(ErrorCode.GRAPHQL_PARSE_FAILED)
    return str(ErrorCode.GRAPHQL_VALIDATION_FAILED)
