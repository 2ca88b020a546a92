"""Refusals of the HTTP request itself, answered as GraphQL errors with a code.

Strawberry and Starlette answer such requests in plain text (``Unsupported content
type``, ``Content Too Large``); clients of a GraphQL API expect the JSON error format
with ``extensions.code``, so every refusal here is answered in it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_graphql.api.errors import ErrorCode

#: Content types a POST may have. A browser sends ``text/plain``, form encodings and
#: ``multipart/form-data`` cross-site without asking first (a "simple" request), so
#: accepting them would let any web page make a signed-in user's browser post a
#: mutation (CSRF); ``application/json`` needs a CORS preflight.
ACCEPTED_CONTENT_TYPES = frozenset({"application/json", "application/graphql-response+json"})
#: Headers that make a multipart upload (the GraphQL multipart request spec) acceptable: a
#: browser sends a custom header only after a CORS preflight, so a cross-site page
#: cannot post one (Apollo's CSRF prevention asks for the same).
UPLOAD_PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-crm-upload")


class RequestRefused(Exception):
    """A request refused before any GraphQL work, with its HTTP status and code."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def error_body(message: str, code: ErrorCode | str, request_id: str | None = None) -> dict:
    """A GraphQL response holding one error (``data`` absent: nothing was executed)."""
    extensions = {"code": str(code)}
    if request_id:
        extensions["requestId"] = request_id
    return {"errors": [{"message": message, "extensions": extensions}]}


def refusal_response(refused: RequestRefused, request_id: str | None = None) -> JSONResponse:
    """The JSON answer to a refused request."""
    body = error_body(refused.message, refused.code, request_id)
    return JSONResponse(body, status_code=refused.status, headers=refused.headers)


class JsonBodyLimit:
    """Starlette's request body limit, answering ``413`` as a GraphQL error.

    Starlette's ``RequestBodyLimitMiddleware`` refuses a body over the limit (declared
    in ``Content-Length`` or found while reading) with a plain-text ``413``; this
    rewrites that answer, and only that one, into the JSON error format.
    """

    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.limited = RequestBodyLimitMiddleware(app, max_body_size=max_body_size)
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.limited(scope, receive, send)
            return
        body = json.dumps(
            error_body(
                f"The request body is larger than {self.max_body_size} bytes.",
                ErrorCode.REQUEST_TOO_LARGE,
                scope.get("state", {}).get("request_id"),
            )
        ).encode()
        rewriting = False

        async def send_json_413(message: Message) -> None:
            nonlocal rewriting
            if message["type"] == "http.response.start" and message["status"] == 413:
                rewriting = True
                kept = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() not in (b"content-type", b"content-length")
                ]
                message = {
                    **message,
                    "headers": [
                        *kept,
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            elif message["type"] == "http.response.body" and rewriting:
                message = {"type": "http.response.body", "body": body, "more_body": False}
            await send(message)

        await self.limited(scope, receive, send_json_413)
