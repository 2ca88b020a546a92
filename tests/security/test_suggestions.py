"""Issue 12, finding 14: with introspection off, error messages do not suggest names
of the schema ("Did you mean 'email'?"), signed in or not."""

from __future__ import annotations

import pytest

from tests.limits.conftest import LimitedFactory

MISSPELLED = [
    "{ customers { nodes { emial } } }",  # a field
    "{ customerz { totalCount } }",  # a root field
    "{ customers(frist: 1) { totalCount } }",  # an argument
    "{ customers(orderBy: [{field: LAST_NAM}]) { totalCount } }",  # an enum value
    "query($o: [CustomerOrderBy!]) { customers(orderBy: $o) { totalCount } }",
]


@pytest.mark.parametrize("query", MISSPELLED)
@pytest.mark.parametrize("signed_in", [False, True])
async def test_no_suggestions_when_introspection_is_off(
    limited: LimitedFactory, query: str, signed_in: bool
) -> None:
    client = await limited(signed_in=signed_in, introspection=False)
    variables = {"o": [{"field": "LAST_NAM"}]} if "$o" in query else None
    body = await client.execute(query, variables)
    assert body["errors"], body
    for error in body["errors"]:
        assert "Did you mean" not in error["message"]
        assert "email" not in error["message"]
        assert "lastName" not in error["message"] and "LAST_NAME" not in error["message"]


async def test_suggestions_stay_when_introspection_is_on(limited: LimitedFactory) -> None:
    client = await limited(signed_in=False)
    error = await client.error(MISSPELLED[0])
    assert "Did you mean 'email'?" in error["message"]
