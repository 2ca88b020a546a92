"""Typed filters, free-text search and ordering."""

from __future__ import annotations

from decimal import Decimal

from crm_graphql.domains.customers.models import LifecycleStage
from crm_graphql.domains.orders.models import OrderStatus
from tests.factories import gid, make_company, make_customer, make_order, make_product, make_user


async def _names(gql, arguments: str, variables: dict | None = None) -> list[str]:
    declared = "($v: ID)" if "$v" in arguments else ""
    query = (
        f"query{declared} {{ customers({arguments}, orderBy: [{{field: FIRST_NAME}}]) "
        "{ nodes { firstName } } }"
    )
    data = await gql.data(query, variables or {})
    return [node["firstName"] for node in data["customers"]["nodes"]]


async def test_string_enum_and_boolean_filters(gql, db):
    await make_customer(first_name="Anna", email="anna@alpha.example", marketing_consent=True)
    await make_customer(
        first_name="Bert", email="bert@beta.example", lifecycle_stage=LifecycleStage.LEAD
    )
    await make_customer(first_name="Cleo", email=None, lifecycle_stage=LifecycleStage.CHURNED)
    assert await _names(gql, 'filter: {email: {contains: "ALPHA"}}') == ["Anna"]
    assert await _names(gql, 'filter: {firstName: {startsWith: "b"}}') == ["Bert"]
    assert await _names(gql, 'filter: {firstName: {eq: "Cleo"}}') == ["Cleo"]
    assert await _names(gql, 'filter: {firstName: {in: ["Anna", "Cleo"]}}') == ["Anna", "Cleo"]
    assert await _names(gql, "filter: {firstName: {in: []}}") == []
    assert await _names(gql, "filter: {email: {isNull: true}}") == ["Cleo"]
    assert await _names(gql, "filter: {lifecycleStage: {in: [LEAD, CHURNED]}}") == [
        "Bert",
        "Cleo",
    ]
    assert await _names(gql, "filter: {marketingConsent: {eq: true}}") == ["Anna"]


async def test_and_or_not_combine_filters(gql, db):
    await make_customer(first_name="Anna", lifecycle_stage=LifecycleStage.LEAD)
    await make_customer(first_name="Bert", lifecycle_stage=LifecycleStage.CUSTOMER)
    await make_customer(first_name="Cleo", lifecycle_stage=LifecycleStage.CUSTOMER)
    either = 'filter: {or: [{firstName: {eq: "Anna"}}, {firstName: {eq: "Cleo"}}]}'
    assert await _names(gql, either) == ["Anna", "Cleo"]
    negated = "filter: {not: {lifecycleStage: {eq: CUSTOMER}}}"
    assert await _names(gql, negated) == ["Anna"]
    both = 'filter: {and: [{lifecycleStage: {eq: CUSTOMER}}, {not: {firstName: {eq: "Bert"}}}]}'
    assert await _names(gql, both) == ["Cleo"]


async def test_reference_filter_takes_global_ids_of_the_right_type(gql, db):
    acme = await make_company(name="Acme")
    await make_customer(first_name="Anna", company=acme)
    await make_customer(first_name="Bert")
    assert await _names(gql, "filter: {company: {eq: $v}}", {"v": gid(acme)}) == ["Anna"]
    assert await _names(gql, "filter: {company: {isNull: true}}") == ["Bert"]
    user = await make_user()
    error = await gql.error(
        "query($v: ID) { customers(filter: {company: {eq: $v}}) { nodes { id } } }",
        {"v": gid(user)},
    )
    assert error["extensions"]["code"] == "INVALID_ID"


async def test_date_and_money_comparisons(gql, db):
    customer = await make_customer()
    product = await make_product(unit_price=Decimal("9.50"))
    await make_order(customer, [(product, 1)], number="SMALL")
    await make_order(customer, [(product, 3)], number="MID")
    await make_order(customer, [(product, 30)], number="BIG", status=OrderStatus.SHIPPED)
    query = """query($f: OrderFilter) { orders(filter: $f, orderBy: [{field: TOTAL}]) {
        nodes { number total } } }"""
    data = await gql.data(query, {"f": {"total": {"gt": "9.50", "lte": "285.00"}}})
    assert [n["number"] for n in data["orders"]["nodes"]] == ["MID", "BIG"]
    data = await gql.data(query, {"f": {"total": {"lt": "100"}, "status": {"eq": "PAID"}}})
    assert [n["number"] for n in data["orders"]["nodes"]] == ["SMALL", "MID"]
    data = await gql.data(query, {"f": {"placedAt": {"gte": "2026-01-01T00:00:00+00:00"}}})
    assert len(data["orders"]["nodes"]) == 3


async def test_search_matches_every_word_in_name_email_or_company(gql, db):
    acme = await make_company(name="Acme Rockets")
    await make_customer(first_name="Jane", last_name="Doe", email="jd@mail.example", company=acme)
    await make_customer(first_name="Jane", last_name="Roe", email="roe@mail.example")
    await make_customer(first_name="John", last_name="Doe", email="john@other.example")
    assert await _names(gql, 'search: "jane"') == ["Jane", "Jane"]
    data = await gql.data('{ customers(search: "jane doe") { nodes { lastName } } }')
    assert [n["lastName"] for n in data["customers"]["nodes"]] == ["Doe"]
    data = await gql.data('{ customers(search: "rockets") { nodes { lastName } } }')
    assert [n["lastName"] for n in data["customers"]["nodes"]] == ["Doe"]
    data = await gql.data('{ companies(search: "ROCK") { nodes { name } } }')
    assert [n["name"] for n in data["companies"]["nodes"]] == ["Acme Rockets"]


async def test_order_by_several_keys(gql, db):
    await make_customer(first_name="B", last_name="Same")
    await make_customer(first_name="A", last_name="Same")
    await make_customer(first_name="C", last_name="Alpha")
    data = await gql.data(
        """{ customers(orderBy: [{field: LAST_NAME, direction: DESC},
                                {field: FIRST_NAME, direction: ASC}]) { nodes { firstName } } }"""
    )
    assert [n["firstName"] for n in data["customers"]["nodes"]] == ["A", "B", "C"]
    error = await gql.error(
        "{ customers(orderBy: [{field: LAST_NAME}, {field: LAST_NAME}]) { nodes { id } } }"
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_soft_deleted_customers_are_left_out(gql, db):
    from datetime import UTC, datetime

    kept = await make_customer(first_name="Kept")
    gone = await make_customer(first_name="Gone", deleted_at=datetime.now(UTC))
    data = await gql.data("{ customers { totalCount nodes { firstName } } }")
    assert data["customers"]["totalCount"] == 1
    assert [n["firstName"] for n in data["customers"]["nodes"]] == ["Kept"]
    data = await gql.data(
        "query($a: ID!, $b: ID!) { a: customer(id: $a) { id } b: node(id: $b) { id } "
        "c: customer(id: $b) { id } }",
        {"a": gid(kept), "b": gid(gone)},
    )
    assert data == {"a": {"id": gid(kept)}, "b": None, "c": None}
