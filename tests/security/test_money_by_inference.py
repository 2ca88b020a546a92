"""Money a role may not read cannot be rebuilt from other fields, filters or sorting.

A field rule is only as strong as the weakest path to the same number: an order's
subtotal is the sum of quantity x price of its lines, so the list price of a product
is as secret as the order totals it adds up to.
"""

from __future__ import annotations

import dataclasses
import gc
import re
from decimal import Decimal

import pytest
from graphql import GraphQLObjectType, GraphQLScalarType, get_named_type

from crm_graphql.api.filters import FilterInput
from crm_graphql.api.pagination.listing import ListSpec
from crm_graphql.api.permissions import field_rules
from crm_graphql.api.roles import CAMPAIGN_PLANNERS, FINANCIAL, Role
from crm_graphql.schema import build_schema
from tests.factories import make_customer, make_order, make_product

#: Numbers documented as money: "amount", "price", "revenue", "value" in the description.
MONEY_WORDS = re.compile(r"\b(amounts?|prices?|revenue|value)\b", re.IGNORECASE)
NUMBERS = {"Decimal", "Int", "Float"}


def _money_leaves(schema) -> list[tuple[str, str]]:
    """(type, field) of every output field that is an amount of money: of the money
    type (Decimal, or the MoneyAmount object) or a number documented as an amount,
    price or value."""
    found = []
    for type_name, gtype in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(gtype, GraphQLObjectType):
            continue
        if type_name in {"Mutation", "Subscription"}:
            continue  # payloads are object types walked on their own
        for field_name, field in gtype.fields.items():
            named = get_named_type(field.type)
            if named.name in {"Decimal", "MoneyAmount"} or (
                isinstance(named, GraphQLScalarType)
                and named.name in NUMBERS
                and MONEY_WORDS.search(field.description or "")
            ):
                found.append((type_name, field_name))
    return found


def _reached_only_through(
    schema, type_name: str, guarded: set[tuple[str, str]], seen: frozenset[str] = frozenset()
) -> bool:
    """True when every path to ``type_name`` passes a guarded field (a type such as
    MoneyAmount, or a view's buckets, that exists only inside guarded fields)."""
    holders = [
        (owner, name)
        for owner, gtype in schema.type_map.items()
        if isinstance(gtype, GraphQLObjectType) and not owner.startswith("__")
        for name, field in gtype.fields.items()
        if get_named_type(field.type).name == type_name
    ]
    return bool(holders) and all(
        holder in guarded
        or (
            holder[0] not in seen | {type_name}
            and _reached_only_through(schema, holder[0], guarded, seen | {type_name})
        )
        for holder in holders
    )


#: Decimals that are rates, not amounts: no amount follows from them without a guarded
#: price or total.
PERCENTAGES = {
    ("InvoiceLine", "discountPercent"),
    ("InvoiceLine", "taxRate"),
    ("Product", "taxRate"),
}


def _money_roles(type_name: str) -> frozenset[Role]:
    """Who may read the money of a type: FINANCIAL; a campaign's budget and costs also
    the roles that plan campaigns (CAMPAIGN_PLANNERS, docs/permissions.md): no order,
    deal or invoice amount follows from them."""
    if type_name.startswith("Campaign"):
        return FINANCIAL | CAMPAIGN_PLANNERS
    return FINANCIAL


def test_every_money_field_is_guarded():
    strawberry_schema = build_schema()
    schema = strawberry_schema._schema
    rules = field_rules(strawberry_schema)
    guarded = set(rules)
    leaves = _money_leaves(schema)
    # The walk finds the fields it is meant to (not an empty list that passes).
    assert ("Product", "unitPrice") in leaves
    assert ("Order", "total") in leaves and ("MoneyAmount", "amount") in leaves
    unguarded = [
        f"{owner}.{name}"
        for owner, name in leaves
        if (owner, name) not in guarded
        and (owner, name) not in PERCENTAGES
        and not _reached_only_through(schema, owner, guarded)
    ]
    assert unguarded == [], f"money readable by every role: {unguarded}"
    too_wide = [
        f"{owner}.{name}"
        for owner, name in leaves
        if (owner, name) in rules and not rules[(owner, name)] <= _money_roles(owner)
    ]
    assert too_wide == [], f"money readable beyond its roles: {too_wide}"


def test_every_money_filter_and_sort_is_guarded():
    build_schema()  # imports every domain, so every filter and list is defined
    filters = [cls for cls in _subclasses(FilterInput) if dataclasses.is_dataclass(cls)]
    assert any(cls.__name__ == "ProductFilter" for cls in filters)
    unguarded = [
        f"{cls.__name__}.{field.name}"
        for cls in filters
        for field in dataclasses.fields(cls)
        if "DecimalFilter" in str(field.type) and field.name not in cls.guarded
    ]
    assert unguarded == [], f"filters on money for every role: {unguarded}"
    specs = [obj for obj in gc.get_objects() if isinstance(obj, ListSpec)]
    assert specs
    unsorted = []
    for spec in specs:
        decimal_columns = {
            name
            for name, field in spec.model._meta.fields_map.items()
            if type(field).__name__ == "DecimalField"
        }
        for enum_name, column in spec.order_columns.items():
            if column in decimal_columns and enum_name not in spec.guarded_order:
                unsorted.append(f"{spec.model.__name__}.{enum_name}")
    assert unsorted == [], f"sorting by money for every role: {unsorted}"


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


ORDER_LINES = "{ orders { nodes { items { quantity product { unitPrice } } } } }"


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.MARKETING])
async def test_roles_without_money_cannot_rebuild_order_totals_from_list_prices(gql_as, db, role):
    customer = await make_customer()
    product = await make_product(unit_price=Decimal("19.99"))
    await make_order(customer, [(product, 3)])
    client = await gql_as(role)
    body = await client.execute(ORDER_LINES)
    (item,) = body["data"]["orders"]["nodes"][0]["items"]
    assert item == {"quantity": 3, "product": {"unitPrice": None}}
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["field"] == "Product.unitPrice"
    # Nor by searching or sorting the catalogue by price.
    for query in (
        '{ products(filter: {unitPrice: {gt: "19"}}) { nodes { id } } }',
        "{ products(orderBy: [{field: UNIT_PRICE}]) { nodes { id } } }",
    ):
        assert (await client.error(query))["extensions"]["code"] == "FORBIDDEN"


async def test_roles_with_money_still_read_list_prices(gql_as, db):
    customer = await make_customer()
    product = await make_product(unit_price=Decimal("19.99"))
    await make_order(customer, [(product, 3)])
    client = await gql_as(Role.ANALYST)
    data = await client.data(ORDER_LINES)
    assert data["orders"]["nodes"][0]["items"] == [
        {"quantity": 3, "product": {"unitPrice": "19.99"}}
    ]
