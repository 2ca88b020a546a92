"""Small factories that build test rows through the ORM."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

from tortoise.transactions import in_transaction

from crm_graphql.api.aggregation import rollups, samples, tallies
from crm_graphql.api.ids import to_global_id
from crm_graphql.api.roles import Role
from crm_graphql.domains.auth.models import ApiKey
from crm_graphql.domains.auth.passwords import hash_password
from crm_graphql.domains.auth.services import create_api_key
from crm_graphql.domains.customers.models import Company, Customer, LifecycleStage
from crm_graphql.domains.interactions.models import Channel, Direction, Interaction
from crm_graphql.domains.orders.models import Order, OrderItem, OrderStatus, Product
from crm_graphql.domains.sales.models import STAGE_PROBABILITY, Opportunity, OpportunityStage
from crm_graphql.domains.users.models import User

_seq = itertools.count(1)
BASE_TIME = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)

T = TypeVar("T")
P = ParamSpec("P")


def _one_transaction(factory: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """A factory that writes a record and its cells in one transaction, records first, as
    the API does: a rebuild running beside it waits for it or it for the rebuild, and
    neither sees the record without its cells."""

    @functools.wraps(factory)
    async def written(*args: P.args, **kwargs: P.kwargs) -> T:
        async with in_transaction():
            return await factory(*args, **kwargs)

    return written


async def _recorded(model: type[Any], row: T) -> T:
    """Rows written outside the API count in the rollups and tallies only when recorded
    there (the API's change hooks do it for its own writes)."""
    await rollups.record(model, None, row)
    await tallies.record(model, None, row)
    await samples.record(model, None, row)
    return row


async def rebuild_rollups() -> None:
    """Count every rollup and tally again (after rows were changed behind the API)."""
    await rollups.rebuild_all()
    await tallies.rebuild_all()
    await samples.rebuild_all()


def gid(row: Any) -> str:
    """The global ID of a row."""
    return to_global_id(type(row).__name__, row.pk)


async def make_user(role: Role = Role.SALES, password: str | None = None, **fields: Any) -> User:
    """A user; with ``password`` one who can sign in with it (argon2id, as in production)."""
    n = next(_seq)
    fields.setdefault("name", f"Staff {n}")
    fields.setdefault("email", f"staff{n}@example.com")
    if password is not None:
        fields["password_hash"] = hash_password(password)
    return await User.create(role=role, **fields)


async def make_api_key(role: Role = Role.ANALYST, name: str | None = None) -> tuple[ApiKey, str]:
    """An API key made by the auth service: its row and the key itself."""
    return await create_api_key(name or f"Integration {next(_seq)}", role, created_by=None)


async def make_company(**fields: Any) -> Company:
    n = next(_seq)
    fields.setdefault("name", f"Company {n}")
    fields.setdefault("domain", f"company{n}.example")
    return await Company.create(**fields)


@_one_transaction
async def make_customer(**fields: Any) -> Customer:
    n = next(_seq)
    fields.setdefault("first_name", f"First{n}")
    fields.setdefault("last_name", f"Last{n}")
    fields.setdefault("email", f"person{n}@example.com")
    fields.setdefault("lifecycle_stage", LifecycleStage.CUSTOMER)
    return await _recorded(Customer, await Customer.create(**fields))


@_one_transaction
async def make_interaction(customer: Customer, **fields: Any) -> Interaction:
    n = next(_seq)
    fields.setdefault("channel", Channel.EMAIL)
    fields.setdefault("direction", Direction.OUTBOUND)
    fields.setdefault("subject", f"Subject {n}")
    fields.setdefault("body", f"Body {n}")
    fields.setdefault("occurred_at", BASE_TIME + timedelta(minutes=n))
    return await _recorded(Interaction, await Interaction.create(customer=customer, **fields))


async def make_product(**fields: Any) -> Product:
    n = next(_seq)
    fields.setdefault("sku", f"SKU-{n}")
    fields.setdefault("name", f"Product {n}")
    fields.setdefault("unit_price", Decimal("10.00"))
    fields.setdefault("currency", "USD")
    return await Product.create(**fields)


@_one_transaction
async def make_order(
    customer: Customer,
    items: list[tuple[Product, int]] | None = None,
    status: OrderStatus = OrderStatus.PAID,
    currency: str = "USD",
    **fields: Any,
) -> Order:
    n = next(_seq)
    order = await Order.create(
        customer=customer,
        number=fields.pop("number", f"ORD-{n:06d}"),
        status=status,
        currency=currency,
        placed_at=fields.pop("placed_at", BASE_TIME + timedelta(hours=n)),
        **fields,
    )
    subtotal = Decimal("0.00")
    for product, quantity in items or []:
        line = product.unit_price * quantity
        subtotal += line
        await OrderItem.create(
            order=order,
            product=product,
            quantity=quantity,
            unit_price=product.unit_price,
            line_total=line,
        )
    order.subtotal = order.total = subtotal
    await order.save()
    return await _recorded(Order, order)


@_one_transaction
async def make_order_with_total(
    customer: Customer,
    total: str | Decimal,
    status: OrderStatus = OrderStatus.PAID,
    currency: str = "USD",
    **fields: Any,
) -> Order:
    """An order without items whose totals are given (for sums over many orders)."""
    n = next(_seq)
    amount = Decimal(total)
    fields.setdefault("placed_at", BASE_TIME + timedelta(hours=n))
    order = await Order.create(
        customer=customer,
        number=fields.pop("number", f"ORD-{n:06d}"),
        status=status,
        currency=currency,
        subtotal=amount,
        total=amount,
        **fields,
    )
    return await _recorded(Order, order)


@_one_transaction
async def make_opportunity(customer: Customer, **fields: Any) -> Opportunity:
    n = next(_seq)
    stage = fields.pop("stage", OpportunityStage.PROPOSAL)
    fields.setdefault("name", f"Deal {n}")
    fields.setdefault("amount", Decimal("1000.00"))
    fields.setdefault("currency", "USD")
    fields.setdefault("probability", STAGE_PROBABILITY[stage])
    fields.setdefault("expected_close_date", date(2026, 6, 1))
    deal = await Opportunity.create(
        customer=customer, company_id=customer.company_id, stage=stage, **fields
    )
    return await _recorded(Opportunity, deal)


async def make_calendar(**fields: Any) -> Any:
    """A business calendar: Monday to Friday 09:00-17:00 in UTC unless told otherwise."""
    from crm_graphql.domains.support.models import BusinessCalendar

    n = next(_seq)
    fields.setdefault("name", f"Calendar {n}")
    fields.setdefault("time_zone", "UTC")
    fields.setdefault("working_hours", [[day, "09:00", "17:00"] for day in range(5)])
    return await BusinessCalendar.create(**fields)


async def make_sla_policy(calendar: Any, **fields: Any) -> Any:
    """An SLA policy for NORMAL tickets: 60 minutes to respond, 480 to resolve."""
    from crm_graphql.domains.support.models import SlaPolicy, TicketPriority

    n = next(_seq)
    fields.setdefault("name", f"Policy {n}")
    fields.setdefault("priority", TicketPriority.NORMAL)
    fields.setdefault("first_response_minutes", 60)
    fields.setdefault("resolution_minutes", 480)
    return await SlaPolicy.create(calendar=calendar, **fields)


@_one_transaction
async def make_ticket(customer: Customer, **fields: Any) -> Any:
    """A ticket written directly (no SLA clocks unless given)."""
    from crm_graphql.domains.support.models import Ticket, TicketChannel

    n = next(_seq)
    fields.setdefault("number", f"TCK-TEST-{n:06d}")
    fields.setdefault("subject", f"Ticket {n}")
    fields.setdefault("description", f"Description {n}")
    fields.setdefault("channel", TicketChannel.EMAIL)
    return await _recorded(Ticket, await Ticket.create(customer=customer, **fields))


@_one_transaction
async def make_survey(ticket: Any, **fields: Any) -> Any:
    """The satisfaction survey of a solved ticket, written directly (sent when it was
    solved, for its assignee unless given)."""
    from crm_graphql.domains.support.models import SatisfactionSurvey

    fields.setdefault("assignee_id", ticket.assignee_id)
    fields.setdefault("token_hash", f"{ticket.pk:064d}")
    fields.setdefault("created_at", ticket.solved_at)
    fields.setdefault("expires_at", fields["created_at"] + timedelta(days=14))
    survey = await SatisfactionSurvey.create(ticket_id=ticket.pk, **fields)
    return await _recorded(SatisfactionSurvey, survey)


@_one_transaction
async def make_invoice(customer: Customer, **fields: Any) -> Any:
    """An invoice written directly, without lines (issued, owing its total, unless given)."""
    from crm_graphql.domains.billing.models import Invoice, InvoiceStatus

    n = next(_seq)
    fields.setdefault("series", "INV")
    fields.setdefault("number", f"INV-TEST-{n:06d}")
    fields.setdefault("currency", "USD")
    fields.setdefault("status", InvoiceStatus.ISSUED)
    fields.setdefault("total", Decimal("100.00"))
    fields.setdefault("balance", fields["total"])
    return await _recorded(Invoice, await Invoice.create(customer=customer, **fields))
