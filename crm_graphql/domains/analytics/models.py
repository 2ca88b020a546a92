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

from crm_graphql.api.aggregation import samples, tallies
from crm_graphql.api.aggregation.rollups import Derived, Rollup, RollupSum, register
from crm_graphql.api.aggregation.samples import Samples
from crm_graphql.api.aggregation.tallies import Tally, TallyMeasure
from crm_graphql.domains.billing.models import OPEN_STATUSES, Invoice, Payment
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.interactions.models import Interaction
from crm_graphql.domains.marketing.models import Campaign
from crm_graphql.domains.orders.models import REVENUE_STATUSES, Order, OrderStatus
from crm_graphql.domains.sales.models import OPEN_STAGES, Opportunity, OpportunityStage
from crm_graphql.domains.support.models import UNSOLVED_STATUSES, SatisfactionSurvey, Ticket
from crm_graphql.domains.support.percentiles import SLA_SQL, duration_bucket


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
        # The second ranks the authors: a grouping by author reads only the first ones.
        indexes = (("grain", "occurred_at"), ("grain", "author_id", "occurred_at"))


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
    total_min = fields.BigIntField(null=True, description="Smallest total in cents.")
    total_max = fields.BigIntField(null=True, description="Largest total in cents.")
    subtotal_min = fields.BigIntField(null=True, description="Smallest subtotal in cents.")
    subtotal_max = fields.BigIntField(null=True, description="Largest subtotal in cents.")
    tax_total_min = fields.BigIntField(null=True, description="Smallest tax total in cents.")
    tax_total_max = fields.BigIntField(null=True, description="Largest tax total in cents.")
    stale = fields.SmallIntField(
        default=0,
        description="1 when a record holding an extreme left: the extremes are only bounds.",
    )
    changes = fields.BigIntField(default=0, description="Upserts since the cell was built.")

    class Meta:
        table = "rollup_order"
        indexes = (("grain", "placed_at"), ("stale",))


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
        # The second ranks the owners: a grouping by owner reads only the first ones, and
        # by owner, stage and currency in the index's order, without sorting.
        indexes = (
            ("grain", "created_at"),
            ("grain", "owner_id", "stage", "currency", "created_at"),
        )


class TicketTimesCell(RollupCell):
    """What every ticket rollup cell sums: first-response and resolution times."""

    first_response_seconds = fields.BigIntField(default=0, description="Sum of the times.")
    first_response_present = fields.BigIntField(default=0, description="Times given.")
    resolution_seconds = fields.BigIntField(default=0, description="Sum of the times.")
    resolution_present = fields.BigIntField(default=0, description="Times given.")

    class Meta:
        abstract = True


class TicketRollup(TicketTimesCell):
    """Tickets per quarter hour, day or month of creation, status, priority and channel."""

    created_at = fields.DatetimeField(null=True, description="Start of the cell.")
    status = fields.CharField(max_length=8)
    priority = fields.CharField(max_length=8)
    channel = fields.CharField(max_length=8)

    class Meta:
        table = "rollup_ticket"
        indexes = (("grain", "created_at"),)


class TicketAssigneeRollup(TicketTimesCell):
    """Tickets per cell of creation, status and assignee."""

    created_at = fields.DatetimeField(null=True, description="Start of the cell.")
    status = fields.CharField(max_length=8)
    assignee_id = fields.IntField(null=True)

    class Meta:
        table = "rollup_ticket_assignee"
        indexes = (("grain", "created_at"),)


class TicketSolvedRollup(TicketTimesCell):
    """Tickets per cell of solving (unsolved ones: no time), SLA policy and breach flags."""

    solved_at = fields.DatetimeField(null=True, description="Start of the cell.")
    sla_policy_id = fields.IntField(null=True)
    first_response_breached = fields.BooleanField()
    resolution_breached = fields.BooleanField()

    class Meta:
        table = "rollup_ticket_solved"
        indexes = (("grain", "solved_at"),)


class TicketSolvedAssigneeRollup(TicketTimesCell):
    """Tickets per cell of solving, status and assignee."""

    solved_at = fields.DatetimeField(null=True, description="Start of the cell.")
    status = fields.CharField(max_length=8)
    assignee_id = fields.IntField(null=True)

    class Meta:
        table = "rollup_ticket_solved_assignee"
        indexes = (("grain", "solved_at"),)


class FirstResponseTimesCell(RollupCell):
    """Tickets first answered in the cell, per duration bucket of the first-response time."""

    first_responded_at = fields.DatetimeField(null=True, description="Start of the cell.")
    first_response_bucket = fields.SmallIntField(description="The duration bucket.")

    class Meta:
        abstract = True


class FirstResponseChannelRollup(FirstResponseTimesCell):
    """Tickets first answered per cell, channel and bucket of the first-response time."""

    channel = fields.CharField(max_length=8)

    class Meta:
        table = "rollup_first_response_channel"
        indexes = (("grain", "first_responded_at"),)


class FirstResponsePriorityRollup(FirstResponseTimesCell):
    """Tickets first answered per cell, priority and bucket of the first-response time."""

    priority = fields.CharField(max_length=8)

    class Meta:
        table = "rollup_first_response_priority"
        indexes = (("grain", "first_responded_at"),)


class ResolutionTimesCell(RollupCell):
    """Tickets solved in the cell, per duration bucket of the resolution time, with those
    under an SLA policy and those of them that met both targets."""

    solved_at = fields.DatetimeField(null=True, description="Start of the cell.")
    resolution_bucket = fields.SmallIntField(description="The duration bucket.")
    with_sla = fields.BigIntField(default=0, description="Tickets under an SLA policy.")
    with_sla_present = fields.BigIntField(default=0, description="Tickets counted.")
    met = fields.BigIntField(default=0, description="Tickets that met both targets.")
    met_present = fields.BigIntField(default=0, description="Tickets counted.")

    class Meta:
        abstract = True


class ResolutionChannelRollup(ResolutionTimesCell):
    """Tickets solved per cell, channel and bucket of the resolution time."""

    channel = fields.CharField(max_length=8)

    class Meta:
        table = "rollup_resolution_channel"
        indexes = (("grain", "solved_at"),)


class ResolutionPriorityRollup(ResolutionTimesCell):
    """Tickets solved per cell, priority and bucket of the resolution time."""

    priority = fields.CharField(max_length=8)

    class Meta:
        table = "rollup_resolution_priority"
        indexes = (("grain", "solved_at"),)


class SampleCell(Model):
    """A UTC day's entries of one kind of samples (see
    :mod:`crm_graphql.api.aggregation.samples`)."""

    cell = fields.CharField(max_length=20, primary_key=True, description="The day (cell key).")
    day = fields.DatetimeField(description="Start of the UTC day.")
    entries = fields.BinaryField(
        description="8-byte little-endian signed integers: key * 2**32 + value entered, "
        "its complement left."
    )

    class Meta:
        abstract = True


class FirstResponseSamples(SampleCell):
    """Per UTC day of the first reply: each ticket's assignee and first-response time."""

    class Meta:
        table = "samples_first_response"


class ResolutionSamples(SampleCell):
    """Per UTC day of solving: each ticket's assignee and resolution time."""

    class Meta:
        table = "samples_resolution"


class SurveyCell(RollupCell):
    """Satisfaction surveys sent in the cell: how many, and the scores given."""

    created_at = fields.DatetimeField(null=True, description="Start of the cell.")
    score = fields.BigIntField(default=0, description="Sum of the scores.")
    score_present = fields.BigIntField(default=0, description="Scores given (answers).")

    class Meta:
        abstract = True


class SurveyRollup(SurveyCell):
    """Satisfaction surveys per cell of sending."""

    class Meta:
        table = "rollup_survey"
        indexes = (("grain", "created_at"),)


class SurveyAssigneeRollup(SurveyCell):
    """Satisfaction surveys per cell of sending and agent (who solved the ticket)."""

    assignee_id = fields.IntField(null=True)

    class Meta:
        table = "rollup_survey_assignee"
        indexes = (("grain", "created_at"),)


class AgentBacklogTally(Model):
    """Per assignee: the unsolved tickets assigned to them now."""

    cell = fields.CharField(max_length=20, primary_key=True, description="assignee.")
    assignee_id = fields.IntField(null=True)
    open_count = fields.BigIntField(default=0, description="Unsolved tickets.")

    class Meta:
        table = "rollup_agent_backlog"
        indexes = (("assignee_id",),)


class InvoiceRollup(RollupCell):
    """Invoices and credit notes per issuing cell, status, kind and currency (in cents)."""

    issued_at = fields.DatetimeField(null=True, description="Start of the cell.")
    status = fields.CharField(max_length=16)
    kind = fields.CharField(max_length=16)
    currency = fields.CharField(max_length=3)
    total_cents = fields.BigIntField(default=0)
    total_present = fields.BigIntField(default=0)
    subtotal_cents = fields.BigIntField(default=0)
    subtotal_present = fields.BigIntField(default=0)
    tax_total_cents = fields.BigIntField(default=0)
    tax_total_present = fields.BigIntField(default=0)
    amount_paid_cents = fields.BigIntField(default=0)
    amount_paid_present = fields.BigIntField(default=0)
    balance_cents = fields.BigIntField(default=0)
    balance_present = fields.BigIntField(default=0)

    class Meta:
        table = "rollup_invoice"
        indexes = (("grain", "issued_at"),)


class InvoiceDateRollup(RollupCell):
    """Invoices and credit notes per issue date and its month, status, kind, currency."""

    issue_date = fields.DateField(null=True, description="The day, or the first of the month.")
    status = fields.CharField(max_length=16)
    kind = fields.CharField(max_length=16)
    currency = fields.CharField(max_length=3)
    total_cents = fields.BigIntField(default=0)
    total_present = fields.BigIntField(default=0)
    subtotal_cents = fields.BigIntField(default=0)
    subtotal_present = fields.BigIntField(default=0)
    tax_total_cents = fields.BigIntField(default=0)
    tax_total_present = fields.BigIntField(default=0)
    amount_paid_cents = fields.BigIntField(default=0)
    amount_paid_present = fields.BigIntField(default=0)
    balance_cents = fields.BigIntField(default=0)
    balance_present = fields.BigIntField(default=0)

    class Meta:
        table = "rollup_invoice_date"
        indexes = (("grain", "issue_date"),)


class PaymentRollup(RollupCell):
    """Payments and refunds per cell of receipt, method and currency (amounts in cents)."""

    received_at = fields.DatetimeField(null=True, description="Start of the cell.")
    method = fields.CharField(max_length=16)
    currency = fields.CharField(max_length=3)
    amount_cents = fields.BigIntField(default=0)
    amount_present = fields.BigIntField(default=0)
    unallocated_cents = fields.BigIntField(default=0)
    unallocated_present = fields.BigIntField(default=0)

    class Meta:
        table = "rollup_payment"
        indexes = (("grain", "received_at"),)


class CampaignRollup(RollupCell):
    """Campaigns per cell of creation, type, status, currency and owner (amounts in cents)."""

    created_at = fields.DatetimeField(null=True, description="Start of the cell.")
    type = fields.CharField(max_length=16)
    status = fields.CharField(max_length=16)
    currency = fields.CharField(max_length=3)
    owner_id = fields.IntField(null=True)
    budget_cents = fields.BigIntField(default=0)
    budget_present = fields.BigIntField(default=0)
    actual_cost_cents = fields.BigIntField(default=0)
    actual_cost_present = fields.BigIntField(default=0)
    expected_response = fields.BigIntField(default=0)
    expected_response_present = fields.BigIntField(default=0)

    class Meta:
        table = "rollup_campaign"
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


class OpportunityWonRollup(RollupCell):
    """Won opportunities per quarter hour, day or month of closing, owner and currency."""

    closed_at = fields.DatetimeField(null=True, description="Start of the quarter hour or day.")
    owner_id = fields.IntField(null=True)
    currency = fields.CharField(max_length=3)
    amount_cents = fields.BigIntField(default=0, description="Sum of the amounts in cents.")
    amount_present = fields.BigIntField(default=0, description="Amounts given.")

    class Meta:
        table = "rollup_opportunity_won"
        indexes = (("grain", "closed_at"),)


class OwnerPipelineTally(Model):
    """Per owner and currency: the open opportunities and their amounts (cents)."""

    cell = fields.CharField(max_length=40, primary_key=True, description="owner|currency.")
    owner_id = fields.IntField(null=True)
    currency = fields.CharField(max_length=3)
    open_count = fields.BigIntField(default=0, description="Open opportunities.")
    open_cents = fields.BigIntField(default=0, description="Sum of their amounts in cents.")

    class Meta:
        table = "rollup_owner_pipeline"
        indexes = (("owner_id",),)


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


class ReceivableDueTally(Model):
    """Per currency and due date: the open invoices and credit notes (ISSUED and
    PARTIALLY_PAID) and their balances (cents), for the receivables ageing's totals."""

    cell = fields.CharField(max_length=40, primary_key=True, description="currency|due date.")
    currency = fields.CharField(max_length=3)
    due_date = fields.DateField(null=True)
    invoices = fields.BigIntField(default=0, description="Open invoices and credit notes.")
    balance_cents = fields.BigIntField(default=0, description="Sum of their balances in cents.")

    class Meta:
        table = "rollup_receivable_due"
        indexes = (("currency", "due_date"),)


class ReceivableCustomerTally(Model):
    """Per customer and currency: the open invoices and credit notes and their balances
    (cents). Ranked by ``(currency, balance_cents DESC, customer_id)`` (index made by
    migration)."""

    cell = fields.CharField(max_length=40, primary_key=True, description="customer|currency.")
    customer_id = fields.IntField()
    currency = fields.CharField(max_length=3)
    invoices = fields.BigIntField(default=0, description="Open invoices and credit notes.")
    balance_cents = fields.BigIntField(default=0, description="Sum of their balances in cents.")

    class Meta:
        table = "rollup_receivable_customer"
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
        extremes=("total", "subtotal", "tax_total"),
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

# The sales leaderboard: the deals won in a period by their closing time (a few cells per
# owner and currency a day), and the open pipeline now (one row per owner and currency).
OPPORTUNITIES_WON = register(
    Rollup(
        "opportunities_won",
        Opportunity,
        OpportunityWonRollup,
        "closed_at",
        ("owner_id", "currency"),
        (RollupSum("amount", "amount_cents", "amount_present", money=True),),
        only=Q(stage=OpportunityStage.CLOSED_WON),
    )
)
_OPEN = Q(stage__in=list(OPEN_STAGES))
OWNER_PIPELINE = tallies.register(
    Tally(
        "owner_pipeline",
        Opportunity,
        OwnerPipelineTally,
        ("owner_id", "currency"),
        (
            TallyMeasure("open_count", when=_OPEN),
            TallyMeasure("open_cents", "amount", money=True, when=_OPEN),
        ),
    )
)


# Tickets: narrow rollups only. At a few hundred tickets a day, a rollup by every key
# would hold a cell per ticket and be no faster than the rows; these hold a few cells a
# day (the overview's created series by channel and priority, its solved series with
# the SLA attainment, the agents' open and solved tickets).
_TICKET_TIMES = (
    RollupSum("first_response_seconds", "first_response_seconds", "first_response_present"),
    RollupSum("resolution_seconds", "resolution_seconds", "resolution_present"),
)
TICKETS = register(
    Rollup(
        "tickets",
        Ticket,
        TicketRollup,
        "created_at",
        ("status", "priority", "channel"),
        _TICKET_TIMES,
    )
)
TICKETS_BY_ASSIGNEE = register(
    Rollup(
        "tickets_by_assignee",
        Ticket,
        TicketAssigneeRollup,
        "created_at",
        ("status", "assignee_id"),
        _TICKET_TIMES,
    )
)
TICKETS_SOLVED = register(
    Rollup(
        "tickets_solved",
        Ticket,
        TicketSolvedRollup,
        "solved_at",
        ("sla_policy_id", "first_response_breached", "resolution_breached"),
        _TICKET_TIMES,
    )
)
TICKETS_SOLVED_BY_ASSIGNEE = register(
    Rollup(
        "tickets_solved_by_assignee",
        Ticket,
        TicketSolvedAssigneeRollup,
        "solved_at",
        ("status", "assignee_id"),
        _TICKET_TIMES,
    )
)


# The support times' percentiles (see ``support.percentiles.RankedTimes``): tickets per
# cell, one group key and duration bucket, counted only where the time was measured (as
# the percentiles count). One rollup per key: a month holds a cell per key and bucket.
def _bucket_of(value: str) -> Derived:
    return Derived(
        f"{value.removesuffix('_seconds')}_bucket",
        lambda get: duration_bucket(get(value)),
        f"{value.removesuffix('_seconds')}_bucket",  # the ticket's generated column
    )


_SLA = (
    Derived("with_sla", lambda get: int(get("sla_policy_id") is not None), SLA_SQL["with_sla"]),
    Derived(
        "met",
        lambda get: int(
            get("sla_policy_id") is not None
            and not get("first_response_breached")
            and not get("resolution_breached")
        ),
        SLA_SQL["met"],
    ),
)
_SLA_SUMS = (
    RollupSum("with_sla", "with_sla", "with_sla_present"),
    RollupSum("met", "met", "met_present"),
)
for _key, _first, _solved in (
    ("channel", FirstResponseChannelRollup, ResolutionChannelRollup),
    ("priority", FirstResponsePriorityRollup, ResolutionPriorityRollup),
):
    _name = _key.removesuffix("_id")
    register(
        Rollup(
            f"first_response_times_by_{_name}",
            Ticket,
            _first,
            "first_responded_at",
            (_key, "first_response_bucket"),
            only=Q(first_response_seconds__isnull=False),
            derived=(_bucket_of("first_response_seconds"),),
        )
    )
    register(
        Rollup(
            f"resolution_times_by_{_name}",
            Ticket,
            _solved,
            "solved_at",
            (_key, "resolution_bucket"),
            _SLA_SUMS,
            only=Q(resolution_seconds__isnull=False),
            derived=(_bucket_of("resolution_seconds"), *_SLA),
        )
    )


# The support leaderboard: each agent's exact times over a period (the medians and 90th
# percentiles, the tickets solved with a resolution time): every assigned ticket's agent
# and time, a row per UTC day; with the resolution time, whether the ticket was under a
# policy and met both targets (the SLA attainment).
FIRST_RESPONSE_SAMPLES = samples.register(
    Samples(
        "first_response_samples",
        Ticket,
        FirstResponseSamples,
        "first_responded_at",
        "assignee_id",
        "first_response_seconds",
    )
)
RESOLUTION_SAMPLES = samples.register(
    Samples(
        "resolution_samples",
        Ticket,
        ResolutionSamples,
        "solved_at",
        "assignee_id",
        "resolution_seconds",
        flags=_SLA,
        flag_fields=("sla_policy_id", "first_response_breached", "resolution_breached"),
    )
)
# Satisfaction: the surveys sent in a period and their answers (a score is given exactly
# when a survey is answered), in total (a cell per quarter hour, day or month) and per
# agent (a few cells per agent a month, against a row per survey).
_SCORES = (RollupSum("score", "score", "score_present"),)
SURVEYS = register(Rollup("surveys", SatisfactionSurvey, SurveyRollup, "created_at", (), _SCORES))
SURVEYS_BY_ASSIGNEE = register(
    Rollup(
        "surveys_by_assignee",
        SatisfactionSurvey,
        SurveyAssigneeRollup,
        "created_at",
        ("assignee_id",),
        _SCORES,
    )
)
# The unsolved tickets assigned to each agent now (a row per agent).
AGENT_BACKLOG = tallies.register(
    Tally(
        "agent_backlog",
        Ticket,
        AgentBacklogTally,
        ("assignee_id",),
        (TallyMeasure("open_count", when=Q(status__in=list(UNSOLVED_STATUSES))),),
    )
)


def _amounts(*names: str) -> tuple[RollupSum, ...]:
    return tuple(RollupSum(name, f"{name}_cents", f"{name}_present", money=True) for name in names)


INVOICES = register(
    Rollup(
        "invoices",
        Invoice,
        InvoiceRollup,
        "issued_at",
        ("status", "kind", "currency"),
        _amounts("total", "subtotal", "tax_total", "amount_paid", "balance"),
    )
)
# The cash flow and the revenue by invoice count invoices by their issue date, a calendar
# day the same in every zone: a rollup of that column (day and month cells).
INVOICES_BY_DATE = register(
    Rollup(
        "invoices_by_date",
        Invoice,
        InvoiceDateRollup,
        "issue_date",
        ("status", "kind", "currency"),
        _amounts("total", "subtotal", "tax_total", "amount_paid", "balance"),
    )
)
PAYMENTS = register(
    Rollup(
        "payments",
        Payment,
        PaymentRollup,
        "received_at",
        ("method", "currency"),
        _amounts("amount", "unallocated"),
    )
)
CAMPAIGNS = register(
    Rollup(
        "campaigns",
        Campaign,
        CampaignRollup,
        "created_at",
        ("type", "status", "currency", "owner_id"),
        (
            *_amounts("budget", "actual_cost"),
            RollupSum("expected_response", "expected_response", "expected_response_present"),
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

# Receivables: what is open now, by due date and by customer (the ageing's totals and its
# ranking of customers); an invoice counts while it is ISSUED or PARTIALLY_PAID.
_OPEN = Q(status__in=list(OPEN_STATUSES))
RECEIVABLES_BY_DUE_DATE = tallies.register(
    Tally(
        "receivables_by_due_date",
        Invoice,
        ReceivableDueTally,
        ("currency", "due_date"),
        (
            TallyMeasure("invoices", when=_OPEN),
            TallyMeasure("balance_cents", "balance", money=True, when=_OPEN),
        ),
    )
)
RECEIVABLES_BY_CUSTOMER = tallies.register(
    Tally(
        "receivables_by_customer",
        Invoice,
        ReceivableCustomerTally,
        ("customer_id", "currency"),
        (
            TallyMeasure("invoices", when=_OPEN),
            TallyMeasure("balance_cents", "balance", money=True, when=_OPEN),
        ),
    )
)
