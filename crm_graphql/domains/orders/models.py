"""Products, orders and their line items."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields

from crm_graphql.db.models import MoneyField, TimestampedModel

if TYPE_CHECKING:
    from crm_graphql.domains.customers.models import Customer


class OrderStatus(StrEnum):
    """Where an order stands between draft and delivery."""

    DRAFT = "DRAFT"
    PLACED = "PLACED"
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    CANCELLED = "CANCELLED"
    REFUNDED = "REFUNDED"


#: Statuses whose totals count towards a customer's lifetime value.
REVENUE_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED)


class Product(TimestampedModel):
    """Something the organisation sells."""

    id = fields.IntField(primary_key=True)
    sku = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    description = fields.TextField(null=True)
    unit_price = MoneyField()
    currency = fields.CharField(max_length=3)
    active = fields.BooleanField(default=True)
    tax_rate = fields.DecimalField(
        max_digits=5, decimal_places=2, null=True, description="Tax rate in percent."
    )

    class Meta:
        table = "product"
        indexes = (("name", "id"),)


class Order(TimestampedModel):
    """An order placed by a customer, with totals computed from its items."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="orders", on_delete=fields.CASCADE
    )
    customer_id: int
    status = fields.CharEnumField(OrderStatus, max_length=16, default=OrderStatus.DRAFT)
    currency = fields.CharField(max_length=3)
    subtotal = MoneyField(default=0)
    tax_total = MoneyField(default=0)
    total = MoneyField(default=0)
    placed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "crm_order"
        indexes = (
            ("customer_id", "created_at"),
            ("customer_id", "status"),
            ("status", "placed_at"),
            ("created_at", "id"),
            # Dashboards: revenue per period and lifetime value per customer in one
            # currency, each read from an index alone.
            ("status", "currency", "placed_at", "total"),
            ("status", "currency", "customer_id", "total"),
            # Rollup rebuilds and verification: one month of orders by their time.
            ("placed_at",),
        )


class OrderItem(TimestampedModel):
    """One line of an order: a product, a quantity and the price agreed."""

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="items", on_delete=fields.CASCADE
    )
    order_id: int
    product: fields.ForeignKeyRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name="order_items", on_delete=fields.RESTRICT
    )
    product_id: int
    quantity = fields.IntField()
    unit_price = MoneyField()
    line_total = MoneyField()

    class Meta:
        table = "order_item"
