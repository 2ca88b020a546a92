"""Rollup tables: the records of the dashboards counted and summed per quarter hour
(UTC), per UTC day and per UTC month, for each combination of a few dimension values.

What a cell holds and how it is kept exact is in :mod:`crm_graphql.api.aggregation.rollups`;
the declarations below say which records are rolled up by which dimensions. For each
kind of record the narrow rollups come first: a query takes the first that covers its
filter and grouping (interactions by channel read 24 cells a day, not one per author as
well).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.expressions import Q
from tortoise.models import Model

from crm_graphql.api.aggregation import tallies
from crm_graphql.api.aggregation.rollups import Rollup, RollupSum, register
from crm_graphql.api.aggregation.tallies import Tally, TallyMeasure
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.interactions.models import Interaction
from crm_graphql.domains.orders.models import REVENUE_STATUSES, Order, OrderStatus
from crm_graphql.domains.sales.models import Opportunity


class RollupCell(Model):
    """What every rollup cell holds besides its dimensions and sums."""

    cell = fields.CharField(
        max_length=120, primary_key=True, description="grain|start|dimension values."
    )
    grain = fields.IntField(
        description="900 for a quarter hour, 86400 for a UTC day, 2678400 for a UTC month."
    )
    n = fields.BigIntField(default=0, description="Records in the cell.")

    class Meta:
        abstract = True


class InteractionRollup(RollupCell):
    """Interactions per quarter hour or day, channel and direction."""

    occurred_at = fields.DatetimeField(null=True, description="Start of the quarter hour or day.")
    channel = fields.CharField(max_length=16)
    direction = fields.CharField(max_length=16)
    duration_seconds = fields.BigIntField(default=0, description="Sum of the durations.")
    duration_present = fields.BigIntField(default=0, description="Durations given.")

    class Meta:
        table = "rollup_interaction"
        indexes = (("grain", "occurred_at"),)


class InteractionAuthorRollup(RollupCell):
    """Interactions per quarter hour or day and author."""

    occurred_at = fields.DatetimeField(null=True, description="Start of the quarter hour or day.")
    author_id = fields.IntField(null=True)
    duration_seconds = fields.BigIntField(default=0, description="Sum of the durations.")
    duration_present = fields.BigIntField(default=0, description="Durations given.")

    class Meta:
        table = "rollup_interaction_author"
        indexes = (("grain", "occurred_at"),)


class InteractionDetailRollup(RollupCell):
    """Interactions per quarter hour or day, channel, direction and author."""

    occurred_at = fields.DatetimeField(null=True, description="Start of the quarter hour or day.")
    channel = fields.CharField(max_length=16)
    direction = fields.CharField(max_length=16)
    author_id = fields.IntField(null=True)
    duration_seconds = fields.BigIntField(default=0, description="Sum of the durations.")
    duration_present = fields.BigIntField(default=0, description="Durations given.")

    class Meta:
        table = "rollup_interaction_detail"
        indexes = (("grain", "occurred_at"),)


class OrderRollup(RollupCell):
    """Orders per quarter hour or day of placing, status and currency (amounts in cents)."""

    placed_at = fields.DatetimeField(null=True, description="Start of the quarter hour or day.")
    status = fields.CharField(max_length=16)
    currency = fields.CharField(max_length=3)
    total_cents = fields.BigIntField(default=0)
    total_present = fields.BigIntField(default=0)
    subtotal_cents = fields.BigIntField(default=0)
    subtotal_present = fields.BigIntField(default=0)
    tax_total_cents = fields.BigIntField(default=0)
    tax_total_present = fields.BigIntField(default=0)

    class Meta:
        table = "rollup_order"
        indexes = (("grain", "placed_at"),)


class OpportunityRollup(RollupCell):
    """Opportunities per quarter hour or day of creation, stage, owner and currency."""

    created_at = fields.DatetimeField(null=True, description="Start of the quarter hour or day.")
    stage = fields.CharField(max_length=16)
    owner_id = fields.IntField(null=True)
    currency = fields.CharField(max_length=3)
    amount_cents = fields.BigIntField(default=0, description="Sum of the amounts in cents.")
    amount_present = fields.BigIntField(default=0, description="Amounts given.")
    probability = fields.BigIntField(default=0, description="Sum of the probabilities.")
    probability_present = fields.BigIntField(default=0, description="Probabilities given.")

    class Meta:
        table = "rollup_opportunity"
        indexes = (("grain", "created_at"),)


class OpportunityStageRollup(RollupCell):
    """Opportunities per quarter hour, day or month of creation, stage and currency, with
    the sums the sales pipeline needs (weighted amounts, time to close)."""

    created_at = fields.DatetimeField(null=True, description="Start of the quarter hour or day.")
    stage = fields.CharField(max_length=16)
    currency = fields.CharField(max_length=3)
    amount_cents = fields.BigIntField(default=0, description="Sum of the amounts in cents.")
    amount_present = fields.BigIntField(default=0, description="Amounts given.")
    probability = fields.BigIntField(default=0, description="Sum of the probabilities.")
    probability_present = fields.BigIntField(default=0, description="Probabilities given.")
    weighted_cents = fields.BigIntField(
        default=0, description="Sum of amount in cents x probability (cent-percents)."
    )
    weighted_present = fields.BigIntField(default=0, description="Weighted amounts given.")
    close_micros = fields.BigIntField(
        default=0, description="Sum of the microseconds from creation to closing."
    )
    close_present = fields.BigIntField(default=0, description="Closed opportunities.")

    class Meta:
        table = "rollup_opportunity_stage"
        indexes = (("grain", "created_at"),)


class CustomerRollup(RollupCell):
    """Customers not soft-deleted per quarter hour, day or month of creation, lifecycle
    stage and source."""

    created_at = fields.DatetimeField(null=True, description="Start of the quarter hour or day.")
    lifecycle_stage = fields.CharField(max_length=16)
    source = fields.CharField(max_length=16)

    class Meta:
        table = "rollup_customer"
        indexes = (("grain", "created_at"),)


class CustomerValueTally(Model):
    """Per customer and currency: the PAID and SHIPPED orders and their totals (cents).
    Ranked by ``(currency, value_cents DESC, customer_id)`` (index made by migration)."""

    cell = fields.CharField(max_length=40, primary_key=True, description="customer|currency.")
    customer_id = fields.IntField()
    currency = fields.CharField(max_length=3)
    value_cents = fields.BigIntField(default=0, description="Sum of the totals in cents.")
    orders = fields.BigIntField(default=0, description="PAID and SHIPPED orders.")

    class Meta:
        table = "rollup_customer_value"
        indexes = (("customer_id",),)


class CustomerOrdersTally(Model):
    """Per customer: the orders that are not drafts. Ranked by ``(orders DESC,
    customer_id)`` (index made by migration)."""

    cell = fields.CharField(max_length=40, primary_key=True, description="customer.")
    customer_id = fields.IntField()
    orders = fields.BigIntField(default=0, description="Orders that are not drafts.")

    class Meta:
        table = "rollup_customer_orders"
        indexes = (("customer_id",),)


class CustomerInteractionsTally(Model):
    """Per customer: the interactions. Ranked by ``(interactions DESC, customer_id)``
    (index made by migration)."""

    cell = fields.CharField(max_length=40, primary_key=True, description="customer.")
    customer_id = fields.IntField()
    interactions = fields.BigIntField(default=0, description="Interactions.")

    class Meta:
        table = "rollup_customer_interactions"
        indexes = (("customer_id",),)


# --------------------------------------------------------------------------- declarations

_DURATION = RollupSum("duration_seconds", "duration_seconds", "duration_present")

INTERACTIONS = register(
    Rollup(
        "interactions",
        Interaction,
        InteractionRollup,
        "occurred_at",
        ("channel", "direction"),
        (_DURATION,),
    )
)
INTERACTIONS_BY_AUTHOR = register(
    Rollup(
        "interactions_by_author",
        Interaction,
        InteractionAuthorRollup,
        "occurred_at",
        ("author_id",),
        (_DURATION,),
    )
)
INTERACTIONS_IN_DETAIL = register(
    Rollup(
        "interactions_in_detail",
        Interaction,
        InteractionDetailRollup,
        "occurred_at",
        ("channel", "direction", "author_id"),
        (_DURATION,),
    )
)
ORDERS = register(
    Rollup(
        "orders",
        Order,
        OrderRollup,
        "placed_at",
        ("status", "currency"),
        tuple(
            RollupSum(name, f"{name}_cents", f"{name}_present", money=True)
            for name in ("total", "subtotal", "tax_total")
        ),
    )
)
OPPORTUNITIES_BY_STAGE = register(
    Rollup(
        "opportunities_by_stage",
        Opportunity,
        OpportunityStageRollup,
        "created_at",
        ("stage", "currency"),
        (
            RollupSum("amount", "amount_cents", "amount_present", money=True),
            RollupSum("probability", "probability", "probability_present"),
            RollupSum(
                "amount", "weighted_cents", "weighted_present", money=True, weight="probability"
            ),
            RollupSum("closed_at", "close_micros", "close_present", since="created_at"),
        ),
    )
)
OPPORTUNITIES = register(
    Rollup(
        "opportunities",
        Opportunity,
        OpportunityRollup,
        "created_at",
        ("stage", "owner_id", "currency"),
        (
            RollupSum("amount", "amount_cents", "amount_present", money=True),
            RollupSum("probability", "probability", "probability_present"),
        ),
    )
)

CUSTOMERS = register(
    Rollup(
        "customers",
        Customer,
        CustomerRollup,
        "created_at",
        ("lifecycle_stage", "source"),
        only=Q(deleted_at__isnull=True),
    )
)

CUSTOMER_VALUE = tallies.register(
    Tally(
        "customer_value",
        Order,
        CustomerValueTally,
        ("customer_id", "currency"),
        (
            TallyMeasure(
                "value_cents", "total", money=True, when=Q(status__in=list(REVENUE_STATUSES))
            ),
            TallyMeasure("orders", when=Q(status__in=list(REVENUE_STATUSES))),
        ),
    )
)
CUSTOMER_ORDERS = tallies.register(
    Tally(
        "customer_orders",
        Order,
        CustomerOrdersTally,
        ("customer_id",),
        (TallyMeasure("orders", when=Q(status__not=OrderStatus.DRAFT)),),
    )
)
CUSTOMER_INTERACTIONS = tallies.register(
    Tally(
        "customer_interactions",
        Interaction,
        CustomerInteractionsTally,
        ("customer_id",),
        (TallyMeasure("interactions"),),
    )
)
