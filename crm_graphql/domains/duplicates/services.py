"""Merging duplicates: one record survives and absorbs the others.

Everything the merged records own moves to the survivor with one bulk ``UPDATE`` per
table (so a merge costs the same statements for ten related rows or ten thousand); the
survivor takes the field values chosen (by default its own, gaps filled from the merged
records in the order given); the merged records stay, soft-deleted, with ``merged_into``
naming the survivor. All of it is one transaction: any failure leaves nothing changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import F
from tortoise.models import Model

from crm_graphql.api.aggregation import tallies
from crm_graphql.domains.billing.models import Invoice, Payment
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.interactions.models import Interaction
from crm_graphql.domains.leads.models import Lead
from crm_graphql.domains.marketing.models import CampaignMember, CustomerConsent, MemberStatus
from crm_graphql.domains.orders.models import Order
from crm_graphql.domains.sales.models import Opportunity
from crm_graphql.domains.support.models import SlaPolicy, Ticket
from crm_graphql.domains.tasks.models import Task

#: At most this many records merged into a survivor at once.
MAX_MERGED = 20


@dataclass(frozen=True)
class MergeField:
    """A field the survivor may take from any of the records merged."""

    #: Its name in the GraphQL enum (``EMAIL``).
    name: str
    #: The columns behind it (an address is six), taken together from one record.
    columns: tuple[str, ...]
    #: How the values combine when nobody chose: ``fill`` (the survivor's, else the
    #: first merged record's that has one), ``union`` (a list: every value, survivor's
    #: first), ``overlay`` (a JSON object: every key, the survivor's values winning).
    combine: str = "fill"


ADDRESS = ("address_line1", "address_line2", "city", "region", "postal_code", "country")

CUSTOMER_FIELDS: tuple[MergeField, ...] = (
    MergeField("FIRST_NAME", ("first_name",)),
    MergeField("LAST_NAME", ("last_name",)),
    MergeField("EMAIL", ("email",)),
    MergeField("PHONE", ("phone",)),
    MergeField("JOB_TITLE", ("job_title",)),
    MergeField("COMPANY", ("company_id",)),
    MergeField("OWNER", ("owner_id",)),
    MergeField("LIFECYCLE_STAGE", ("lifecycle_stage",)),
    MergeField("SOURCE", ("source",)),
    MergeField("ADDRESS", ADDRESS),
    MergeField("BIRTH_DATE", ("birth_date",)),
    MergeField("MARKETING_CONSENT", ("marketing_consent",)),
    MergeField("PAYMENT_TERMS_DAYS", ("payment_terms_days",)),
    MergeField("TAGS", ("tags",), combine="union"),
    MergeField("CUSTOM_FIELDS", ("custom_fields",), combine="overlay"),
)

COMPANY_FIELDS: tuple[MergeField, ...] = (
    MergeField("NAME", ("name",)),
    MergeField("DOMAIN", ("domain",)),
    MergeField("INDUSTRY", ("industry",)),
    MergeField("SIZE_BAND", ("size_band",)),
    MergeField("PHONE", ("phone",)),
    MergeField("ADDRESS", ADDRESS),
    MergeField("OWNER", ("owner_id",)),
    MergeField("PAYMENT_TERMS_DAYS", ("payment_terms_days",)),
)


def _empty(value: Any) -> bool:
    # False is an answer (no marketing consent), not a gap.
    return value is None or value == ""


def chosen_values(
    fields: Sequence[MergeField],
    survivor: Model,
    merged: Sequence[Model],
    choices: Mapping[str, Model],
) -> dict[str, Any]:
    """The columns of the survivor that change: the values chosen per field (the record
    named in ``choices``), else combined as the field says."""
    values: dict[str, Any] = {}
    for field in fields:
        source = choices.get(field.name)
        if source is not None:
            taken = {column: getattr(source, column) for column in field.columns}
        elif field.combine == "union":
            (column,) = field.columns
            items: list[Any] = []
            for row in (survivor, *merged):
                items += [item for item in getattr(row, column) or [] if item not in items]
            taken = {column: items}
        elif field.combine == "overlay":
            (column,) = field.columns
            combined: dict[str, Any] = {}
            for row in (*reversed(merged), survivor):
                combined.update(getattr(row, column) or {})
            taken = {column: combined}
        else:
            filled = next(
                (
                    row
                    for row in (survivor, *merged)
                    if not all(_empty(getattr(row, column)) for column in field.columns)
                ),
                survivor,
            )
            taken = {column: getattr(filled, column) for column in field.columns}
        values.update(
            {column: value for column, value in taken.items() if value != getattr(survivor, column)}
        )
    return values


@dataclass(frozen=True)
class Move:
    """Rows of another table that refer to a merged record: they follow the survivor."""

    model: type[Model]
    column: str
    #: Its name in the audit event's ``moved`` counts.
    label: str


CUSTOMER_MOVES = (
    Move(Interaction, "customer_id", "interactions"),
    Move(Order, "customer_id", "orders"),
    Move(Opportunity, "customer_id", "opportunities"),
    Move(Ticket, "customer_id", "tickets"),
    Move(Task, "customer_id", "tasks"),
    Move(Invoice, "customer_id", "invoices"),
    Move(Payment, "customer_id", "payments"),
    Move(Lead, "converted_customer_id", "convertedLeads"),
)

COMPANY_MOVES = (
    Move(Customer, "company_id", "customers"),
    Move(Opportunity, "company_id", "opportunities"),
    Move(SlaPolicy, "company_id", "slaPolicies"),
)


async def move_rows(moves: Sequence[Move], survivor: int, merged: Sequence[int]) -> dict[str, int]:
    """One ``UPDATE`` per table: the rows of the merged records become the survivor's
    (their ``version`` goes up: a client holding one reads it again). The counts moved."""
    now = datetime.now(UTC)
    counts: dict[str, int] = {}
    for move in moves:
        counts[move.label] = await move.model.filter(**{f"{move.column}__in": merged}).update(
            **{move.column: survivor, "version": F("version") + 1, "updated_at": now}
        )
        # Moved in bulk, past the change hooks: the per-customer tallies count them again.
        await tallies.recount(move.model, move.column, [survivor, *merged])
    return counts


#: Which membership of a campaign a merged customer keeps: an opt-out always, then
#: the one that went furthest.
MEMBER_RANK = {
    MemberStatus.UNSUBSCRIBED: 9,
    MemberStatus.CONVERTED: 8,
    MemberStatus.RESPONDED: 7,
    MemberStatus.CLICKED: 6,
    MemberStatus.OPENED: 5,
    MemberStatus.SENT: 4,
    MemberStatus.BOUNCED: 3,
    MemberStatus.TARGETED: 2,
}


async def _keep_one_per(
    model: type[Model],
    group: str,
    survivor: int,
    merged: Sequence[int],
    rank: Callable[[dict[str, Any]], Any],
) -> tuple[int, int]:
    """Rows unique per (customer, ``group``): one per group survives (the highest
    ``rank``, the survivor's on a tie) and moves to the survivor; the others are deleted.
    Three statements whatever the number of rows; the counts moved and dropped."""
    rows = await model.filter(customer_id__in=[survivor, *merged]).values()
    best: dict[Any, dict[str, Any]] = {}
    for row in rows:
        key = row[group]
        current = best.get(key)
        if current is None or (rank(row), row["customer_id"] == survivor, -row["id"]) > (
            rank(current),
            current["customer_id"] == survivor,
            -current["id"],
        ):
            best[key] = row
    kept = {row["id"] for row in best.values()}
    dropped = [row["id"] for row in rows if row["id"] not in kept]
    moved = [row["id"] for row in best.values() if row["customer_id"] != survivor]
    if dropped:
        await model.filter(id__in=dropped).delete()
    if moved:
        await model.filter(id__in=moved).update(
            customer_id=survivor, version=F("version") + 1, updated_at=datetime.now(UTC)
        )
    return len(moved), len(dropped)


async def move_customer_records(survivor: int, merged: Sequence[int]) -> dict[str, int]:
    """Everything the merged customers own becomes the survivor's; campaign memberships
    and consents, one per campaign and channel, keep one each (see the docs)."""
    counts = await move_rows(CUSTOMER_MOVES, survivor, merged)
    moved, dropped = await _keep_one_per(
        CampaignMember,
        "campaign_id",
        survivor,
        merged,
        lambda row: MEMBER_RANK.get(MemberStatus(row["status"]), 0),
    )
    counts["campaignMemberships"] = moved
    counts["campaignMembershipsDropped"] = dropped
    # The latest answer on a channel is the person's current will.
    moved, dropped = await _keep_one_per(
        CustomerConsent, "channel", survivor, merged, lambda row: row["changed_at"]
    )
    counts["consents"] = moved
    counts["consentsDropped"] = dropped
    return counts


async def move_company_records(survivor: int, merged: Sequence[int]) -> dict[str, int]:
    """The merged companies' people, opportunities and SLA policies become the survivor's."""
    return await move_rows(COMPANY_MOVES, survivor, merged)


#: Moves what merged records own to the survivor: (survivor, merged) -> counts.
MoveRecords = Callable[[int, Sequence[int]], Awaitable[dict[str, int]]]
