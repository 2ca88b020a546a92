"""The tables the demo data fills, and the form each value takes in each database."""

from __future__ import annotations

import json
from datetime import timedelta

from tortoise.models import Model

from crm_graphql.demo.reference import EPOCH, NAIVE_EPOCH
from crm_graphql.domains.customers.models import (
    Company,
    Customer,
)
from crm_graphql.domains.interactions.models import Interaction
from crm_graphql.domains.orders.models import Order, OrderItem, Product
from crm_graphql.domains.sales.models import Opportunity
from crm_graphql.domains.users.models import User

# --------------------------------------------------------------------------------------------
# Tables and the form values take in each database
# --------------------------------------------------------------------------------------------


class Table:
    """A table the generator fills, and the columns it gives a value for, in tuple order."""

    def __init__(self, model: type[Model], columns: tuple[str, ...]) -> None:
        self.model = model
        self.columns = columns
        self.name: str = model._meta.db_table

    def insert_sql(self, dialect: str) -> str:
        quote, mark = ("`", "%s") if dialect == "mysql" else ('"', "?")
        columns = ", ".join(f"{quote}{column}{quote}" for column in self.columns)
        marks = ", ".join([mark] * len(self.columns))
        return f"INSERT INTO {quote}{self.name}{quote} ({columns}) VALUES ({marks})"

    def check_columns(self) -> None:
        """Fail clearly when the model gained a required column the generator does not fill."""
        meta = self.model._meta
        unknown = set(self.columns) - meta.db_fields
        required = {
            column
            for name, column in meta.fields_db_projection.items()
            if not meta.fields_map[name].null
        }
        missing = required - set(self.columns)
        if unknown or missing:
            raise RuntimeError(
                f"demo generator out of date for table {self.name}: "
                f"unknown columns {sorted(unknown)}, required columns not filled {sorted(missing)}"
            )


_STAMPS = ("version", "created_at", "updated_at")
_ADDRESS = ("address_line1", "address_line2", "city", "region", "postal_code", "country")

USERS = Table(User, ("id", "name", "email", "role", "is_active", *_STAMPS))
PRODUCTS = Table(
    Product, ("id", "sku", "name", "description", "unit_price", "currency", "active", *_STAMPS)
)
COMPANIES = Table(
    Company,
    ("id", "name", "domain", "industry", "size_band", "phone", "owner_id", *_ADDRESS, *_STAMPS),
)
CUSTOMERS = Table(
    Customer,
    (
        "id", "first_name", "last_name", "email", "phone", "job_title", "company_id",
        "lifecycle_stage", "owner_id", "source", "birth_date", "marketing_consent", "tags",
        "custom_fields", "deleted_at", *_ADDRESS, *_STAMPS,
    ),
)  # fmt: skip
OPPORTUNITIES = Table(
    Opportunity,
    (
        "id", "customer_id", "company_id", "owner_id", "name", "amount", "currency", "stage",
        "probability", "expected_close_date", "closed_at", "lost_reason", *_STAMPS,
    ),
)  # fmt: skip
INTERACTIONS = Table(
    Interaction,
    (
        "id", "customer_id", "author_id", "opportunity_id", "channel", "direction", "subject",
        "body", "occurred_at", "duration_seconds", "outcome", *_STAMPS,
    ),
)  # fmt: skip
ORDERS = Table(
    Order,
    (
        "id", "number", "customer_id", "status", "currency", "subtotal", "tax_total", "total",
        "placed_at", *_STAMPS,
    ),
)  # fmt: skip
ORDER_ITEMS = Table(
    OrderItem,
    ("id", "order_id", "product_id", "quantity", "unit_price", "line_total", *_STAMPS),
)
#: In foreign-key order: a table only references tables before it.
TABLES = (USERS, PRODUCTS, COMPANIES, CUSTOMERS, OPPORTUNITIES, INTERACTIONS, ORDERS, ORDER_ITEMS)


def cents(amount: int) -> str:
    # DECIMAL(14,2) columns take the exact decimal text on both backends (SQLite's NUMERIC
    # affinity turns it into the same number Tortoise's str(Decimal) would give).
    return f"{amount // 100}.{amount % 100:02d}"


def json_text(value: object) -> str:
    # The encoding Tortoise's JSONField uses (see the initial migration).
    return json.dumps(value, separators=(",", ":"))


def datetime_mysql(micros: int) -> str:
    # DATETIME(6) text, in UTC like the rows Tortoise writes (the session time zone is UTC,
    # see db/config.py). Text is about twice as fast for asyncmy to quote as a datetime.
    return str(NAIVE_EPOCH + timedelta(microseconds=micros))


def datetime_sqlite(micros: int) -> str:
    # Tortoise stores SQLite datetimes as str(datetime): "2025-01-02 03:04:05.123456+00:00".
    return str(EPOCH + timedelta(microseconds=micros))


def date_text(micros: int) -> str:
    # ISO dates are what Tortoise stores on SQLite and what MySQL reads for a DATE.
    return (NAIVE_EPOCH + timedelta(microseconds=micros)).date().isoformat()
