"""Issue 12, finding 7: a forged cursor (values of the wrong type for the sort keys)
is ``INVALID_CURSOR``; before the fix it crashed the error mask itself
(``unhashable type: 'list'`` reached the client and nothing was logged)."""

from __future__ import annotations

import base64
import json
import logging

import pytest

from tests.factories import make_product
from tests.limits.conftest import LimitedFactory


def forge(signature: str, values: list) -> str:
    raw = json.dumps([signature, values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


QUERY = (
    "query($after: String) { products(orderBy: [{field: UNIT_PRICE}], after: $after)"
    " { nodes { id } } }"
)


@pytest.mark.parametrize(
    "values",
    [
        ["abc", 1],  # the attack: a string for a decimal column
        [{"n": "abc"}, 1],
        [{"n": "10.00"}, [1]],  # a list for the id
        [{"n": "10.00"}, "1"],
        [{"n": "10.00"}, 2**63],
        [{"n": "10.00"}, True],
        [{"n": "NaN"}, 1],
        [{"n": ["1"]}, 1],
        [{"t": "2020-01-01T00:00:00+00:00"}, 1],
    ],
)
async def test_forged_cursor_values_are_invalid_cursors(
    limited: LimitedFactory, values: list, caplog: pytest.LogCaptureFixture
) -> None:
    await make_product()
    client = await limited()
    with caplog.at_level(logging.ERROR, logger="crm_graphql"):
        error = await client.error(QUERY, {"after": forge("unit_price,id", values)})
    assert error["extensions"]["code"] == "INVALID_CURSOR"
    assert "unhashable" not in error["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_real_cursors_still_page(limited: LimitedFactory) -> None:
    for price in ("1.00", "2.00", "3.00"):
        await make_product(unit_price=price)
    client = await limited()
    query = (
        "query($after: String) { products(first: 1, orderBy: [{field: UNIT_PRICE}],"
        " after: $after) { nodes { unitPrice } pageInfo { endCursor } } }"
    )
    first = (await client.data(query))["products"]
    second = (await client.data(query, {"after": first["pageInfo"]["endCursor"]}))["products"]
    assert [n["unitPrice"] for n in first["nodes"] + second["nodes"]] == ["1.00", "2.00"]
