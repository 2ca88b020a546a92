"""A customer with some of every record the CRM holds about a person."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from crm_graphql.domains.billing.models import Invoice, InvoiceStatus, Payment, PaymentMethod
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.leads.models import Lead
from crm_graphql.domains.marketing.models import (
    Campaign,
    CampaignMember,
    CampaignType,
    ConsentChannel,
    CustomerConsent,
    MemberStatus,
)
from crm_graphql.domains.orders.models import OrderStatus
from crm_graphql.domains.sales.models import OpportunityStage, OpportunityStageChange
from crm_graphql.domains.support.models import TicketComment
from crm_graphql.domains.tasks.models import Task
from tests.factories import (
    BASE_TIME,
    make_customer,
    make_interaction,
    make_opportunity,
    make_order,
    make_product,
    make_ticket,
)

_seq = itertools.count(1)


@dataclass
class Person:
    """The customer and the personal values planted in their records."""

    customer: Customer
    values: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[Any]] = field(default_factory=dict)


async def make_person(count: int = 1, *, invoice_issued: date | None = None) -> Person:
    """A customer with ``count`` of each kind of record, each carrying a unique personal
    value (names, e-mail, phone and the free texts) that an erasure must remove."""
    n = next(_seq)
    values = {
        "first_name": f"Zebulonia{n}",
        "last_name": f"Quackenbrush{n}",
        "email": f"zebulonia.q{n}@privacy.example",
        "phone": f"+4915100{n:05d}",
        "address_line1": f"Wrenfeather Lane {n}",
        "postal_code": f"P{n:05d}Q",
    }
    customer = await make_customer(
        **values, birth_date=date(1980, 2, 3), job_title=f"Chief Gardener {n}", city="Berlin"
    )
    rows: dict[str, list[Any]] = {key: [] for key in ("interactions", "orders", "tickets")}
    product = await make_product()
    for i in range(count):
        body = f"Interaction body {n}-{i} about her knee surgery"
        values[f"interaction_{i}"] = body
        rows["interactions"].append(
            await make_interaction(
                customer,
                subject=f"Call with {values['first_name']} {values['last_name']}",
                body=body,
                occurred_at=BASE_TIME + timedelta(days=i, hours=1),
            )
        )
        rows["orders"].append(
            await make_order(
                customer,
                [(product, 2)],
                status=OrderStatus.PAID,
                placed_at=BASE_TIME + timedelta(days=i, hours=2),
            )
        )
        opportunity = await make_opportunity(customer, name=f"Deal for {values['last_name']} {i}")
        await OpportunityStageChange.create(
            opportunity=opportunity,
            stage=OpportunityStage.PROPOSAL,
            changed_at=BASE_TIME + timedelta(days=i, hours=3),
        )
        description = f"Ticket description {n}-{i}: my neighbour Hortensia{n} knows"
        values[f"ticket_{i}"] = description
        ticket = await make_ticket(customer, subject=f"Help {i}", description=description)
        rows["tickets"].append(ticket)
        comment = f"Comment {n}-{i}: reach me at {values['email']}"
        await TicketComment.create(ticket=ticket, body=comment, public=True)
        await Task.create(
            title=f"Call back {values['first_name']}",
            notes=f"Task note {n}-{i} private",
            due_at=BASE_TIME + timedelta(days=i, hours=4),
            customer=customer,
        )
        campaign = await Campaign.create(
            name=f"Campaign {n}-{i}", type=CampaignType.EMAIL, currency="USD"
        )
        await CampaignMember.create(
            campaign=campaign,
            customer=customer,
            status=MemberStatus.RESPONDED,
            status_at=BASE_TIME + timedelta(days=i, hours=5),
        )
        issued = invoice_issued or date(2010, 1, 1)
        await Invoice.create(
            customer=customer,
            series="INV",
            number=f"INV-P{n}-{i}",
            status=InvoiceStatus.ISSUED,
            currency="USD",
            issue_date=issued,
            issued_at=BASE_TIME + timedelta(days=i, hours=6),
            total=Decimal("20.00"),
            balance=Decimal("20.00"),
        )
        await Payment.create(
            customer=customer,
            amount=Decimal("5.00"),
            currency="USD",
            method=PaymentMethod.BANK_TRANSFER,
            received_at=BASE_TIME + timedelta(days=i, hours=7),
        )
    await CustomerConsent.create(
        customer=customer,
        channel=ConsentChannel.EMAIL,
        granted=True,
        changed_at=BASE_TIME,
        source="web form",
    )
    await Lead.create(
        first_name=values["first_name"],
        last_name=values["last_name"],
        email=values["email"].upper(),
        phone=values["phone"],
        notes=f"Lead note {n}: met at the fair",
    )
    values["lead_note"] = f"Lead note {n}: met at the fair"
    return Person(customer=customer, values=values, rows=rows)
