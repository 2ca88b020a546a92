"""Test helpers: a small GraphQL client and an SQL statement counter."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from crm_graphql.api.auth import authenticating

SQL_VERBS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "REPLACE")


class GraphQLClient:
    """Posts GraphQL documents to ``/graphql`` over HTTP.

    The ``http`` client carries the credentials (default headers) of whoever the client
    acts as; ``user``, ``access_token`` and ``refresh_token`` are set for clients
    signed in as a user (see the ``gql_as`` fixture).
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        user: Any = None,
        access_token: str | None = None,
        refresh_token: str | None = None,
    ) -> None:
        self.http = http
        self.user = user
        self.access_token = access_token
        self.refresh_token = refresh_token

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, **headers: str
    ) -> dict[str, Any]:
        """The whole response body (``data`` and ``errors``)."""
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code in (200, 400), response.text
        return response.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The ``data`` of a response that must have no errors."""
        body = await self.execute(query, variables)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    async def error(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The single error of a response that must fail."""
        body = await self.execute(query, variables)
        assert body.get("errors"), body
        assert len(body["errors"]) == 1, body["errors"]
        return body["errors"][0]


class _Counter(logging.Handler):
    def __init__(self, include_authentication: bool) -> None:
        super().__init__(logging.DEBUG)
        self.include_authentication = include_authentication
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.args:
            return
        if authenticating.get() and not self.include_authentication:
            return
        sql = str(record.args[0]).lstrip()
        if sql.upper().startswith(SQL_VERBS):
            self.statements.append(sql)


@contextmanager
def count_statements(*, include_authentication: bool = False) -> Iterator[list[str]]:
    """Collect the SQL statements the ORM sends while the block runs.

    The one statement per request that checks the credentials (see
    ``crm_graphql.api.auth.authenticating``) is left out unless
    ``include_authentication``: counts are about what an operation itself reads.
    """
    logger = logging.getLogger("tortoise.db_client")
    handler = _Counter(include_authentication)
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


async def mysql_connection(url: str, *, database: bool = True, **options: Any) -> Any:
    """A plain asyncmy connection to the MySQL server of ``url`` (and its database,
    unless ``database`` is false), outside the app's pool."""
    from urllib.parse import urlparse

    import asyncmy

    parts = urlparse(url)
    if database:
        options["database"] = parts.path.lstrip("/")
    return await asyncmy.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        **options,
    )
