"""Every error carries an ``extensions.code``; server faults reveal nothing."""

from __future__ import annotations

import logging

from crm_graphql.api.pagination import fetch


async def test_syntax_error_has_a_code(gql, db):
    error = await gql.error("{ customers { nodes { id } }")
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_unknown_field_has_a_code(gql, db):
    error = await gql.error("{ customers { nodez { id } } }")
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "nodes" in error["message"]


async def test_too_deep_query_is_refused_before_touching_the_database(gql, db):
    from tests.helpers import count_statements

    inner = "id"
    for _ in range(6):
        inner = f"customers {{ nodes {{ company {{ {inner} }} }} }}"
    query = "{ companies { nodes { " + inner + " } } }"
    with count_statements() as statements:
        error = await gql.error(query)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert statements == []


async def test_unexpected_fault_is_masked_and_logged(gql, db, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("secret connection string mysql://admin:hunter2@db")

    # A fault on the read path, with a secret in its message: where a page gets its
    # connection, which every page passes (its statement may be kept from an earlier
    # request, so the ORM's query building is not).
    monkeypatch.setattr(fetch, "read_connection", broken)
    with caplog.at_level(logging.ERROR, logger="crm_graphql.errors"):
        body = await gql.execute(
            "{ customers { nodes { id } } }", **{"X-Request-ID": "fault-report-1"}
        )
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["message"] == "Internal server error."
    # The request ID lets an operator find the traceback in the log.
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "fault-report-1"}
    assert "hunter2" not in str(body)
    assert any("hunter2" in str(record.exc_info) for record in caplog.records)
