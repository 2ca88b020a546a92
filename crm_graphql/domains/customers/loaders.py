"""Batched aggregates of customers: lifetime value, pipeline, last interaction."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from strawberry.dataloader import DataLoader
from tortoise.functions import Max, Sum

from crm_graphql.api.context import Info
from crm_graphql.api.keyed import keyed_values
from crm_graphql.api.loaders import load_all
from crm_graphql.api.money import MoneyAmount
from crm_graphql.db.models import MoneyField
from crm_graphql.domains.interactions.models import Interaction
from crm_graphql.domains.orders.models import REVENUE_STATUSES, Order
from crm_graphql.domains.sales.models import OPEN_STAGES, Opportunity

_MONEY = MoneyField()


def _amounts_by_customer(rows: list[tuple[int, str, Any]]) -> dict[int, list[MoneyAmount]]:
    grouped: dict[int, list[MoneyAmount]] = defaultdict(list)
    for customer_id, currency, value in rows:
        amount = _MONEY.to_python_value(value) or Decimal("0.00")
        grouped[customer_id].append(MoneyAmount(amount=amount, currency=currency))
    for amounts in grouped.values():
        amounts.sort(key=lambda money: money.currency)
    return grouped


def _lifetime_value_loader(info: Info) -> DataLoader[int, list[MoneyAmount]]:
    async def batch(ids: list[int]) -> list[list[MoneyAmount]]:
        rows = await keyed_values(Order, "lifetime value", _lifetime_values_query, ids)
        grouped = _amounts_by_customer(rows)
        return [grouped.get(i, []) for i in ids]

    return info.context.loader("lifetime_value", batch)


def _lifetime_values_query(ids: list[int]) -> Any:
    """Revenue per customer and currency, for these customers."""
    return (
        Order.filter(customer_id__in=ids, status__in=REVENUE_STATUSES)
        .annotate(value=Sum("total"))
        .group_by("customer_id", "currency")
        .values_list("customer_id", "currency", "value")
    )


async def load_lifetime_values(info: Info, customer_id: int) -> list[MoneyAmount]:
    """Sum of the customer's PAID and SHIPPED order totals, one entry per currency."""
    return await _lifetime_value_loader(info).load(customer_id)


async def lifetime_values_of(info: Info, customers: list[Any]) -> list[list[MoneyAmount]]:
    """:func:`load_lifetime_values` of every customer of a list, in one batch."""
    return await load_all(_lifetime_value_loader(info), [customer.id for customer in customers])


async def load_open_pipeline(info: Info, customer_id: int) -> list[MoneyAmount]:
    """Sum of the amounts of the customer's open opportunities, one entry per currency."""

    async def batch(ids: list[int]) -> list[list[MoneyAmount]]:
        rows = (
            await Opportunity.filter(customer_id__in=ids, stage__in=OPEN_STAGES)
            .annotate(value=Sum("amount"))
            .group_by("customer_id", "currency")
            .values_list("customer_id", "currency", "value")
        )
        grouped = _amounts_by_customer(rows)
        return [grouped.get(i, []) for i in ids]

    return await info.context.loader("open_pipeline", batch).load(customer_id)


def _as_datetime(value: Any) -> datetime | None:
    # Aggregates skip the ORM's conversion: SQLite hands back the stored text.
    if value is None or isinstance(value, datetime):
        parsed = value
    else:
        parsed = datetime.fromisoformat(str(value))
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


async def load_last_interaction_at(info: Info, customer_id: int) -> datetime | None:
    """When the customer's most recent interaction happened."""

    async def batch(ids: list[int]) -> list[datetime | None]:
        rows = (
            await Interaction.filter(customer_id__in=ids)
            .annotate(last=Max("occurred_at"))
            .group_by("customer_id")
            .values_list("customer_id", "last")
        )
        latest = {customer: _as_datetime(value) for customer, value in rows}
        return [latest.get(i) for i in ids]

    return await info.context.loader("last_interaction_at", batch).load(customer_id)


def in_currency(amounts: list[MoneyAmount], currency: str) -> Decimal:
    """The amount in ``currency`` from a per-currency list (zero when absent)."""
    for money in amounts:
        if money.currency == currency:
            return money.amount
    return Decimal("0.00")


async def load_lifecycle_history(info: Info, customer_id: int) -> list[Any]:
    """The customer's lifecycle-stage changes, oldest first (batched over customers)."""
    from crm_graphql.domains.customers.models import CustomerLifecycleChange
    from crm_graphql.domains.customers.types import StageChange

    async def batch(ids: list[int]) -> list[list[Any]]:
        grouped: dict[int, list[Any]] = defaultdict(list)
        rows = await CustomerLifecycleChange.filter(customer_id__in=ids).order_by(
            "changed_at", "id"
        )
        for row in rows:
            grouped[row.customer_id].append(
                StageChange(
                    stage=row.stage, changed_at=row.changed_at, _changed_by_id=row.changed_by_id
                )
            )
        return [grouped.get(i, []) for i in ids]

    return await info.context.loader("lifecycle_history", batch).load(customer_id)
