"""Issue 12, finding 8: a body that is not a JSON object, invalid UTF-8, or JSON nested
a thousand deep is a 400 with a JSON GraphQL error and the request ID (it was a
plain-text 500)."""

from __future__ import annotations

import pytest

from tests.limits.conftest import LimitedFactory


@pytest.mark.parametrize(
    "body",
    [
        b'"just a string"',
        b"42",
        b"null",
        b"[1, 2]",
        b'[{"query": "{ __typename }"}, "x"]',
        b'\xff\xfe{"query": "{ __typename }"}',
        b'{"query": "{ __typename }", "x": "\xc3\x28"}',
        b"[" * 1000 + b"]" * 1000,
        b'{"query": "{ __typename }", "variables": ' + b'{"a":' * 1000 + b"1" + b"}" * 1001,
    ],
    ids=[
        "string",
        "number",
        "null",
        "list-of-numbers",
        "batch-with-a-string",
        "invalid-utf8-bom",
        "invalid-utf8-inside",
        "nested-lists",
        "nested-variables",
    ],
)
async def test_bodies_that_are_not_json_objects_are_400_json_errors(
    limited: LimitedFactory, body: bytes
) -> None:
    client = await limited(signed_in=False)
    response = await client.http.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["extensions"]["requestId"] == response.headers["X-Request-ID"]
