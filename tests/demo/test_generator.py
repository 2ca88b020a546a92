"""The demo-data generator: proportions, consistent money, reproducibility, API readability."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import UTC, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from tortoise.contrib.test import truncate_all_models

from crm_graphql.api.roles import Role
from crm_graphql.demo.history import History, SeedReport
from crm_graphql.demo.reference import EXCHANGE_RATES, REFERENCE_NOW
from crm_graphql.demo.sampling import price_point
from crm_graphql.demo.seed import generate, generate_if_empty
from crm_graphql.domains.customers.models import Company, Customer
from crm_graphql.domains.interactions.models import Interaction
from crm_graphql.domains.orders.models import Order, OrderItem, OrderStatus, Product
from crm_graphql.domains.sales.models import (
    STAGE_PROBABILITY,
    Opportunity,
    OpportunityStage,
)
from crm_graphql.domains.users.models import User
from tests.factories import make_customer

CUSTOMERS = 200


async def _seed(
    customers: int = CUSTOMERS, seed: int = 7, history: History | None = None
) -> SeedReport:
    return await generate(customers, seed, batch_size=500, progress=False, history=history)


async def _first_emails(count: int) -> list[str | None]:
    rows = await Customer.all().order_by("id").limit(count).values_list("email", flat=True)
    return list(rows)


async def test_row_counts_follow_the_configured_proportions(db):
    report = await _seed()

    counts = {
        "crm_user": await User.all().count(),
        "product": await Product.all().count(),
        "company": await Company.all().count(),
        "customer": await Customer.all().count(),
        "opportunity": await Opportunity.all().count(),
        "interaction": await Interaction.all().count(),
        "crm_order": await Order.all().count(),
        "order_item": await OrderItem.all().count(),
    }
    # The core tables; the modules' demo steps add rows of their own (tested with them).
    assert {table: report.rows[table] for table in counts} == counts
    assert report.total_rows >= sum(counts.values())
    assert f"{report.total_rows:,} rows" in report.summary()
    assert counts["customer"] == CUSTOMERS
    assert counts["crm_user"] == 8  # at least 8, about one per 50 customers
    assert counts["company"] == CUSTOMERS // 4
    assert counts["product"] == 200
    # Averages of 20, 5 and 2 per customer, drawn from skewed distributions.
    assert 0.7 * 20 * CUSTOMERS <= counts["interaction"] <= 1.4 * 20 * CUSTOMERS
    assert 0.7 * 5 * CUSTOMERS <= counts["crm_order"] <= 1.4 * 5 * CUSTOMERS
    assert 0.7 * 2 * CUSTOMERS <= counts["opportunity"] <= 1.4 * 2 * CUSTOMERS
    assert set(await User.all().values_list("role", flat=True)) == set(Role)


async def test_history_is_skewed_like_real_data(db):
    await _seed()

    per_customer = Counter(await Interaction.all().values_list("customer_id", flat=True))
    counts = sorted(
        per_customer.get(c, 0) for c in await Customer.all().values_list("id", flat=True)
    )
    median = counts[len(counts) // 2]
    mean = sum(counts) / len(counts)
    # A long tail: the median customer has fewer records than the mean, the busiest far more.
    assert median < mean
    assert counts[-1] > 4 * mean
    with_company = await Customer.filter(company_id__isnull=False).count()
    assert 0.6 * CUSTOMERS <= with_company < CUSTOMERS


async def test_order_totals_equal_the_sum_of_their_items(db):
    await _seed()

    products = {p.id: p for p in await Product.all()}
    orders = await Order.all().prefetch_related("items")
    assert orders
    for order in orders:
        items = list(order.items)
        assert 1 <= len(items) <= 6
        for item in items:
            assert item.line_total == item.quantity * item.unit_price
            # Items are priced in the order's currency from the product's list price.
            product = products[item.product_id]
            expected = product.unit_price
            if order.currency != product.currency:
                cents = int(product.unit_price * 100)
                expected = Decimal(price_point(int(cents * EXCHANGE_RATES[order.currency]))) / 100
            assert item.unit_price == expected, (order.currency, product.unit_price)
        assert order.subtotal == sum(item.line_total for item in items)
        assert order.total == order.subtotal + order.tax_total
        assert Decimal(0) <= order.tax_total <= order.subtotal * Decimal("0.25")
        assert (order.placed_at is None) == (order.status == OrderStatus.DRAFT)
    currencies = Counter(order.currency for order in orders)
    assert currencies["USD"] > 0.7 * len(orders)


async def test_records_are_consistent_with_their_customer(db):
    await _seed()

    customers = {c.id: c for c in await Customer.all()}
    for deal in await Opportunity.all():
        customer = customers[deal.customer_id]
        assert deal.company_id == customer.company_id
        assert deal.probability == STAGE_PROBABILITY[deal.stage]
        assert deal.created_at >= customer.created_at
        closed = deal.stage in (OpportunityStage.CLOSED_WON, OpportunityStage.CLOSED_LOST)
        assert (deal.closed_at is not None) == closed
        assert (deal.lost_reason is not None) == (deal.stage == OpportunityStage.CLOSED_LOST)
    for interaction in await Interaction.all():
        assert interaction.occurred_at >= customers[interaction.customer_id].created_at
        assert interaction.occurred_at <= REFERENCE_NOW
    for customer in customers.values():
        assert customer.phone is None or (
            customer.phone.startswith("+") and customer.phone[1:].isdigit()
        )
        assert customer.created_at >= REFERENCE_NOW - timedelta(days=3 * 365 + 1)
        assert customer.version == 1
    emails = [c.email for c in customers.values() if c.email]
    assert len(emails) == len(set(emails))


async def test_datetimes_read_back_timezone_aware(db):
    await _seed(20)

    customer = await Customer.all().order_by("id").first()
    order = await Order.exclude(placed_at=None).first()
    assert customer is not None and order is not None
    for value in (customer.created_at, customer.updated_at, order.placed_at):
        assert value is not None
        assert value.utcoffset() == timedelta(0)
        assert value.astimezone(UTC) <= REFERENCE_NOW
    # Filtering by a datetime compares like the ORM's own rows do.
    assert await Customer.filter(created_at__gte=customer.created_at).count() == 20


async def test_same_seed_gives_the_same_data(db):
    await _seed(30, seed=11)
    first = await _first_emails(20)
    await truncate_all_models()
    await _seed(30, seed=11)
    assert await _first_emails(20) == first
    await truncate_all_models()
    await _seed(30, seed=12)
    assert await _first_emails(20) != first


async def test_seeding_adds_to_existing_rows(db):
    existing = await make_customer(email="kept@example.com")
    await _seed(10)
    assert await Customer.all().count() == 11
    assert (await Customer.get(id=existing.id)).email == "kept@example.com"
    assert await Customer.filter(id__gt=existing.id).count() == 10


# seed_if_empty() opens the ORM itself, which the session's open ORM does not allow; it only
# wraps generate_if_empty() in open_database().
async def test_seed_if_empty_leaves_a_database_with_customers_alone(db):
    await make_customer()
    assert await generate_if_empty(10, 1, progress=False) == 0
    assert await Customer.all().count() == 1


async def test_seed_if_empty_seeds_an_empty_database(db):
    assert await generate_if_empty(10, 1, progress=False) == 10
    assert await Customer.all().count() == 10


async def test_api_reads_the_seeded_data(gql, db):
    await _seed(40)

    data = await gql.data(
        "{ customers(first: 5) { totalCount nodes { lifetimeValue"
        " orders(first: 3) { nodes { total items { quantity } } } } } }"
    )
    customers = data["customers"]
    assert customers["totalCount"] == await Customer.filter(deleted_at=None).count()
    assert len(customers["nodes"]) == 5
    for node in customers["nodes"]:
        assert Decimal(node["lifetimeValue"]) >= 0
        for order in node["orders"]["nodes"]:
            assert Decimal(order["total"]) > 0
            assert all(item["quantity"] >= 1 for item in order["items"])


async def _history_counts() -> dict[str, int]:
    return {
        "interactions": await Interaction.all().count(),
        "orders": await Order.all().count(),
        "opportunities": await Opportunity.all().count(),
    }


async def test_history_means_set_the_records_per_customer(db):
    history = History(interactions=10, orders=3, opportunities=2)
    report = await _seed(400, history=history)

    counts = await _history_counts()
    assert report.rows["interaction"] == counts["interactions"]
    for name, mean in (("interactions", 10), ("orders", 3), ("opportunities", 2)):
        assert 0.7 * mean * 400 <= counts[name] <= 1.4 * mean * 400, (name, counts[name])
    # The draws stay skewed: the busiest customer has several times the mean.
    per_customer = Counter(await Interaction.all().values_list("customer_id", flat=True))
    assert max(per_customer.values()) > 4 * 10


async def test_a_large_mean_is_reached_rather_than_capped(db):
    await _seed(200, history=History(interactions=0, orders=40, opportunities=0))

    counts = await _history_counts()
    assert counts["interactions"] == 0
    assert counts["opportunities"] == 0
    assert 0.7 * 40 * 200 <= counts["orders"] <= 1.4 * 40 * 200


async def test_same_seed_and_history_give_the_same_data(db):
    history = History(interactions=4, orders=1.5, opportunities=0.5)
    await _seed(30, seed=11, history=history)
    first = (await _first_emails(20), await _history_counts())
    await truncate_all_models()
    await _seed(30, seed=11, history=history)
    assert (await _first_emails(20), await _history_counts()) == first
    await truncate_all_models()
    await _seed(30, seed=11, history=History(interactions=8, orders=1.5, opportunities=0.5))
    assert await _history_counts() != first[1]


@pytest.mark.parametrize("field", ["interactions", "orders", "opportunities"])
@pytest.mark.parametrize("value", [-1, float("nan"), float("inf")])
def test_history_refuses_a_mean_that_is_not_a_count(field, value):
    with pytest.raises(ValueError, match=f"{field} per customer"):
        History(**{field: value})


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"CRM_DATABASE_URL": f"sqlite://{tmp_path / 'seeded.sqlite3'}", "PATH": ""}
    command = [sys.executable, "-m", "crm_graphql.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True)


def _table_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return {
            table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("customer", "interaction", "crm_order", "opportunity")
        }


def test_seed_command_takes_the_history_means(tmp_path):
    assert _cli(tmp_path, "migrate").returncode == 0
    done = _cli(
        tmp_path, "seed", "--customers", "300", "--interactions-per-customer", "0",
        "--orders-per-customer", "3", "--opportunities-per-customer", "0.5",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "seeded 300 customers" in done.stderr

    counts = _table_counts(tmp_path / "seeded.sqlite3")
    assert counts["customer"] == 300
    assert counts["interaction"] == 0
    assert 0.7 * 3 * 300 <= counts["crm_order"] <= 1.4 * 3 * 300
    assert 0.6 * 0.5 * 300 <= counts["opportunity"] <= 1.5 * 0.5 * 300


def test_seed_command_refuses_a_negative_mean_and_writes_nothing(tmp_path):
    assert _cli(tmp_path, "migrate").returncode == 0
    done = _cli(tmp_path, "seed", "--customers", "10", "--orders-per-customer", "-1")
    assert done.returncode == 2
    assert "--orders-per-customer" in done.stderr
    assert _table_counts(tmp_path / "seeded.sqlite3")["customer"] == 0
