"""The GraphQL endpoint: Strawberry's ASGI view behind the query limits."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from cross_web import HTTPException
from pydantic import SecretStr
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.arguments import convert_arguments
from strawberry.types.graphql import OperationType

from crm_graphql.api.availability import pool_exhausted, unavailable_error
from crm_graphql.api.context import Context
from crm_graphql.api.errors import CrmError, ErrorCode, error_code
from crm_graphql.api.graphiql import graphiql_response
from crm_graphql.api.kept import KeptPreparation
from crm_graphql.api.limits import Limits
from crm_graphql.api.limits.http import (
    ACCEPTED_CONTENT_TYPES,
    UPLOAD_PREFLIGHT_HEADERS,
    JsonBodyLimit,
    RequestRefused,
    refusal_response,
)
from crm_graphql.api.limits.timeouts import limit_statement_time
from crm_graphql.api.observability.record import note_outcome
from crm_graphql.api.planner import Convert, plan_resolvers
from crm_graphql.api.runtime.encoding import fast_json, standard_json
from crm_graphql.settings import Settings

logger = logging.getLogger("crm_graphql")

#: Schemas already built, by the settings they were built for (newest last). A schema is
#: immutable once planned, so apps made with equal settings (a server's workers, the test
#: suite's apps) share one instead of spending a quarter of a second building each.
_BUILT_SCHEMAS: OrderedDict[tuple[object, ...], BaseSchema] = OrderedDict()
_BUILT_SCHEMAS_KEPT = 8


def _settings_key(settings: Settings, build: Callable[..., object]) -> tuple[object, ...]:
    """Every setting's plain value (secrets included: equal masks must not share)."""
    values = [
        (name, value.get_secret_value() if isinstance(value, SecretStr) else repr(value))
        for name, value in settings
    ]
    return (build, *values)


def strawberry_arguments(schema: BaseSchema) -> Convert:
    """How Strawberry turns a field's argument values into its resolver's arguments
    (input objects, enums, Python names), for resolvers called without its wrapper."""
    registry = schema.schema_converter.scalar_registry
    config = schema.config

    def convert(values: dict[str, Any], field: Any, info: Any) -> dict[str, Any]:
        kwargs = convert_arguments(
            values, field.arguments, scalar_registry=registry, config=config, info=info
        )
        for extension in field.extensions:
            kwargs = extension.map_arguments(kwargs)
        return kwargs

    return convert


def shared_schema(
    settings: Settings, limits: Limits, build: Callable[[Settings, Limits], BaseSchema]
) -> BaseSchema:
    """The schema for ``settings``, built (and its read path planned) at most once."""
    key = _settings_key(settings, build)
    schema = _BUILT_SCHEMAS.get(key)
    if schema is None:
        schema = build(settings, limits)
        if settings.planned_reads:
            plan_resolvers(schema._schema, strawberry_arguments(schema))  # type: ignore[attr-defined]
        _BUILT_SCHEMAS[key] = schema
        while len(_BUILT_SCHEMAS) > _BUILT_SCHEMAS_KEPT:
            _BUILT_SCHEMAS.popitem(last=False)
    else:
        _BUILT_SCHEMAS.move_to_end(key)
    return schema


#: GraphQL's suggestions in error messages ("Did you mean 'email'?"): names of the schema.
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


class CrmGraphQL(GraphQL[Context, None]):
    """The GraphQL endpoint: a fresh context (and DataLoaders) per request, behind the
    query limits of :mod:`crm_graphql.api.limits`."""

    def __init__(
        self,
        settings: Settings,
        build_schema: Callable[[Settings, Limits], BaseSchema],
        **kwargs: Any,
    ) -> None:
        self.limits = Limits.from_settings(settings)
        super().__init__(shared_schema(settings, self.limits, build_schema), **kwargs)
        self.settings = settings
        self._limited_http = JsonBodyLimit(self._serve_http, settings.max_body_bytes)
        self._statement_limit_set = False
        self._encode = fast_json if settings.fast_json else standard_json
        # What requests prepare from their document alone, for the next ones (see
        # api.kept); only on the planned read path.
        self._kept = KeptPreparation() if settings.planned_reads else None
        # Operations beyond the cap wait their turn: a few at a time finish sooner than
        # hundreds sharing the CPU (each would take seconds and run into the time limit).
        cap = settings.max_concurrent_operations
        self._turns = asyncio.Semaphore(cap) if cap else contextlib.nullcontext()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._limited_http(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    async def _serve_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Strawberry's HTTP handling, with every refusal answered as a GraphQL error."""
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except RequestRefused as refused:
            note_outcome(str(refused.code))
            response = refusal_response(refused, scope.get("state", {}).get("request_id"))
        except HTTPException as exc:  # Strawberry's own: malformed JSON, no query, ...
            refusal = RequestRefused(exc.status_code, ErrorCode.BAD_REQUEST, exc.reason)
            note_outcome(str(refusal.code))
            response = refusal_response(refusal, scope.get("state", {}).get("request_id"))
        except ClientDisconnect:
            # The client left (or was cut off by the read timeout) before its body arrived:
            # there is no one to answer.
            note_outcome(str(ErrorCode.REQUEST_TIMEOUT))
            return
        await response(scope, receive, send)

    # Only HTTP requests get here (the endpoint is an HTTP route): no WebSocket.
    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        # No principal yet: the schema's Authentication extension sets it once the
        # operation is known (login and refreshToken need none).
        return Context(settings=self.settings, request=request, kept_preparation=self._kept)

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from this server's own assets: Strawberry's page needs a public CDN."""
        return graphiql_response(request)

    def should_render_graphql_ide(self, request: Any) -> bool:
        """GraphiQL for a browser's GET; a GET with a persisted query's hash is an API call."""
        if request.query_params.get("extensions") is not None:
            return False
        return super().should_render_graphql_ide(request)

    async def parse_http_body(self, request: Any) -> Any:
        """Only JSON bodies (CSRF, see ``ACCEPTED_CONTENT_TYPES``) and limited batches."""
        if request.method == "POST":
            content_type = (request.content_type or "").partition(";")[0].strip().lower()
            upload = content_type == "multipart/form-data" and any(
                request.headers.get(name) for name in UPLOAD_PREFLIGHT_HEADERS
            )
            if content_type not in ACCEPTED_CONTENT_TYPES and not upload:
                raise RequestRefused(
                    415,
                    ErrorCode.UNSUPPORTED_CONTENT_TYPE,
                    "POST a JSON body with Content-Type: application/json.",
                )
        return await super().parse_http_body(request)

    def parse_json(self, data: str | bytes) -> Any:
        """The JSON of a body (or of a GET parameter): a JSON object, or for a batch a
        list of them. Invalid UTF-8, invalid or too deeply nested JSON, and any other
        value are refused with ``400`` and a JSON error."""
        try:
            parsed = json.loads(data)
        except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError: ValueErrors
            raise RequestRefused(
                400, ErrorCode.BAD_REQUEST, "The request is not valid UTF-8 JSON."
            ) from None
        items = parsed if isinstance(parsed, list) else [parsed]
        if not all(isinstance(item, dict) for item in items):
            raise RequestRefused(
                400,
                ErrorCode.BAD_REQUEST,
                "Expected a JSON object (a batch: a list of JSON objects).",
            )
        return parsed

    def _validate_batch_request(self, request_data: list[Any], protocol: Any) -> None:
        limit = self.settings.max_batch_operations
        if not limit:
            raise RequestRefused(400, ErrorCode.BATCHING_NOT_ALLOWED, "Batched requests are off.")
        if len(request_data) > limit:
            raise RequestRefused(
                400,
                ErrorCode.BATCH_TOO_LARGE,
                f"{len(request_data)} operations in one batch; at most {limit} are allowed.",
            )

    async def execute_operation(
        self,
        request: Request,
        request_adapter: Any,
        request_data: Any,
        context: Context,
        root_value: Any,
        sub_response: Response,
    ) -> Any:
        """Each operation of a batch gets its own context: its own caller check, cost
        and rate charge."""
        if not isinstance(request_data, list):
            return await super().execute_operation(
                request=request,
                request_adapter=request_adapter,
                request_data=request_data,
                context=context,
                root_value=root_value,
                sub_response=sub_response,
            )
        contexts = [context] + [
            await self.get_context(request, sub_response) for _ in request_data[1:]
        ]
        return await asyncio.gather(
            *(
                self.execute_single(
                    request=request,
                    request_adapter=request_adapter,
                    context=own_context,
                    request_data=data,
                    root_value=root_value,
                    sub_response=sub_response,
                )
                for data, own_context in zip(request_data, contexts, strict=True)
            )
        )

    async def execute_single(
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Response,
        context: Context,
        root_value: Any,
        request_data: Any,
    ) -> ExecutionResult:
        """One operation: its persisted document, mutations only over POST, and the time
        limit around all of it."""
        try:
            return await self._execute_single(request_adapter, context, root_value, request_data)
        finally:
            # What only the operation's resolvers used goes now, by reference counting
            # (see Context.release).
            context.release()

    async def _execute_single(
        self, request_adapter: Any, context: Context, root_value: Any, request_data: Any
    ) -> ExecutionResult:
        try:
            query = await self.limits.persisted.document(
                request_data.query, request_data.extensions
            )
        except CrmError as refused:
            note_outcome(str(refused.code))
            return ExecutionResult(data=None, errors=[refused])
        allowed = OperationType.from_http(request_adapter.method)
        timeout = self.settings.request_timeout_seconds or None
        if timeout and not self._statement_limit_set:
            await limit_statement_time(timeout)
            self._statement_limit_set = True
        try:
            # The wait for a turn does not count against the operation's time limit.
            async with self._turns, asyncio.timeout(timeout) as deadline:
                result = await self.schema.execute(
                    query,
                    root_value=root_value,
                    variable_values=request_data.variables,
                    context_value=context,
                    operation_name=request_data.operation_name,
                    allowed_operation_types=allowed,
                    operation_extensions=request_data.extensions,
                )
            if deadline.expired():
                # Cut off inside a transaction, the cancelled statement broke its
                # connection and the rollback raised that instead of the cancellation:
                # the operation still ran out of time.
                raise TimeoutError
            await self.limits.persisted.register(
                request_data.query,
                request_data.extensions,
                self.schema._schema,  # type: ignore[attr-defined]
                signed_in=context.principal is not None,
            )
            return result
        except InvalidOperationTypeError as exc:
            raise RequestRefused(
                405,
                ErrorCode.METHOD_NOT_ALLOWED,
                "Mutations are only accepted over POST.",
                headers={"Allow": "POST"},
            ) from exc
        except (CannotGetOperationTypeError, MissingQueryError) as exc:
            raise RequestRefused(400, ErrorCode.BAD_REQUEST, str(exc) or "No query.") from exc
        except TimeoutError:
            if pool_exhausted():
                # Every pooled connection was lent the whole time: the database's
                # capacity, not this operation, ran out. A 503 the client retries.
                logger.warning("operation stopped after %ss: no database connection", timeout)
                note_outcome(str(ErrorCode.SERVICE_UNAVAILABLE))
                return ExecutionResult(
                    data=None,
                    errors=[unavailable_error(getattr(context, "request_id", None))],
                    extensions={"cost": context.cost.as_extension()},
                )
            logger.warning("operation stopped after %ss", timeout)
            note_outcome(str(ErrorCode.TIMEOUT))
            error = CrmError("The request took too long and was stopped.", ErrorCode.TIMEOUT)
            return ExecutionResult(
                data=None, errors=[error], extensions={"cost": context.cost.as_extension()}
            )

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """The response body; every error, GraphQL's own included, carries a code."""
        for error in result.errors or ():
            error.extensions = {**(error.extensions or {}), "code": error_code(error)}
            if not self.settings.introspection:
                # "Did you mean 'email'?" would reveal the schema introspection hides.
                error.message = _SUGGESTION.sub("", error.message)
        return await super().process_result(request, result)

    def encode_json(self, data: object) -> bytes:
        """The response body: the same bytes as Strawberry's ``json.dumps``."""
        return self._encode(data)

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        """The HTTP response; a throttled operation's says when to retry."""
        response = super().create_response(response_data, sub_response)
        results = response_data if isinstance(response_data, list) else [response_data]
        given = [
            (error.get("extensions") or {}).get("retryAfter")
            for result in results
            for error in result.get("errors") or ()
        ]
        waits = [wait for wait in given if isinstance(wait, int)]
        if waits:
            response.headers["Retry-After"] = str(max(waits))
        codes = {
            (error.get("extensions") or {}).get("code")
            for result in results
            for error in result.get("errors") or ()
        }
        if str(ErrorCode.SERVICE_UNAVAILABLE) in codes:
            # The database cannot be reached: a load balancer or client retries a 503.
            response.status_code = 503
        return response
