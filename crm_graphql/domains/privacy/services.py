"""Privacy requests: everything the CRM holds about a person (export) and its erasure.

Both read the same set of records about a customer: the profile, consent, lifecycle
history, interactions, orders with their items, opportunities with their stage history,
tickets with comments and surveys, tasks, campaign memberships, invoices with lines,
payments with allocations, leads with the customer's e-mail (or converted into them)
and the audit events about any of these. The export reads them in a fixed number of
statements, whatever their number.

Erasure replaces the personal values (names, contact details, free texts) and keeps
the records and their aggregates (orders, amounts, stages, dates), then removes the
values wherever else they were copied: audit diffs, outbox and scheduled events,
webhook deliveries, idempotency records and import errors.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F, Q
from tortoise.models import Model

from crm_graphql.api.audit import PERSONAL_FIELDS, REDACTED
from crm_graphql.api.json import plain
from crm_graphql.db.audit import AuditEvent
from crm_graphql.db.idempotency import IdempotencyRecord
from crm_graphql.domains.billing.models import Invoice, InvoiceLine, Payment, PaymentAllocation
from crm_graphql.domains.customers.models import Customer, CustomerLifecycleChange
from crm_graphql.domains.integration.models import ImportRowError, WebhookAttempt, WebhookDelivery
from crm_graphql.domains.interactions.models import Interaction
from crm_graphql.domains.leads.models import Lead
from crm_graphql.domains.marketing.models import CampaignMember, CustomerConsent
from crm_graphql.domains.orders.models import Order, OrderItem
from crm_graphql.domains.sales.models import Opportunity, OpportunityStageChange
from crm_graphql.domains.support.models import SatisfactionSurvey, Ticket, TicketComment
from crm_graphql.domains.tasks.models import Task
from crm_graphql.events.models import EventDelivery, OutboxEvent, ScheduledEvent
from crm_graphql.events.sql import is_mysql, sql

#: What an erased text becomes.
ERASED = "[erased]"
#: The version of the export document's layout (a new key is not a new version).
EXPORT_FORMAT = 1
#: Values shorter than this are not searched for outside the customer's own records
#: (a two-letter first name would match unrelated text everywhere).
MIN_SWEEP_LENGTH = 4
#: Search patterns per statement when sweeping copies of the values.
SWEEP_CHUNK = 100

#: Secrets, and staff data (the address an audited action came from), that are no
#: personal data of the customer.
_NOT_EXPORTED = frozenset({"token_hash", "client_address"})
#: Audit-diff keys whose values are personal data of the person (beyond the kernel's
#: ``PERSONAL_FIELDS``, which are never stored with values in the first place).
_PERSONAL_AUDIT_KEYS = PERSONAL_FIELDS | {
    "first_name",
    "last_name",
    "job_title",
    "region",
    "description",
    "notes",
    "comment",
    "form_data",
    "custom_fields",
    "tags",
}


def _rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {key: plain(value) for key, value in row.items() if key not in _NOT_EXPORTED}
        for row in rows
    ]


def _grouped(rows: list[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return groups


def _lead_q(customer_id: int, email: str | None) -> Q:
    """The leads about the person: converted into them, or with their e-mail."""
    found = Q(converted_customer_id=customer_id)
    if email and email.strip():
        found |= Q(email__iexact=email.strip())
    return found


@dataclass
class Holdings:
    """Everything the CRM holds about one customer, as plain rows."""

    customer: dict[str, Any]
    consents: list[dict[str, Any]]
    lifecycle: list[dict[str, Any]]
    interactions: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    order_items: list[dict[str, Any]]
    opportunities: list[dict[str, Any]]
    stage_changes: list[dict[str, Any]]
    tickets: list[dict[str, Any]]
    comments: list[dict[str, Any]]
    surveys: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    memberships: list[dict[str, Any]]
    invoices: list[dict[str, Any]]
    invoice_lines: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    allocations: list[dict[str, Any]]
    leads: list[dict[str, Any]]
    audit_events: list[dict[str, Any]] = field(default_factory=list)

    def records(self) -> dict[str, list[Any]]:
        """The primary keys of the person's records, by the entity name audit events use."""
        return {
            "Customer": [self.customer["id"]],
            "Interaction": [row["id"] for row in self.interactions],
            "Order": [row["id"] for row in self.orders],
            "Opportunity": [row["id"] for row in self.opportunities],
            "Ticket": [row["id"] for row in self.tickets],
            "TicketComment": [row["id"] for row in self.comments],
            "Task": [row["id"] for row in self.tasks],
            "CampaignMember": [row["id"] for row in self.memberships],
            "Invoice": [row["id"] for row in self.invoices],
            "Payment": [row["id"] for row in self.payments],
            "Lead": [row["id"] for row in self.leads],
        }


def _about(records: Mapping[str, Sequence[Any]]) -> Q:
    """Audit events about any of ``records`` (one condition, one statement)."""
    found = Q(pk__in=[])
    for entity_type, ids in records.items():
        if ids:
            found |= Q(entity_type=entity_type, entity_id__in=[str(pk) for pk in ids])
    return found


async def holdings(customer_id: int) -> Holdings | None:
    """Everything held about the customer, in a fixed number of statements; None when
    there is no such customer (deleted ones included: they are still held)."""
    found = await Customer.filter(pk=customer_id).values()
    if not found:
        return None
    customer = _rows(found)[0]
    by_customer = {"customer_id": customer_id}
    held = Holdings(
        customer=customer,
        consents=_rows(await CustomerConsent.filter(**by_customer).order_by("channel").values()),
        lifecycle=_rows(
            await CustomerLifecycleChange.filter(**by_customer)
            .order_by("changed_at", "id")
            .values()
        ),
        interactions=_rows(
            await Interaction.filter(**by_customer).order_by("occurred_at", "id").values()
        ),
        orders=_rows(await Order.filter(**by_customer).order_by("created_at", "id").values()),
        order_items=_rows(
            await OrderItem.filter(order__customer_id=customer_id)
            .order_by("order_id", "id")
            .values(
                "id",
                "order_id",
                "product_id",
                "quantity",
                "unit_price",
                "line_total",
                product_name="product__name",
                product_sku="product__sku",
            )
        ),
        opportunities=_rows(
            await Opportunity.filter(**by_customer).order_by("created_at", "id").values()
        ),
        stage_changes=_rows(
            await OpportunityStageChange.filter(opportunity__customer_id=customer_id)
            .order_by("changed_at", "id")
            .values()
        ),
        tickets=_rows(await Ticket.filter(**by_customer).order_by("created_at", "id").values()),
        comments=_rows(
            await TicketComment.filter(ticket__customer_id=customer_id)
            .order_by("created_at", "id")
            .values()
        ),
        surveys=_rows(
            await SatisfactionSurvey.filter(ticket__customer_id=customer_id)
            .order_by("created_at", "id")
            .values()
        ),
        tasks=_rows(await Task.filter(**by_customer).order_by("due_at", "id").values()),
        memberships=_rows(
            await CampaignMember.filter(**by_customer)
            .order_by("created_at", "id")
            .values(
                "id",
                "campaign_id",
                "status",
                "status_at",
                "created_at",
                campaign_name="campaign__name",
            )
        ),
        invoices=_rows(await Invoice.filter(**by_customer).order_by("created_at", "id").values()),
        invoice_lines=_rows(
            await InvoiceLine.filter(invoice__customer_id=customer_id)
            .order_by("invoice_id", "position")
            .values()
        ),
        payments=_rows(await Payment.filter(**by_customer).order_by("received_at", "id").values()),
        allocations=_rows(
            await PaymentAllocation.filter(payment__customer_id=customer_id)
            .order_by("payment_id", "id")
            .values()
        ),
        leads=_rows(
            await Lead.filter(_lead_q(customer_id, customer.get("email")))
            .order_by("created_at", "id")
            .values()
        ),
    )
    held.audit_events = _rows(
        await AuditEvent.filter(_about(held.records())).order_by("occurred_at", "id").values()
    )
    return held


def export_document(held: Holdings, exported_at: datetime) -> dict[str, Any]:
    """The export as one JSON document: each record with the records that belong to it."""
    items = _grouped(held.order_items, "order_id")
    changes = _grouped(held.stage_changes, "opportunity_id")
    comments = _grouped(held.comments, "ticket_id")
    surveys = _grouped(held.surveys, "ticket_id")
    lines = _grouped(held.invoice_lines, "invoice_id")
    allocations = _grouped(held.allocations, "payment_id")
    return {
        "format": EXPORT_FORMAT,
        "exportedAt": exported_at.isoformat(),
        "customer": held.customer,
        "consents": held.consents,
        "lifecycleHistory": held.lifecycle,
        "interactions": held.interactions,
        "orders": [{**row, "items": items.get(row["id"], [])} for row in held.orders],
        "opportunities": [
            {**row, "stageHistory": changes.get(row["id"], [])} for row in held.opportunities
        ],
        "tickets": [
            {
                **row,
                "comments": comments.get(row["id"], []),
                "surveys": surveys.get(row["id"], []),
            }
            for row in held.tickets
        ],
        "tasks": held.tasks,
        "campaignMemberships": held.memberships,
        "invoices": [{**row, "lines": lines.get(row["id"], [])} for row in held.invoices],
        "payments": [
            {**row, "allocations": allocations.get(row["id"], [])} for row in held.payments
        ],
        "leads": held.leads,
        "auditEvents": held.audit_events,
    }


# -- retention --------------------------------------------------------------------------------


def retention_start(today: date, years: int) -> date:
    """The earliest issue date of an invoice that may no longer be kept on ``today``."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


async def retained_invoices(customer_id: int, years: int, today: date) -> list[str]:
    """The numbers of the customer's issued invoices still within the retention period."""
    rows = await Invoice.filter(
        customer_id=customer_id,
        issue_date__isnull=False,
        issue_date__gt=retention_start(today, years),
    ).values_list("number", "id")
    return [number or f"#{pk}" for number, pk in rows]


# -- erasure ----------------------------------------------------------------------------------


class Scrubber:
    """Replaces the person's values inside any text or JSON value."""

    def __init__(self, markers: Iterable[str], atoms: Iterable[str], texts: Iterable[str]) -> None:
        """``markers`` identify the person on their own (e-mail, phone, full name,
        address) and, with the free ``texts``, are searched for outside the person's
        records; in what is found, ``atoms`` (single names, birth date, job title) are
        replaced too."""
        strip = _usable
        found = {value for value in map(strip, [*markers, *texts]) if value}
        every = found | {value for value in map(strip, atoms) if value}
        # Longest first, so that an e-mail is replaced whole before a name inside it.
        self.values = sorted(every, key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(re.escape(value) for value in self.values), re.IGNORECASE)
            if self.values
            else None
        )
        #: What is searched for outside the customer's own records.
        self.sweep = sorted(value for value in found if len(value) >= MIN_SWEEP_LENGTH)
        #: Single names and the like: searched for only where changing another
        #: person's text by mistake does no harm (caches and error messages).
        self.names = sorted(value for value in every - found if len(value) >= MIN_SWEEP_LENGTH)

    def text(self, value: str) -> str:
        if self._pattern is None:
            return value
        return self._pattern.sub(ERASED, value)

    def value(self, value: Any) -> Any:
        """``value`` (JSON data) with every string scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        return value

    def json_text(self, value: str) -> str:
        """A text that may hold JSON: scrubbed inside its strings when it parses."""
        try:
            parsed = json.loads(value)
        except ValueError:
            return self.text(value)
        return json.dumps(self.value(parsed), ensure_ascii=False, separators=(",", ":"))

    def patterns(self, names: bool = False) -> list[str]:
        """LIKE patterns that find the sweep values (with ``names``: also the single
        names), raw and as written inside JSON."""
        found: set[str] = set()
        for value in [*self.sweep, *(self.names if names else [])]:
            for form in (
                value,
                json.dumps(value)[1:-1],
                json.dumps(value, ensure_ascii=False)[1:-1],
            ):
                escaped = form.replace("!", "!!").replace("%", "!%").replace("_", "!_")
                found.add(f"%{escaped}%")
        return sorted(found)


#: What an erasure writes into the customer's own columns.
ERASED_CUSTOMER_VALUES: dict[str, Any] = {
    "first_name": ERASED,
    "last_name": ERASED,
    "email": None,
    "phone": None,
    "job_title": None,
    "birth_date": None,
    "address_line1": None,
    "address_line2": None,
    "city": None,
    "region": None,
    "postal_code": None,
    "marketing_consent": False,
    "tags": [],
    "custom_fields": {},
}
ERASED_CUSTOMER_COLUMNS = tuple(ERASED_CUSTOMER_VALUES)


def _usable(value: Any) -> str | None:
    """A value worth erasing: not empty and not already an erasure mark."""
    text = str(value).strip() if value is not None else ""
    return text if text and text not in (ERASED, REDACTED) else None


def _person_markers(row: Mapping[str, Any]) -> list[Any]:
    """The values of a customer or lead row that identify the person on their own."""
    full = " ".join(part for part in (row.get("first_name"), row.get("last_name")) if part)
    return [
        full if " " in full else None,
        row.get("email"),
        row.get("phone"),
        row.get("address_line1"),
        row.get("address_line2"),
    ]


def _person_atoms(row: Mapping[str, Any]) -> list[Any]:
    """Further personal values of a row, replaced wherever the person is found."""
    return [
        row.get("first_name"),
        row.get("last_name"),
        row.get("postal_code"),
        row.get("birth_date"),
        row.get("job_title"),
    ]


@dataclass
class ErasureCounts:
    """How many records of each kind an erasure changed."""

    interactions: int = 0
    tickets: int = 0
    ticket_comments: int = 0
    surveys: int = 0
    leads: int = 0
    tasks: int = 0
    opportunities: int = 0
    audit_events: int = 0
    copies: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


async def _scrub_rows(
    model: type[Model], rows: list[dict[str, Any]], columns: Sequence[str], scrub: Scrubber
) -> int:
    """Scrub ``columns`` of ``rows`` (values read before), writing only the rows that change."""
    changed = 0
    for row in rows:
        values = {}
        for column in columns:
            before = row.get(column)
            if isinstance(before, str):
                after = scrub.text(before)
                if after != before:
                    values[column] = after
        if values:
            await model.filter(pk=row["id"]).update(**values)
            changed += 1
    return changed


def _redacted_changes(changes: Any, scrub: Scrubber) -> Any:
    if not isinstance(changes, dict):
        return scrub.value(changes)
    return {
        key: (REDACTED if key in _PERSONAL_AUDIT_KEYS and value is not None else scrub.value(value))
        for key, value in changes.items()
    }


#: Tables where copies of a person's values may be: (model, column, holds JSON).
#: Where single names are searched for too (a 24-hour cache of responses, error texts).
_COPIES: tuple[tuple[type[Model], str, bool, bool], ...] = (
    (AuditEvent, "changes", True, False),
    (OutboxEvent, "data", True, False),
    (ScheduledEvent, "data", True, False),
    (EventDelivery, "last_error", False, True),
    (WebhookDelivery, "body", False, False),
    (WebhookDelivery, "last_error", False, True),
    (WebhookAttempt, "error", False, True),
    (WebhookAttempt, "response_excerpt", False, True),
    (IdempotencyRecord, "result", True, True),
    (ImportRowError, "message", False, True),
    (Lead, "notes", False, False),
    (Lead, "form_data", True, False),
)


async def _scrub_events(held: Holdings, scrub: Scrubber) -> int:
    """Scrub the events about the person's records (and their webhook deliveries),
    whatever they hold: events name their entity in lower case (``customer``)."""
    about = Q(pk__in=[])
    for entity_type, ids in held.records().items():
        if ids:
            about |= Q(
                entity_type__in=[entity_type, entity_type.lower()],
                entity_id__in=[str(pk) for pk in ids],
            )
    changed = 0
    event_ids = []
    for model in (OutboxEvent, ScheduledEvent):
        for row in await model.filter(about).values("id", "data"):
            if model is OutboxEvent:
                event_ids.append(row["id"])
            after = scrub.value(row["data"])
            if after != row["data"]:
                await model.filter(pk=row["id"]).update(data=after)
                changed += 1
    if event_ids:
        for delivery in await WebhookDelivery.filter(event_id__in=event_ids).values("id", "body"):
            body = scrub.json_text(delivery["body"])
            if body != delivery["body"]:
                await WebhookDelivery.filter(pk=delivery["id"]).update(body=body)
                changed += 1
    return changed


async def _sweep_copies(connection: BaseDBAsyncClient, scrub: Scrubber) -> int:
    """Find and scrub the person's values wherever else they were copied."""
    changed = 0
    for model, column, holds_json, names in _COPIES:
        patterns = scrub.patterns(names)
        quote = "`" if is_mysql(connection) else '"'
        table = f"{quote}{model._meta.db_table}{quote}"
        pk = model._meta.pk_attr
        for start in range(0, len(patterns), SWEEP_CHUNK):
            chunk = patterns[start : start + SWEEP_CHUNK]
            where = " OR ".join(f"{quote}{column}{quote} LIKE %s ESCAPE '!'" for _ in chunk)
            statement = sql(
                connection, f"SELECT {pk}, {quote}{column}{quote} FROM {table} WHERE {where}"
            )
            _, found = await connection.execute_query(statement, chunk)
            for row in found:
                before = row[column]
                if before is None:
                    continue
                if holds_json:
                    parsed = json.loads(before) if isinstance(before, str) else before
                    after: Any = (
                        _redacted_changes(parsed, scrub)
                        if model is AuditEvent
                        else scrub.value(parsed)
                    )
                    if after == parsed:
                        continue
                else:
                    after = scrub.json_text(before)
                    if after == before:
                        continue
                await model.filter(pk=row[pk]).update(**{column: after})
                changed += 1
    return changed


def scrubber_for(held: Holdings) -> Scrubber:
    """The values to erase: the person's identifying values and every free text about them."""
    markers = _person_markers(held.customer)
    atoms = _person_atoms(held.customer)
    for lead in held.leads:
        markers += _person_markers(lead)
        atoms += _person_atoms(lead)
    texts = [
        *(row.get("body") for row in held.interactions),
        *(row.get("description") for row in held.tickets),
        *(row.get("body") for row in held.comments),
        *(row.get("comment") for row in held.surveys),
        *(row.get("notes") for row in held.tasks),
        *(row.get("notes") for row in held.leads),
    ]
    return Scrubber(markers, atoms, [text for text in texts if isinstance(text, str)])


async def erase(held: Holdings) -> ErasureCounts:
    """Erase the person's values from ``held`` and every copy of them (run it inside the
    transaction of the request, after the retention check)."""
    scrub = scrubber_for(held)
    counts = ErasureCounts()
    customer_id = held.customer["id"]
    now = datetime.now(UTC)
    await Customer.filter(pk=customer_id).update(
        **ERASED_CUSTOMER_VALUES, updated_at=now, version=F("version") + 1
    )
    await CustomerConsent.filter(customer_id=customer_id).update(granted=False, changed_at=now)
    if held.interactions:
        counts.interactions = len(held.interactions)
        await Interaction.filter(customer_id=customer_id).update(body=None)
        await _scrub_rows(Interaction, held.interactions, ("subject", "outcome"), scrub)
    if held.tickets:
        counts.tickets = len(held.tickets)
        await Ticket.filter(customer_id=customer_id).update(description=None)
        await _scrub_rows(Ticket, held.tickets, ("subject",), scrub)
    if held.comments:
        counts.ticket_comments = len(held.comments)
        await TicketComment.filter(pk__in=[row["id"] for row in held.comments]).update(body=ERASED)
    if held.surveys:
        counts.surveys = len(held.surveys)
        await SatisfactionSurvey.filter(pk__in=[row["id"] for row in held.surveys]).update(
            comment=None
        )
    if held.leads:
        counts.leads = len(held.leads)
        await Lead.filter(pk__in=[row["id"] for row in held.leads]).update(
            first_name=None,
            last_name=ERASED,
            email=None,
            phone=None,
            job_title=None,
            notes=None,
            form_data={},
            marketing_consent=False,
            contact_consent=False,
        )
    if held.tasks:
        counts.tasks = len(held.tasks)
        await Task.filter(customer_id=customer_id).update(notes=None)
        await _scrub_rows(Task, held.tasks, ("title",), scrub)
    counts.opportunities = await _scrub_rows(
        Opportunity, held.opportunities, ("name", "lost_reason"), scrub
    )
    await _scrub_rows(Invoice, held.invoices, ("notes",), scrub)
    await _scrub_rows(Payment, held.payments, ("reference",), scrub)
    for event in held.audit_events:
        after = _redacted_changes(event["changes"], scrub)
        if after != event["changes"]:
            await AuditEvent.filter(pk=event["id"]).update(changes=after)
            counts.audit_events += 1
    counts.copies = await _scrub_events(held, scrub)
    counts.copies += await _sweep_copies(connections.get("default"), scrub)
    return counts


def scrub_reason(held: Holdings, reason: str) -> str:
    """The reason as it may be kept: without the person's values in it."""
    return scrubber_for(held).text(reason)
