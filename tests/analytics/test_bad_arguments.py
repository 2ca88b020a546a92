"""Bad arguments get a typed error before any SQL runs."""

from __future__ import annotations

import pytest

from crm_graphql.api.roles import Role
from tests.analytics.documents import (
    INTERACTION_STATS,
    INTERACTIONS_AGGREGATE,
    ORDERS_COUNTS,
    REVENUE,
    REVENUE_COUNTS,
    TOP_CUSTOMERS,
)
from tests.helpers import count_statements

JANUARY = {"from": "2026-01-01", "to": "2026-01-31"}

CASES = [
    pytest.param(
        REVENUE, {**JANUARY, "timeZone": "Mars/Olympus"}, "BAD_USER_INPUT", "timeZone", id="zone"
    ),
    pytest.param(
        REVENUE,
        {**JANUARY, "timeZone": "../../etc/passwd"},
        "BAD_USER_INPUT",
        "timeZone",
        id="zone-path",
    ),
    pytest.param(
        REVENUE, {"from": "2026-02-01", "to": "2026-01-31"}, "BAD_USER_INPUT", "to", id="order"
    ),
    pytest.param(
        REVENUE,
        {"from": "2000-01-01", "to": "2026-01-01", "granularity": "DAY"},
        "TOO_MANY_PERIODS",
        None,
        id="periods",
    ),
    pytest.param(REVENUE, {**JANUARY, "currency": "EURO"}, "BAD_USER_INPUT", "currency", id="cur"),
    pytest.param(
        ORDERS_COUNTS,
        {"groupBy": [{"field": "PLACED_AT"}]},
        "BAD_USER_INPUT",
        "groupBy",
        id="no-granularity",
    ),
    pytest.param(
        ORDERS_COUNTS,
        {"groupBy": [{"field": "STATUS", "granularity": "DAY"}]},
        "BAD_USER_INPUT",
        "groupBy",
        id="granularity-of-enum",
    ),
    pytest.param(
        ORDERS_COUNTS,
        {"groupBy": [{"field": "STATUS"}, {"field": "STATUS"}]},
        "BAD_USER_INPUT",
        "groupBy",
        id="twice",
    ),
    pytest.param(ORDERS_COUNTS, {"first": 1001}, "PAGINATION_LIMIT", "first", id="first"),
    pytest.param(ORDERS_COUNTS, {"first": -1}, "BAD_USER_INPUT", "first", id="negative"),
    pytest.param(
        ORDERS_COUNTS,
        {"filter": {"customer": {"eq": "not-an-id"}}},
        "INVALID_ID",
        None,
        id="id",
    ),
    pytest.param(
        INTERACTION_STATS,
        {"groupBy": ["DAY", "MONTH"]},
        "BAD_USER_INPUT",
        "groupBy",
        id="two-periods",
    ),
    pytest.param(
        INTERACTIONS_AGGREGATE,
        {"groupBy": [{"field": "OCCURRED_AT", "granularity": "DAY"}], "timeZone": "Nowhere"},
        "BAD_USER_INPUT",
        "timeZone",
        id="aggregate-zone",
    ),
    pytest.param(
        TOP_CUSTOMERS,
        {"by": "ORDER_COUNT", "first": 101},
        "PAGINATION_LIMIT",
        "first",
        id="top-first",
    ),
]


@pytest.mark.parametrize(("document", "variables", "code", "argument"), CASES)
async def test_bad_argument_is_a_typed_error_and_runs_no_sql(
    gql, db, document, variables, code, argument
):
    with count_statements() as statements:
        error = await gql.error(document, variables)
    assert error["extensions"]["code"] == code, error
    if argument is not None:
        assert error["extensions"]["argument"] == argument
    assert statements == []


async def test_too_many_periods_says_the_maximum(gql, db):
    error = await gql.error(
        REVENUE, {"from": "2000-01-01", "to": "2026-01-01", "granularity": "DAY"}
    )
    assert (
        error["extensions"]["maximum"]
        == gql.http._transport.app.state.settings.analytics_max_periods
        if hasattr(gql.http._transport.app.state, "settings")
        else error["extensions"]["maximum"] == 1000
    )


async def test_views_need_credentials(anon, db):
    client = await anon()
    body = await client.execute(REVENUE_COUNTS, JANUARY)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_analyst_may_read_every_view(gql_as, db):
    client = await gql_as(Role.ANALYST)
    body = await client.data(REVENUE, JANUARY)
    assert body["revenue"]["totalAmount"] == "0.00"
