"""One log line per request, with what operators need and nothing that is secret or
personal: no passwords, tokens, query variables or customers' data."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from crm_graphql.api.observability.logs import (
    ACCESS_LOGGER,
    JsonFormatter,
    RequestContextFilter,
    TextFormatter,
)
from crm_graphql.api.roles import Role
from tests.factories import make_user

PASSWORD = "log-check-password-Zq81"
USER_EMAIL = "log-check-user@example.com"
CUSTOMER_EMAIL = "private.person@example.org"
CUSTOMER_NAME = "Secretia"
LOGIN = """mutation SignIn($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken refreshToken } }"""
CREATE = """mutation AddCustomer($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id email } userErrors { code } } }"""


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the server writes to its log, at DEBUG: a JSON handler on the root logger,
    as ``logging_config`` sets up (pytest's own capture also listens to loggers that
    do not propagate, which the server's output never sees)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


async def test_request_logs_carry_no_password_token_or_personal_data(anon, db, log_output):
    user = await make_user(Role.SALES, password=PASSWORD, email=USER_EMAIL)
    client = await anon()
    session = await client.data(LOGIN, {"email": USER_EMAIL, "password": PASSWORD})
    tokens = session["login"]
    created = await client.http.post(
        "/graphql",
        json={
            "query": CREATE,
            "variables": {
                "input": {
                    "firstName": CUSTOMER_NAME,
                    "lastName": "Person",
                    "email": CUSTOMER_EMAIL,
                }
            },
        },
        headers={
            "Authorization": f"Bearer {tokens['accessToken']}",
            "X-Request-ID": "log-check-request-0001",
        },
    )
    assert created.json()["data"]["createCustomer"]["customer"]["email"] == CUSTOMER_EMAIL

    output = log_output.getvalue()
    for secret in (
        PASSWORD,
        tokens["accessToken"],
        tokens["refreshToken"],
        USER_EMAIL,
        CUSTOMER_EMAIL,
        CUSTOMER_NAME,
    ):
        assert secret not in output

    entries = [json.loads(line) for line in output.splitlines()]
    lines = [entry for entry in entries if entry["logger"] == ACCESS_LOGGER]
    assert [line["operation"] for line in lines] == ["SignIn", "AddCustomer"]
    sign_in, add = lines
    assert sign_in["outcome"] == "ok"
    assert sign_in["user_id"] is None  # nobody was signed in when it was sent
    assert add["request_id"] == "log-check-request-0001"
    assert add["operation_type"] == "mutation"
    assert add["user_id"] == user.pk
    assert add["outcome"] == "ok"
    assert add["status"] == 200
    assert add["sql_statements"] > 0
    assert add["duration_ms"] > 0
    assert isinstance(add["cost_requested"], int | float)
    assert add["level"] == "info"
    # Everything written while the request was served carries its ID.
    assert any(entry.get("request_id") == "log-check-request-0001" for entry in entries)


async def test_refused_operations_are_logged_with_their_error_code(anon, db, caplog):
    client = await anon()
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        await client.execute("query Private { customers(first: 1) { totalCount } }")
    (line,) = [
        json.loads(JsonFormatter().format(record))
        for record in caplog.records
        if record.name == ACCESS_LOGGER
    ]
    assert line["operation"] == "Private"
    assert line["outcome"] == "UNAUTHENTICATED"
    assert len(line["request_id"]) >= 8


def test_text_format_puts_the_fields_after_the_message():
    record = logging.LogRecord(
        ACCESS_LOGGER, logging.INFO, __file__, 1, "POST %s", ("/graphql",), None
    )
    record.operation = "SignIn"
    record.status = 200
    line = TextFormatter().format(record)
    assert line.endswith("INFO crm_graphql.access: POST /graphql operation=SignIn status=200")
