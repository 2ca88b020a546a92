"""Rollups of tickets, invoices, payments and campaigns: every aggregate and view they
serve equals the same computed from the rows.

Random questions (filters, groupings, periods, time zones at :30 and :45 offsets and
across both daylight-saving changes) go to two apps over the same database, one that
reads rollups and one that never does; the answers must be identical, before and after
a burst of concurrent changes through the API (new tickets, status changes, first
replies, assignments; invoices issued, paid in part, credited, voided, deleted;
campaigns created, changed, deleted), and ``rollups.verify`` must find no cell that
differs from the records.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from crm_graphql.api.aggregation import core, rollups, tallies
from crm_graphql.api.ids import parse_global_id
from crm_graphql.api.roles import Role
from crm_graphql.domains.billing.models import Invoice, InvoiceStatus, Payment
from crm_graphql.domains.marketing.models import Campaign, CampaignStatus, CampaignType
from crm_graphql.domains.support.models import (
    Ticket,
    TicketChannel,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from tests.analytics.rollup_helpers import live_client, verify_clean
from tests.factories import (
    gid,
    make_calendar,
    make_customer,
    make_sla_policy,
    make_ticket,
    make_user,
)
from tests.helpers import GraphQLClient

ZONES = [
    "UTC",
    "Europe/Berlin",
    "Asia/Kolkata",  # +05:30
    "Asia/Kathmandu",  # +05:45
    "Pacific/Marquesas",  # -09:30
    "Australia/Lord_Howe",  # a 30-minute daylight-saving change
    "America/New_York",
]
#: Berlin changes its clocks at 01:00 UTC on these days of 2026.
DST_CHANGES = [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)]
MONTH_ENDS = [datetime(2026, m, 1, tzinfo=UTC) for m in (2, 4, 7, 11)]
CURRENCIES = ["EUR", "USD"]

TICKETS = """
query Agg($filter: TicketFilter, $groupBy: [TicketGroupBy!], $timeZone: String!) {
  ticketsAggregate(filter: $filter, groupBy: $groupBy, timeZone: $timeZone, first: 1000) {
    hasMore groups { key { status priority channel type firstResponseBreached
                           resolutionBreached createdAt solvedAt assignee { id }
                           slaPolicy { id } }
                     count sum { firstResponseSeconds resolutionSeconds }
                     avg { firstResponseSeconds resolutionSeconds } }
  }
}"""
OVERVIEW = """
query Overview($period: SupportPeriodInput!, $timeZone: String!, $granularity: Granularity!) {
  supportOverview(period: $period, timeZone: $timeZone, granularity: $granularity) {
    created solved slaAttainment periods { period start end created solved slaAttainment }
    firstResponse { count medianMinutes p90Minutes } resolution { count medianMinutes }
    byChannel { channel created solved firstResponse { count p90Minutes } }
    byPriority { priority created resolution { count medianMinutes p90Minutes } }
  }
}"""
LEADERBOARD = """
query Board($period: SupportPeriodInput!, $timeZone: String!) {
  supportLeaderboard(period: $period, timeZone: $timeZone, by: OPEN_TICKETS) {
    rank solved openTickets slaAttainment assignee { id }
    firstResponse { count medianMinutes p90Minutes } resolution { count medianMinutes }
  }
}"""
INVOICES = """
query Agg($filter: InvoiceFilter, $groupBy: [InvoiceGroupBy!], $timeZone: String!) {
  invoicesAggregate(filter: $filter, groupBy: $groupBy, timeZone: $timeZone, first: 1000) {
    hasMore groups { key { status kind currency issuedAt } count
                     sum { total subtotal taxTotal amountPaid balance }
                     avg { total balance } }
  }
}"""
PAYMENTS = """
query Agg($filter: PaymentFilter, $groupBy: [PaymentGroupBy!], $timeZone: String!) {
  paymentsAggregate(filter: $filter, groupBy: $groupBy, timeZone: $timeZone, first: 1000) {
    hasMore groups { key { method currency receivedAt } count sum { amount unallocated }
                     avg { amount } }
  }
}"""
CASHFLOW = """
query Cash($from: Date!, $to: Date!, $granularity: Granularity!, $timeZone: String!,
           $currency: String) {
  cashflow(from: $from, to: $to, granularity: $granularity, timeZone: $timeZone,
           currency: $currency) {
    invoiced collected receivables daysSalesOutstanding
    periods { period start end invoiced collected invoiceCount paymentCount }
  }
}"""
REVENUE = """
query Revenue($from: Date!, $to: Date!, $granularity: Granularity!, $timeZone: String!,
              $currency: String, $basis: RevenueBasis!) {
  revenue(from: $from, to: $to, granularity: $granularity, timeZone: $timeZone,
          currency: $currency, basis: $basis) {
    totalAmount orderCount periods { period start amount orderCount }
  }
}"""
AGEING = """
query Ageing($asOf: Date, $currency: String, $first: Int) {
  receivablesAgeing(asOf: $asOf, currency: $currency, first: $first) {
    asOf currency hasMore
    total { current days1to30 days31to60 days61to90 over90 total invoiceCount }
    customers { customer { id } buckets { current days1to30 days31to60 days61to90 over90
                                          total invoiceCount } }
  }
}"""
CAMPAIGNS = """
query Agg($filter: CampaignFilter, $groupBy: [CampaignGroupBy!], $timeZone: String!) {
  campaignsAggregate(filter: $filter, groupBy: $groupBy, timeZone: $timeZone, first: 1000) {
    hasMore groups { key { type status currency createdAt owner { id } } count
                     sum { budget actualCost expectedResponse } avg { budget expectedResponse } }
  }
}"""


def _moment(rng: random.Random) -> datetime:
    """Any second of 2026 up to November, often near a clock change or a month's end."""
    if rng.random() < 0.5:
        anchor = rng.choice(DST_CHANGES + MONTH_ENDS)
        return anchor + timedelta(seconds=rng.randint(-20 * 3600, 20 * 3600))
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 320 * 86400))


def _instant(rng: random.Random) -> str:
    """A filter bound: mostly on a quarter hour (the rollup serves it), sometimes not."""
    moment = _moment(rng)
    if rng.random() < 0.8:
        moment = moment.replace(minute=rng.choice((0, 15, 30, 45)), second=0)
    return moment.isoformat().replace("+00:00", "Z")


def _money(rng: random.Random, high: int = 9999) -> Decimal:
    return Decimal(f"{rng.randint(0, high)}.{rng.randint(0, 99):02d}")


async def _world(rng: random.Random) -> dict[str, Any]:
    agents = [await make_user(Role.SUPPORT) for _ in range(3)]
    customers = [await make_customer() for _ in range(3)]
    calendar = await make_calendar()
    policies = [await make_sla_policy(calendar) for _ in range(2)]
    for _ in range(70):
        created = _moment(rng)
        status = rng.choice(list(TicketStatus))
        solved = status in (TicketStatus.SOLVED, TicketStatus.CLOSED)
        answered = solved or rng.random() < 0.5
        await make_ticket(
            rng.choice(customers),
            channel=rng.choice(list(TicketChannel)),
            priority=rng.choice(list(TicketPriority)),
            type=rng.choice(list(TicketType)),
            status=status,
            assignee=rng.choice([*agents, None]),
            sla_policy=rng.choice([*policies, None]),
            first_response_seconds=rng.randint(0, 90000) if answered else None,
            first_responded_at=created + timedelta(hours=1) if answered else None,
            first_response_breached=answered and rng.random() < 0.3,
            solved_at=created + timedelta(seconds=rng.randint(60, 9 * 86400)) if solved else None,
            resolution_seconds=rng.randint(0, 500000) if solved else None,
            resolution_breached=solved and rng.random() < 0.3,
        )
    # Creation times spread over the year (the column is set on insert), behind the
    # rollups' back like the rest of this set-up: the cells are rebuilt below.
    for ticket in await Ticket.all():
        created = _moment(rng)
        await Ticket.filter(pk=ticket.pk).update(created_at=created)
    for _ in range(50):
        status = rng.choice(list(InvoiceStatus))
        total = _money(rng)
        paid = min(total, _money(rng)) if status is InvoiceStatus.PARTIALLY_PAID else Decimal(0)
        paid = total if status is InvoiceStatus.PAID else paid
        kind = rng.choice(["INVOICE", "INVOICE", "CREDIT_NOTE"])
        issued = None if status is InvoiceStatus.DRAFT else _moment(rng)
        await Invoice.create(
            kind=kind,
            series="INV",
            status=status,
            customer=rng.choice(customers),
            currency=rng.choice(CURRENCIES),
            issued_at=issued,
            issue_date=issued.date() if issued else None,
            due_date=(issued + timedelta(days=14)).date() if issued else None,
            subtotal=total - Decimal("1.00") if total > 1 else total,
            tax_total=Decimal("1.00") if total > 1 else Decimal(0),
            total=total,
            amount_paid=paid,
            balance=Decimal(0) if status is InvoiceStatus.VOID else total - paid,
        )
    for _ in range(50):
        amount = _money(rng) * rng.choice([1, 1, 1, -1]) or Decimal("1.00")
        await Payment.create(
            customer=rng.choice(customers),
            amount=amount,
            currency=rng.choice(CURRENCIES),
            method=rng.choice(["BANK_TRANSFER", "CARD", "CASH"]),
            received_at=_moment(rng),
            unallocated=rng.choice([Decimal(0), amount]),
        )
    for n in range(20):
        campaign = await Campaign.create(
            name=f"Campaign {n}",
            type=rng.choice(list(CampaignType)),
            status=rng.choice(list(CampaignStatus)),
            currency=rng.choice(CURRENCIES),
            budget=rng.choice([None, _money(rng)]),
            actual_cost=rng.choice([None, _money(rng)]),
            expected_response=rng.choice([None, rng.randint(0, 100)]),
            owner=rng.choice([*agents, None]),
        )
        await Campaign.filter(pk=campaign.pk).update(created_at=_moment(rng))
    await rollups.rebuild_all()
    await tallies.rebuild_all()
    return {"agents": agents, "customers": customers, "policies": policies}


def _bounds(rng: random.Random) -> dict[str, str]:
    low, high = sorted([_instant(rng), _instant(rng)])
    return rng.choice([{"gte": low, "lt": high}, {"gte": low}, {"lt": high}])


def _group(rng: random.Random, fields: list[str], times: tuple[str, ...]) -> list[Any]:
    return [
        {"field": f, "granularity": rng.choice(["DAY", "WEEK", "MONTH", "QUARTER", "YEAR"])}
        if f in times
        else {"field": f}
        for f in fields
    ]


def _period(rng: random.Random, days: int) -> dict[str, str]:
    first = date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))
    return {
        "from": first.isoformat(),
        "to": (first + timedelta(days=rng.randint(0, days))).isoformat(),
    }


#: The keys each ticket rollup has, by time column (other keys: the rows answer).
TICKET_FAMILIES = {
    "createdAt": [("STATUS", "PRIORITY", "CHANNEL"), ("STATUS", "ASSIGNEE")],
    "solvedAt": [("SLA_POLICY", "FIRST_RESPONSE_BREACHED", "RESOLUTION_BREACHED"),
                 ("STATUS", "ASSIGNEE")],
}  # fmt: skip
TICKET_KEYS = ["STATUS", "PRIORITY", "CHANNEL", "TYPE", "ASSIGNEE", "SLA_POLICY",
               "FIRST_RESPONSE_BREACHED", "RESOLUTION_BREACHED"]  # fmt: skip


def _tickets_question(rng: random.Random, world: dict[str, Any]) -> dict[str, Any]:
    time = rng.choice(["createdAt", "solvedAt"])
    family = list(rng.choice(TICKET_FAMILIES[time]))
    if rng.random() < 0.2:
        family = TICKET_KEYS  # any key: often only the rows can answer
    filter_: dict[str, Any] = {}
    if rng.random() < 0.6:
        filter_[time] = _bounds(rng)
    if "STATUS" in family and rng.random() < 0.4:
        filter_["status"] = {"in": rng.sample([s.value for s in TicketStatus], 3)}
    if "PRIORITY" in family and rng.random() < 0.3:
        filter_["priority"] = {"eq": rng.choice(list(TicketPriority)).value}
    if "CHANNEL" in family and rng.random() < 0.2:
        filter_["channel"] = {"in": rng.sample([c.value for c in TicketChannel], 2)}
    if "ASSIGNEE" in family and rng.random() < 0.3:
        filter_["assignee"] = {"eq": gid(rng.choice(world["agents"]))}
    fields = rng.sample(family, rng.randint(0, min(3, len(family))))
    if rng.random() < 0.6:
        fields.append("CREATED_AT" if time == "createdAt" else "SOLVED_AT")
    rng.shuffle(fields)
    group_by = _group(rng, fields, ("CREATED_AT", "SOLVED_AT"))
    return {"filter": filter_, "groupBy": group_by}


def _billing_question(rng: random.Random, kind: str) -> dict[str, Any]:
    filter_: dict[str, Any] = {}
    if kind == "payments":
        if rng.random() < 0.6:
            filter_["receivedAt"] = _bounds(rng)
        if rng.random() < 0.3:
            filter_["method"] = {"in": ["CARD", "CASH"]}
        fields = rng.sample(["METHOD", "RECEIVED_AT"], rng.randint(0, 2))
    else:
        if rng.random() < 0.4:
            filter_["status"] = {"in": rng.sample([s.value for s in InvoiceStatus], 3)}
        if rng.random() < 0.3:
            filter_["kind"] = {"eq": rng.choice(["INVOICE", "CREDIT_NOTE"])}
        if rng.random() < 0.3:
            days = sorted(_period(rng, 120).values())
            filter_["issueDate"] = {"gte": days[0], "lte": days[1]}
        fields = rng.sample(["STATUS", "KIND", "ISSUED_AT"], rng.randint(0, 3))
    if rng.random() < 0.3:
        filter_["currency"] = {"eq": rng.choice(CURRENCIES)}
    fields.append("CURRENCY")  # sums of amounts need one currency per group
    rng.shuffle(fields)
    return {"filter": filter_, "groupBy": _group(rng, fields, ("ISSUED_AT", "RECEIVED_AT"))}


def _campaigns_question(rng: random.Random, world: dict[str, Any]) -> dict[str, Any]:
    filter_: dict[str, Any] = {}
    if rng.random() < 0.5:
        filter_["createdAt"] = _bounds(rng)
    if rng.random() < 0.3:
        filter_["status"] = {"in": rng.sample([s.value for s in CampaignStatus], 2)}
    if rng.random() < 0.2:
        filter_["owner"] = {"eq": gid(rng.choice(world["agents"]))}
    fields = rng.sample(["TYPE", "STATUS", "OWNER", "CREATED_AT"], rng.randint(0, 3))
    fields.append("CURRENCY")
    return {"filter": filter_, "groupBy": _group(rng, fields, ("CREATED_AT",))}


KINDS = ["tickets", "overview", "leaderboard", "invoices", "payments", "cashflow", "revenue",
         "campaigns", "ageing"]  # fmt: skip
DOCUMENTS = {"tickets": TICKETS, "overview": OVERVIEW, "leaderboard": LEADERBOARD,
             "invoices": INVOICES, "payments": PAYMENTS, "cashflow": CASHFLOW,
             "revenue": REVENUE, "campaigns": CAMPAIGNS, "ageing": AGEING}  # fmt: skip


def _question(rng: random.Random, world: dict[str, Any], kind: str) -> dict[str, Any]:
    zone = rng.choice(ZONES)
    granularity = rng.choice(["DAY", "WEEK", "MONTH", "QUARTER", "YEAR"])
    if kind == "tickets":
        return {**_tickets_question(rng, world), "timeZone": zone}
    if kind == "overview":
        days = 40 if granularity == "DAY" else 200
        return {"period": _period(rng, days), "timeZone": zone, "granularity": granularity}
    if kind == "leaderboard":
        return {"period": _period(rng, 90), "timeZone": zone}
    if kind in ("invoices", "payments"):
        return {**_billing_question(rng, kind), "timeZone": zone}
    if kind in ("cashflow", "revenue"):
        days = 40 if granularity == "DAY" else 200
        period = _period(rng, days)
        more = {"basis": rng.choice(["PAID", "INVOICED"])} if kind == "revenue" else {}
        return {**period, "granularity": granularity, "timeZone": zone,
                "currency": rng.choice(CURRENCIES), **more}  # fmt: skip
    if kind == "ageing":
        # Due dates fall 14 days after issue, all through 2026: every bucket is filled.
        day = date(2026, 1, 1) + timedelta(days=rng.randint(0, 400))
        return {"asOf": day.isoformat(), "currency": rng.choice(CURRENCIES),
                "first": rng.choice([0, 1, 2, 5, None])}  # fmt: skip
    return {**_campaigns_question(rng, world), "timeZone": zone}


async def _compare(
    rng: random.Random, world: dict[str, Any], fast: GraphQLClient, live: GraphQLClient, rounds: int
) -> dict[str, int]:
    """``rounds`` random questions of every kind to both apps; per kind, how many the
    rollups served (wholly or in part)."""
    served = dict.fromkeys(KINDS, 0)
    for _ in range(rounds):
        for kind in KINDS:
            variables = _question(rng, world, kind)
            from_rollups = await fast.execute(DOCUMENTS[kind], variables)
            from_rows = await live.execute(DOCUMENTS[kind], variables)
            assert "errors" not in from_rollups, (kind, variables, from_rollups)
            assert from_rollups["data"] == from_rows["data"], (kind, variables)
            assert set(from_rows["extensions"]["aggregation"]) == {"live"}
            served[kind] += "rollup" in from_rollups["extensions"]["aggregation"]
    return served


PAYLOAD = "userErrors { code }"
CREATE_TICKET = f"""mutation($input: CreateTicketInput!) {{
  createTicket(input: $input) {{ {PAYLOAD} }} }}"""
UPDATE_TICKET = f"""mutation($id: ID!, $input: UpdateTicketInput!) {{
  updateTicket(id: $id, input: $input) {{ {PAYLOAD} }} }}"""
TICKET_STATUS = f"""mutation($id: ID!, $status: TicketStatus!, $version: Int!) {{
  changeTicketStatus(id: $id, status: $status, version: $version) {{ {PAYLOAD} }} }}"""
ASSIGN = f"""mutation($id: ID!, $assignee: ID, $version: Int!) {{
  assignTicket(id: $id, assignee: $assignee, version: $version) {{ {PAYLOAD} }} }}"""
COMMENT = f"""mutation($id: ID!, $body: String!) {{
  addTicketComment(ticketId: $id, input: {{body: $body, kind: PUBLIC_REPLY}}) {{
    {PAYLOAD} }} }}"""
CREATE_INVOICE = """mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) {
  invoice { id version } userErrors { code } } }"""
ISSUE = f"""mutation($id: ID!, $version: Int!) {{
  issueInvoice(id: $id, version: $version) {{ {PAYLOAD} }} }}"""
VOID = f"""mutation($id: ID!, $version: Int!) {{
  voidInvoice(id: $id, version: $version) {{ {PAYLOAD} }} }}"""
DELETE_INVOICE = f"""mutation($id: ID!) {{ deleteInvoice(id: $id) {{ {PAYLOAD} }} }}"""
CREDIT = """mutation($id: ID!) { createCreditNote(invoiceId: $id) {
  invoice { id version } userErrors { code } } }"""
PAY = f"""mutation($input: RecordPaymentInput!) {{ recordPayment(input: $input) {{
  {PAYLOAD} }} }}"""
CREATE_CAMPAIGN = f"""mutation($input: CreateCampaignInput!) {{
  createCampaign(input: $input) {{ {PAYLOAD} }} }}"""
UPDATE_CAMPAIGN = f"""mutation($id: ID!, $input: UpdateCampaignInput!) {{
  updateCampaign(id: $id, input: $input) {{ {PAYLOAD} }} }}"""
DELETE_CAMPAIGN = f"""mutation($id: ID!) {{ deleteCampaign(id: $id) {{ {PAYLOAD} }} }}"""
#: What a concurrent change may be refused with (another change came first).
RACES = {"CONFLICT", "NOT_FOUND", "INVALID_TRANSITION", "OUT_OF_RANGE", "CLOSED"}


async def _send(client: GraphQLClient, document: str, variables: dict[str, Any]) -> Any:
    body = await client.execute(document, variables)
    assert "errors" not in body, body
    payload = next(iter(body["data"].values()))
    assert {e["code"] for e in payload["userErrors"]} <= RACES, payload
    return payload


async def _issued_invoices(client: GraphQLClient, world: dict[str, Any], count: int) -> list[str]:
    """Invoices made and issued through the API (issued now)."""
    ids = []
    for n in range(count):
        line = {"description": "Work", "quantity": n + 1, "unitPrice": "10.05", "taxRate": "19"}
        created = await _send(
            client,
            CREATE_INVOICE,
            {"input": {"customer": gid(world["customers"][0]), "currency": "EUR",
                       "lines": [line]}},
        )  # fmt: skip
        draft = created["invoice"]
        await _send(client, ISSUE, {"id": draft["id"], "version": draft["version"]})
        ids.append(draft["id"])
    return ids


async def _burst(rng: random.Random, client: GraphQLClient, world: dict[str, Any]) -> None:
    """Concurrent ticket, invoice, payment and campaign changes through the API."""
    issued = await _issued_invoices(client, world, 5)
    drafts = [
        (await _send(client, CREATE_INVOICE, {"input": {
            "customer": gid(world["customers"][0]), "currency": "EUR",
            "lines": [{"description": "Draft", "quantity": 1, "unitPrice": "3.00"}]}}))["invoice"]
        for _ in range(2)
    ]  # fmt: skip
    tickets = await Ticket.all().values_list("id", "version", "status")
    work = []
    for pk, version, status in rng.sample(tickets, 24):
        ticket_id = gid(Ticket(id=pk))
        action = rng.choice(["status", "update", "assign", "comment"])
        if action == "status":
            target = rng.choice(["OPEN", "PENDING", "SOLVED", "CLOSED"])
            variables = {"id": ticket_id, "status": target, "version": version}
            work.append(_send(client, TICKET_STATUS, variables))
        elif action == "update":
            changes: dict[str, Any] = {"version": version}
            changes["priority"] = rng.choice(list(TicketPriority)).value
            if rng.random() < 0.5:
                changes["channel"] = rng.choice(list(TicketChannel)).value
            if rng.random() < 0.5:
                changes["type"] = rng.choice(list(TicketType)).value
            work.append(_send(client, UPDATE_TICKET, {"id": ticket_id, "input": changes}))
        elif action == "assign":
            assignee = rng.choice([*(gid(a) for a in world["agents"]), None])
            variables = {"id": ticket_id, "assignee": assignee, "version": version}
            work.append(_send(client, ASSIGN, variables))
        elif status != TicketStatus.CLOSED:
            work.append(_send(client, COMMENT, {"id": ticket_id, "body": "On it."}))
    for _ in range(8):
        work.append(
            _send(client, CREATE_TICKET, {"input": {
                "customer": gid(rng.choice(world["customers"])), "subject": "burst",
                "channel": rng.choice(list(TicketChannel)).value,
                "priority": rng.choice(list(TicketPriority)).value,
                "assignee": gid(rng.choice(world["agents"]))}})
        )  # fmt: skip
    # Payments settle the issued invoices in part (their paid amount, balance and status
    # change beside the payment's own mutation), and one pays nothing off.
    for invoice_id in issued[:3]:
        work.append(
            _send(client, PAY, {"input": {
                "customer": gid(world["customers"][0]), "amount": "7.50", "currency": "EUR",
                "method": "CARD", "receivedAt": _moment(rng).isoformat(),
                "allocations": [{"invoice": invoice_id, "amount": "7.50"}]}})
        )  # fmt: skip
    work.append(
        _send(client, PAY, {"input": {
            "customer": gid(world["customers"][1]), "amount": "19.99", "currency": "USD",
            "method": "CASH", "receivedAt": _moment(rng).isoformat(), "allocations": []}})
    )  # fmt: skip
    for draft in drafts:
        work.append(_send(client, DELETE_INVOICE, {"id": draft["id"]}))
    campaigns = await Campaign.all().values_list("id", "version")
    for pk, version in rng.sample(campaigns, 6):
        campaign_id = gid(Campaign(id=pk))
        if rng.random() < 0.3:
            work.append(_send(client, DELETE_CAMPAIGN, {"id": campaign_id}))
            continue
        changes = {"version": version, "budget": str(_money(rng)), "currency": "USD"}
        if rng.random() < 0.5:
            changes["owner"] = gid(rng.choice(world["agents"]))
        work.append(_send(client, UPDATE_CAMPAIGN, {"id": campaign_id, "input": changes}))
    for n in range(3):
        work.append(
            _send(client, CREATE_CAMPAIGN, {"input": {
                "name": f"Burst {n}", "type": "EMAIL", "currency": "EUR",
                "budget": str(_money(rng)), "expectedResponse": rng.randint(0, 100)}})
        )  # fmt: skip
    rng.shuffle(work)
    await asyncio.gather(*work)
    # A credit note for the fourth invoice takes its balance off when issued; the fifth
    # is voided.
    note = (await _send(client, CREDIT, {"id": issued[3]}))["invoice"]
    await _send(client, ISSUE, {"id": note["id"], "version": note["version"]})
    fifth = await Invoice.get(pk=(_pk(issued[4])))
    await _send(client, VOID, {"id": issued[4], "version": fifth.version})


def _pk(global_id: str) -> int:
    return parse_global_id(global_id)[1]


async def test_module_rollups_answer_exactly_like_the_rows_before_and_after_a_burst(gql, db):
    rng = random.Random(24)
    world = await _world(rng)
    async with live_client(db, gql) as live:
        await verify_clean()
        served = await _compare(rng, world, gql, live, 12)
        # Most questions are on the grain and the rollups' keys: they serve them.
        for kind in KINDS:
            assert served[kind] >= 6, (kind, served)
        await _burst(rng, gql, world)
        await verify_clean()
        served = await _compare(rng, world, gql, live, 12)
        for kind in KINDS:
            assert served[kind] >= 6, (kind, served)


SOLVED_PATHS = """
query($period: SupportPeriodInput!) {
  supportOverview(period: $period, timeZone: "Asia/Kathmandu", granularity: MONTH) {
    created solved periods { created solved slaAttainment } }
  ticketsAggregate(groupBy: [{field: STATUS}]) { groups { count } }
  invoicesAggregate(groupBy: [{field: STATUS}, {field: CURRENCY}]) { groups { count } }
  paymentsAggregate(groupBy: [{field: CURRENCY}]) { groups { count } }
  campaignsAggregate(groupBy: [{field: TYPE}]) { groups { count } }
  cashflow(from: "2026-01-01", to: "2026-10-31", granularity: MONTH, timeZone: "Asia/Kolkata",
           currency: "EUR") { invoiced collected receivables }
  receivablesAgeing(asOf: "2026-11-01", currency: "EUR", first: 2) {
    total { total } customers { buckets { total } } }
}"""


async def test_the_module_aggregates_say_the_rollups_served_them(gql, db):
    await _world(random.Random(5))
    body = await gql.execute(SOLVED_PATHS, {"period": {"from": "2026-01-01", "to": "2026-10-31"}})
    assert "errors" not in body, body
    # The overview's created and solved series, each aggregate, the cash flow's invoices
    # (by issue date) and payments, the ageing (from the tallies of open invoices): all
    # from rollups.
    assert body["extensions"]["aggregation"] == ["rollup"] * 9


async def test_a_first_reply_and_a_payment_move_the_cells_of_the_rows_they_change(gql, db):
    world = await _world(random.Random(3))
    ticket = await make_ticket(world["customers"][0], status=TicketStatus.OPEN)
    await rollups.rebuild_all()
    issued = await _issued_invoices(gql, world, 1)
    await _send(gql, COMMENT, {"id": gid(ticket), "body": "Hello"})
    await _send(
        gql,
        PAY,
        {"input": {"customer": gid(world["customers"][0]), "amount": "1.00", "currency": "EUR",
                   "method": "CARD", "allocations": [{"invoice": issued[0], "amount": "1.00"}]}},
    )  # fmt: skip
    answered = await Ticket.get(pk=ticket.pk)
    assert answered.first_responded_at is not None
    invoice = await Invoice.get(pk=(_pk(issued[0])))
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    await verify_clean()


async def test_a_repeated_question_reuses_its_statement_and_answers_like_the_rows(gql, db):
    """Local months in Berlin read signed parts of the cells (one statement of UNION ALL
    parts): a dashboard asking again reuses the statement built the first time; another
    range builds its own; every answer equals the rows'."""
    await _world(random.Random(8))
    async with live_client(db, gql) as live:
        question = {"from": "2026-01-01", "to": "2026-10-31", "granularity": "MONTH",
                    "timeZone": "Europe/Berlin", "currency": "EUR", "basis": "PAID"}  # fmt: skip
        other = {**question, "to": "2026-09-30"}
        core._STATEMENTS.clear()
        answers = []
        for variables, built in ((question, 1), (question, 1), (other, 2)):
            body = await gql.execute(REVENUE, variables)
            assert body["extensions"]["aggregation"] == ["rollup"]
            assert body["data"] == (await live.execute(REVENUE, variables))["data"]
            assert len(core._STATEMENTS) == built
            answers.append(body["data"]["revenue"])
        assert answers[0] == answers[1]
        assert answers[2]["periods"] == answers[0]["periods"][:9]
