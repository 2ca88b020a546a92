"""Rollups: every aggregate they serve equals the same aggregate computed from the rows.

The differential test asks random questions (filters, groupings, periods, time zones at
:30 and :45 offsets and across both daylight-saving changes) of two apps over the same
database: one that reads rollups, one that never does; the answers must be identical,
before and after a burst of concurrent creates, updates, deletes and restores through
the API, and ``rollups.verify`` must find no cell that differs from the records.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from crm_graphql.api.aggregation import rollups
from crm_graphql.api.aggregation.core import Dimension
from crm_graphql.api.aggregation.periods import Granularity, offset_shifts
from crm_graphql.api.ids import to_global_id
from crm_graphql.api.roles import Role
from crm_graphql.domains.interactions.models import Channel, Direction, Interaction
from crm_graphql.domains.orders.models import Order, OrderStatus
from crm_graphql.domains.sales.enums import OpportunityStage
from crm_graphql.domains.sales.models import Opportunity
from tests.analytics.rollup_helpers import live_client, verify_clean
from tests.factories import (
    gid,
    make_customer,
    make_interaction,
    make_opportunity,
    make_order_with_total,
    make_product,
    make_user,
)
from tests.helpers import GraphQLClient

ZONES = [
    "UTC",
    "Europe/Berlin",
    "Asia/Kolkata",  # +05:30
    "Asia/Kathmandu",  # +05:45
    "Pacific/Marquesas",  # -09:30
    "Australia/Lord_Howe",  # +10:30, +11:00 in summer (a 30-minute change)
    "America/New_York",
]
#: Berlin changes its clocks at 01:00 UTC on these days of 2026.
DST_CHANGES = [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)]
#: Months ending and starting near which rows pile up (local month ends in every zone).
MONTH_ENDS = [datetime(2026, m, 1, tzinfo=UTC) for m in (2, 4, 7, 11)]

STATS = """
query Stats($groupBy: [InteractionStatsGroup!]!, $filter: InteractionFilter,
            $timeZone: String!) {
  interactionStats(groupBy: $groupBy, filter: $filter, timeZone: $timeZone, first: 1000) {
    hasMore groups { channel direction author { id } periodStart count totalDurationSeconds }
  }
}"""
INTERACTIONS = """
query Agg($filter: InteractionFilter, $groupBy: [InteractionGroupBy!], $timeZone: String!) {
  interactionsAggregate(filter: $filter, groupBy: $groupBy, timeZone: $timeZone, first: 1000) {
    hasMore groups { key { channel direction occurredAt author { id } }
                     count sum { durationSeconds } avg { durationSeconds } }
  }
}"""
ORDERS = """
query Agg($filter: OrderFilter, $groupBy: [OrderGroupBy!], $timeZone: String!) {
  ordersAggregate(filter: $filter, groupBy: $groupBy, timeZone: $timeZone, first: 1000) {
    hasMore groups { key { status currency placedAt } count sum { total subtotal taxTotal }
                     avg { total } min { total taxTotal } max { total subtotal } }
  }
}"""
OPPORTUNITIES = """
query Agg($filter: OpportunityFilter, $groupBy: [OpportunityGroupBy!], $timeZone: String!) {
  opportunitiesAggregate(filter: $filter, groupBy: $groupBy, timeZone: $timeZone,
                         first: 1000) {
    hasMore groups { key { stage currency owner { id } createdAt } count
                     sum { amount probability } avg { amount probability } }
  }
}"""
REVENUE = """
query Revenue($from: Date!, $to: Date!, $granularity: Granularity!, $timeZone: String!,
              $currency: String) {
  revenue(from: $from, to: $to, granularity: $granularity, timeZone: $timeZone,
          currency: $currency) {
    totalAmount orderCount periods { period start end amount orderCount }
  }
}"""


def _moment(rng: random.Random) -> datetime:
    """Any second of 2026, often within hours of a clock change or a month's end."""
    pick = rng.random()
    if pick < 0.5:
        anchor = rng.choice(DST_CHANGES + MONTH_ENDS)
        return anchor + timedelta(seconds=rng.randint(-20 * 3600, 20 * 3600))
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 364 * 86400))


def _instant(rng: random.Random) -> str:
    """A filter bound: mostly on a quarter hour (the rollup serves it), sometimes not."""
    moment = _moment(rng)
    if rng.random() < 0.8:
        moment = moment.replace(minute=rng.choice((0, 15, 30, 45)), second=0)
    return moment.isoformat().replace("+00:00", "Z")


async def _world(rng: random.Random) -> dict[str, Any]:
    authors = [await make_user(Role.SALES) for _ in range(3)]
    customers = [await make_customer() for _ in range(3)]
    for _ in range(60):
        await make_interaction(
            rng.choice(customers),
            channel=rng.choice(list(Channel)[:4]),
            direction=rng.choice(list(Direction)),
            author=rng.choice([*authors, None]),
            occurred_at=_moment(rng),
            duration_seconds=rng.choice([None, rng.randint(0, 5000)]),
        )
    for _ in range(40):
        status = rng.choice(list(OrderStatus))
        await make_order_with_total(
            rng.choice(customers),
            f"{rng.randint(1, 99999)}.{rng.randint(0, 99):02d}",
            status=status,
            currency=rng.choice(["USD", "EUR"]),
            placed_at=None if status is OrderStatus.DRAFT else _moment(rng),
            tax_total=Decimal(f"{rng.randint(0, 999)}.{rng.randint(0, 99):02d}"),
        )
    for _ in range(40):
        deal = await make_opportunity(
            rng.choice(customers),
            stage=rng.choice(list(OpportunityStage)),
            owner=rng.choice([*authors, None]),
            currency=rng.choice(["USD", "EUR"]),
            amount=Decimal(f"{rng.randint(0, 99999)}.{rng.randint(0, 99):02d}"),
            probability=rng.randint(0, 100),
        )
        # Creation times spread over the year (the column is set on insert): behind the
        # rollups' back, so the cells are rebuilt below.
        await Opportunity.filter(pk=deal.pk).update(created_at=_moment(rng))
    await rollups.rebuild_all()
    return {"authors": authors, "customers": customers}


def _question(rng: random.Random, world: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    zone = rng.choice(ZONES)
    kind = rng.choice(["stats", "interactions", "orders", "revenue", "opportunities"])
    if kind == "opportunities":
        return _opportunities_question(rng, world, zone)
    if kind == "revenue":
        first = datetime(2026, 1, 1) + timedelta(days=rng.randint(0, 300))
        last = first + timedelta(days=rng.randint(0, 120))
        granularity = rng.choice(["DAY", "WEEK", "MONTH", "QUARTER", "YEAR"])
        if granularity == "DAY":
            last = first + timedelta(days=rng.randint(0, 40))
        return REVENUE, {
            "from": first.date().isoformat(),
            "to": last.date().isoformat(),
            "granularity": granularity,
            "timeZone": zone,
            "currency": rng.choice(["USD", "EUR"]),
        }
    filter_: dict[str, Any] = {}
    if rng.random() < 0.7:
        bounds = sorted([_instant(rng), _instant(rng)])
        filter_["occurredAt" if kind != "orders" else "placedAt"] = rng.choice(
            [{"gte": bounds[0], "lt": bounds[1]}, {"gte": bounds[0]}, {"lt": bounds[1]}]
        )
    if kind == "orders":
        if rng.random() < 0.4:
            filter_["status"] = {"in": rng.sample([s.value for s in OrderStatus], 2)}
        if rng.random() < 0.3:
            filter_["currency"] = {"eq": rng.choice(["USD", "EUR"])}
        fields = rng.sample(["STATUS", "CURRENCY", "PLACED_AT"], rng.randint(0, 3))
        if "CURRENCY" not in fields:
            fields.append("CURRENCY")  # sums need one currency per group
        group_by = [
            {"field": f, "granularity": rng.choice(["DAY", "WEEK", "MONTH", "QUARTER"])}
            if f == "PLACED_AT"
            else {"field": f}
            for f in fields
        ]
        return ORDERS, {"filter": filter_, "groupBy": group_by, "timeZone": zone}
    if rng.random() < 0.4:
        filter_["channel"] = {"in": rng.sample([c.value for c in list(Channel)[:4]], 2)}
    if rng.random() < 0.2:
        filter_["direction"] = {"eq": rng.choice([d.value for d in Direction])}
    if rng.random() < 0.2:
        filter_["author"] = {"eq": gid(rng.choice(world["authors"]))}
    if kind == "stats":
        groups = rng.sample(["CHANNEL", "DIRECTION", "AUTHOR"], rng.randint(0, 2))
        if rng.random() < 0.7:
            groups.append(rng.choice(["DAY", "WEEK", "MONTH"]))
        rng.shuffle(groups)
        return STATS, {"groupBy": groups, "filter": filter_, "timeZone": zone}
    fields = rng.sample(["CHANNEL", "DIRECTION", "AUTHOR", "OCCURRED_AT"], rng.randint(0, 3))
    group_by = [
        {"field": f, "granularity": rng.choice(["DAY", "WEEK", "MONTH", "QUARTER", "YEAR"])}
        if f == "OCCURRED_AT"
        else {"field": f}
        for f in fields
    ]
    return INTERACTIONS, {"filter": filter_, "groupBy": group_by, "timeZone": zone}


def _opportunities_question(
    rng: random.Random, world: dict[str, Any], zone: str
) -> tuple[str, dict[str, Any]]:
    filter_: dict[str, Any] = {}
    if rng.random() < 0.5:
        bounds = sorted([_instant(rng), _instant(rng)])
        filter_["createdAt"] = rng.choice(
            [{"gte": bounds[0], "lt": bounds[1]}, {"gte": bounds[0]}, {"lt": bounds[1]}]
        )
    if rng.random() < 0.4:
        filter_["stage"] = {"in": rng.sample([s.value for s in OpportunityStage], 3)}
    if rng.random() < 0.3:
        filter_["currency"] = {"eq": rng.choice(["USD", "EUR"])}
    if rng.random() < 0.3:
        filter_["owner"] = {"eq": gid(rng.choice(world["authors"]))}
    fields = rng.sample(["STAGE", "OWNER", "CURRENCY", "CREATED_AT"], rng.randint(0, 3))
    if "CURRENCY" not in fields:
        fields.append("CURRENCY")  # sums of amounts need one currency per group
    group_by = [
        {"field": f, "granularity": rng.choice(["DAY", "WEEK", "MONTH", "QUARTER", "YEAR"])}
        if f == "CREATED_AT"
        else {"field": f}
        for f in fields
    ]
    return OPPORTUNITIES, {"filter": filter_, "groupBy": group_by, "timeZone": zone}


async def _compare(
    rng: random.Random, world: dict[str, Any], fast: GraphQLClient, live: GraphQLClient, count: int
) -> int:
    """Ask ``count`` random questions of both apps; the number the rollups served."""
    served = 0
    deals = 0
    for _ in range(count):
        document, variables = _question(rng, world)
        from_rollups = await fast.execute(document, variables)
        from_rows = await live.execute(document, variables)
        assert "errors" not in from_rollups, (variables, from_rollups)
        assert from_rollups["data"] == from_rows["data"], variables
        assert from_rows["extensions"]["aggregation"] == ["live"]
        served += "rollup" in from_rollups["extensions"]["aggregation"]
        if document is OPPORTUNITIES:
            deals += "rollup" in from_rollups["extensions"]["aggregation"]
    assert deals >= 3  # opportunities by stage, owner, currency and creation: rollups
    return served


async def _burst(rng: random.Random, client: GraphQLClient, world: dict[str, Any]) -> None:
    """Concurrent creates, updates, deletes and restores through the API."""
    product = await make_product(unit_price=Decimal("12.34"), currency="USD")
    interactions = await Interaction.all().values_list("id", "version")
    drafts = [
        (await make_order_with_total(world["customers"][0], "0.00", status=OrderStatus.DRAFT,
                                     placed_at=None))
        for _ in range(4)
    ]  # fmt: skip

    async def send(document: str, variables: dict[str, Any]) -> None:
        body = await client.execute(document, variables)
        assert "errors" not in body, body
        payload = next(iter(body["data"].values()))
        codes = {e["code"] for e in payload["userErrors"]}
        assert codes <= {"CONFLICT", "NOT_FOUND", "INVALID_TRANSITION"}, payload

    work = []
    for pk, version in rng.sample(interactions, 24):
        action = rng.choice(["update", "update", "delete"])
        if action == "delete":
            work.append(send(DELETE_INTERACTION, {"id": to_global_id("Interaction", pk)}))
            continue
        changes: dict[str, Any] = {"version": version}
        if rng.random() < 0.7:
            changes["occurredAt"] = _moment(rng).isoformat()
        if rng.random() < 0.5:
            changes["channel"] = rng.choice(list(Channel)[:4]).value
        if rng.random() < 0.5:
            changes["durationSeconds"] = rng.choice([None, rng.randint(0, 900)])
        work.append(
            send(UPDATE_INTERACTION, {"id": to_global_id("Interaction", pk), "input": changes})
        )
    for _ in range(12):
        work.append(
            send(
                CREATE_INTERACTION,
                {
                    "input": {
                        "customer": gid(rng.choice(world["customers"])),
                        "channel": rng.choice(list(Channel)[:4]).value,
                        "direction": rng.choice(list(Direction)).value,
                        "subject": "burst",
                        "occurredAt": _moment(rng).isoformat(),
                        "durationSeconds": rng.choice([None, rng.randint(1, 600)]),
                        "author": gid(rng.choice(world["authors"])),
                    }
                },
            )
        )
    for draft in drafts:
        work.append(
            send(
                ADD_ITEM,
                {"order": gid(draft), "item": {"product": gid(product), "quantity": 3}},
            )
        )
    for order in await Order.exclude(status=OrderStatus.DRAFT).limit(6):
        target = {"PLACED": "PAID", "PAID": "SHIPPED", "SHIPPED": "REFUNDED"}.get(order.status)
        if target:
            work.append(
                send(STATUS, {"id": gid(order), "status": target, "version": order.version})
            )
    # A customer without orders is deleted and restored; their interactions stay counted.
    customer = await make_customer()
    for _ in range(3):
        await make_interaction(customer, occurred_at=_moment(rng))
    work.append(send(DELETE_CUSTOMER, {"id": gid(customer)}))
    rng.shuffle(work)
    await asyncio.gather(*work)
    await send(RESTORE_CUSTOMER, {"id": gid(customer)})
    # The drafts with an item are placed now (placedAt: now), one is deleted.
    for draft in drafts[:3]:
        fresh = await Order.get(pk=draft.pk)
        await send(STATUS, {"id": gid(fresh), "status": "PLACED", "version": fresh.version})
    await send(DELETE_ORDER, {"id": gid(drafts[3])})
    assert await Order.filter(pk=drafts[3].pk).exists() is False
    await _opportunity_burst(rng, send, world)


async def _opportunity_burst(rng: random.Random, send: Any, world: dict[str, Any]) -> None:
    """Concurrent stage moves, owner, amount and currency changes, creates and deletes."""
    deals = await Opportunity.all().values_list("id", "version", "stage")
    work = []
    for pk, version, stage in rng.sample(deals, 16):
        action = rng.choice(["move", "update", "update", "delete"])
        if action == "delete":
            work.append(send(DELETE_OPPORTUNITY, {"id": to_global_id("Opportunity", pk)}))
        elif action == "move":
            target = rng.choice([s for s in OpportunityStage if s.value != stage])
            variables = {"id": to_global_id("Opportunity", pk), "stage": target.value,
                         "version": version}  # fmt: skip
            if target is OpportunityStage.CLOSED_LOST:
                variables["lostReason"] = "price"
            work.append(send(MOVE_STAGE, variables))
        else:
            changes: dict[str, Any] = {"version": version}
            if rng.random() < 0.6:
                changes["owner"] = rng.choice([*(gid(a) for a in world["authors"]), None])
            if rng.random() < 0.6:
                changes["amount"] = f"{rng.randint(0, 9999)}.{rng.randint(0, 99):02d}"
            if rng.random() < 0.4:
                changes["currency"] = rng.choice(["USD", "EUR"])
            if rng.random() < 0.4:
                changes["probability"] = rng.randint(0, 100)
            work.append(
                send(
                    UPDATE_OPPORTUNITY,
                    {"id": to_global_id("Opportunity", pk), "input": changes},
                )
            )
    for _ in range(6):
        work.append(
            send(
                CREATE_OPPORTUNITY,
                {
                    "input": {
                        "customer": gid(rng.choice(world["customers"])),
                        "name": "burst",
                        "stage": rng.choice(["PROSPECTING", "PROPOSAL"]),
                        "amount": f"{rng.randint(0, 9999)}.{rng.randint(0, 99):02d}",
                        "currency": rng.choice(["USD", "EUR"]),
                        "owner": gid(rng.choice(world["authors"])),
                    }
                },
            )
        )
    rng.shuffle(work)
    await asyncio.gather(*work)


PAYLOAD = "userErrors { code }"
CREATE_INTERACTION = f"""mutation($input: CreateInteractionInput!) {{
  createInteraction(input: $input) {{ {PAYLOAD} }} }}"""
UPDATE_INTERACTION = f"""mutation($id: ID!, $input: UpdateInteractionInput!) {{
  updateInteraction(id: $id, input: $input) {{ {PAYLOAD} }} }}"""
DELETE_INTERACTION = f"""mutation($id: ID!) {{ deleteInteraction(id: $id) {{ {PAYLOAD} }} }}"""
ADD_ITEM = f"""mutation($order: ID!, $item: OrderItemInput!) {{
  addOrderItem(orderId: $order, item: $item) {{ {PAYLOAD} }} }}"""
STATUS = f"""mutation($id: ID!, $status: OrderStatus!, $version: Int!) {{
  changeOrderStatus(id: $id, status: $status, version: $version) {{ {PAYLOAD} }} }}"""
DELETE_ORDER = f"""mutation($id: ID!) {{ deleteOrder(id: $id) {{ {PAYLOAD} }} }}"""
DELETE_CUSTOMER = f"""mutation($id: ID!) {{ deleteCustomer(id: $id) {{ {PAYLOAD} }} }}"""
CREATE_OPPORTUNITY = f"""mutation($input: CreateOpportunityInput!) {{
  createOpportunity(input: $input) {{ {PAYLOAD} }} }}"""
UPDATE_OPPORTUNITY = f"""mutation($id: ID!, $input: UpdateOpportunityInput!) {{
  updateOpportunity(id: $id, input: $input) {{ {PAYLOAD} }} }}"""
MOVE_STAGE = f"""mutation($id: ID!, $stage: OpportunityStage!, $version: Int!,
                          $lostReason: String) {{
  moveOpportunityStage(id: $id, stage: $stage, version: $version, lostReason: $lostReason) {{
    {PAYLOAD} }} }}"""
DELETE_OPPORTUNITY = f"""mutation($id: ID!) {{ deleteOpportunity(id: $id) {{ {PAYLOAD} }} }}"""
RESTORE_CUSTOMER = f"""mutation($id: ID!) {{ restoreCustomer(id: $id) {{ {PAYLOAD} }} }}"""


async def test_rollups_answer_exactly_like_the_rows_before_and_after_a_burst(gql, db):
    rng = random.Random(19)
    world = await _world(rng)
    async with live_client(db, gql) as live:
        await verify_clean()
        served = await _compare(rng, world, gql, live, 60)
        assert served >= 40  # most questions are on the grain: the rollups answer them
        await _burst(rng, gql, world)
        await verify_clean()
        served = await _compare(rng, world, gql, live, 60)
        assert served >= 40


#: Ranges that begin and end at local month starts or in the middle of a month, by zone.
LOCAL_MONTHS = [
    ("Europe/Berlin", "2025-12-31T23:00:00Z", "2026-10-31T23:00:00Z"),
    ("Asia/Kolkata", "2025-12-31T18:30:00Z", "2026-11-30T18:30:00Z"),
    ("Asia/Kathmandu", "2026-01-14T10:15:00Z", "2026-07-19T03:45:00Z"),
    ("Pacific/Marquesas", "2026-01-01T09:30:00Z", "2026-12-01T09:30:00Z"),
    ("Australia/Lord_Howe", "2026-01-31T13:00:00Z", "2026-08-17T00:00:00Z"),
    ("America/New_York", "2026-02-01T05:00:00Z", "2026-11-01T04:00:00Z"),
]


def _local_month_questions(world: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Per zone: by author and by channel per local month, an average per local month and
    per local day, orders per local month and deals per local quarter, over the ranges
    above and from a bound to the end of the data."""
    questions: list[tuple[str, dict[str, Any]]] = []
    for zone, start, end in LOCAL_MONTHS:
        occurred = {"occurredAt": {"gte": start, "lt": end}}
        for groups in (["AUTHOR", "MONTH"], ["CHANNEL", "MONTH"], ["MONTH"], ["AUTHOR"]):
            questions.append((STATS, {"groupBy": groups, "filter": occurred, "timeZone": zone}))
        questions.append(
            (STATS, {"groupBy": ["AUTHOR", "MONTH"], "timeZone": zone,
                     "filter": {"occurredAt": {"gte": start}}})
        )  # fmt: skip
        questions.append(
            (STATS, {"groupBy": ["DIRECTION", "DAY"], "timeZone": zone,
                     "filter": {"occurredAt": {"gte": start, "lt": "2026-04-03T00:00:00Z"}}})
        )  # fmt: skip
        for granularity in ("MONTH", "DAY", "WEEK"):
            questions.append(
                (INTERACTIONS, {"filter": occurred, "timeZone": zone, "groupBy": [
                    {"field": "AUTHOR"}, {"field": "OCCURRED_AT", "granularity": granularity}]})
            )  # fmt: skip
        questions.append(
            (ORDERS, {"filter": {"placedAt": {"gte": start, "lt": end}}, "timeZone": zone,
                      "groupBy": [{"field": "CURRENCY"},
                                  {"field": "PLACED_AT", "granularity": "MONTH"}]})
        )  # fmt: skip
        questions.append(
            (OPPORTUNITIES, {"filter": {"createdAt": {"lt": end}}, "timeZone": zone,
                             "groupBy": [{"field": "CURRENCY"}, {"field": "OWNER"},
                                         {"field": "CREATED_AT", "granularity": "QUARTER"}]})
        )  # fmt: skip
    return questions


async def test_local_months_read_month_cells_corrected_at_both_ends_exactly(gql, db):
    rng = random.Random(23)
    world = await _world(rng)
    async with live_client(db, gql) as live:
        for document, variables in _local_month_questions(world):
            from_rollups = await gql.execute(document, variables)
            from_rows = await live.execute(document, variables)
            assert "errors" not in from_rollups, (variables, from_rollups)
            assert from_rollups["data"] == from_rows["data"], variables
            assert from_rollups["extensions"]["aggregation"] == ["rollup"], variables
            assert from_rows["extensions"]["aggregation"] == ["live"]


def _cover_counts(
    zone: str, granularities: list[Granularity], start: datetime, end: datetime
) -> rollups._Cover:
    """The cells that cover ``start``..``end``; asserts that their signed sum counts every
    quarter hour around it once in its own local period inside the range, never outside."""
    shifts = tuple(offset_shifts(ZoneInfo(zone), start, end))
    periods = [Dimension("p", "occurred_at", g, shifts) for g in granularities]
    cover = rollups._cover(periods, start, end)

    periods_of: dict[datetime, tuple[Any, ...]] = {}

    def period(instant: datetime) -> tuple[Any, ...]:
        if instant not in periods_of:
            periods_of[instant] = tuple(rollups._period_of(d, instant) for d in periods)
        return periods_of[instant]

    def cells(ranges: list[tuple[datetime, datetime]], grain: int) -> set[datetime]:
        found = set()
        for low, high in ranges:
            while low < high:
                found.add(low)
                low = rollups.bucket(low + timedelta(seconds=grain), grain)  # type: ignore[assignment]
        return found

    own = {grain: cells(cover.own[grain], grain) for grain in rollups.GRAINS}
    hosts = {grain: cells(cover.hosts[grain], grain) for grain in cover.hosts}
    less = {}
    for delta, ranges in cover.less.items():
        for quarter in cells(ranges, rollups.QUARTER):
            assert quarter not in less
            less[quarter] = delta
    quarter = start - timedelta(days=2)
    while quarter < end + timedelta(days=2):
        day = quarter.replace(hour=0, minute=0)
        counted: Counter[tuple[Any, ...]] = Counter()
        for grain, cell in ((rollups.QUARTER, quarter), (rollups.DAY, day),
                            (rollups.MONTH, day.replace(day=1))):  # fmt: skip
            if cell in own[grain]:
                counted[period(cell)] += 1
            if grain in hosts and cell in hosts[grain]:
                counted[period(cell + rollups.ANCHOR[grain])] += 1
        if quarter in less:
            counted[period(quarter + less[quarter])] -= 1
        found = {key: count for key, count in counted.items() if count}
        assert found == ({period(quarter): 1} if start <= quarter < end else {}), quarter
        quarter += timedelta(minutes=15)
    return cover


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_signed_cells_count_every_quarter_hour_once_in_its_local_period():
    month, day, week = Granularity.MONTH, Granularity.DAY, Granularity.WEEK
    # A year of local months in Berlin: 12 month cells per combination, no day cells,
    # quarter hours only for the hour or two at each end of a UTC month.
    year = (_at("2025-10-31T23:00"), _at("2026-10-31T23:00"))
    cover = _cover_counts("Europe/Berlin", [month], *year)
    assert cover.hosts[rollups.MONTH] == [(_at("2025-11-01T00:00"), _at("2026-11-01T00:00"))]
    assert not cover.own[rollups.DAY] and not cover.hosts[rollups.DAY]
    quarters = sum((high - low for low, high in cover.own[rollups.QUARTER]), timedelta())
    assert quarters <= timedelta(hours=2 * 12)
    for zone, start, end in LOCAL_MONTHS:
        _cover_counts(zone, [month], _at(start[:16]), _at(end[:16]))
    # Local days read UTC days corrected by quarter hours (+05:45, -09:30, a 30-minute
    # change, midnight changes in Santiago), weeks and two period keys at once.
    for zone, granularities, start, end in (
        ("Asia/Kathmandu", [day], "2026-03-02T07:45", "2026-03-20T18:15"),
        ("Pacific/Marquesas", [day], "2026-05-30T09:30", "2026-06-12T00:00"),
        ("Australia/Lord_Howe", [day, month], "2026-03-20T13:00", "2026-04-19T00:30"),
        ("America/Santiago", [day], "2026-03-30T00:00", "2026-04-12T00:00"),
        ("America/New_York", [week], "2026-02-23T05:00", "2026-03-30T04:00"),
        ("Europe/Berlin", [Granularity.QUARTER], "2026-02-14T00:00", "2026-07-30T00:15"),
        ("UTC", [], "2026-02-14T00:00", "2026-07-31T18:00"),
    ):
        cover = _cover_counts(zone, granularities, _at(start), _at(end))
    assert cover.hosts[rollups.MONTH]  # no period key: whole months, corrected at the ends


async def test_rebuild_restores_cells_that_went_wrong_and_verify_reports_them(gql, db):
    rng = random.Random(7)
    await _world(rng)
    interaction = await Interaction.first()
    assert interaction is not None
    # A change made behind the API's back: the rollups do not know it.
    await Interaction.filter(pk=interaction.pk).update(channel=Channel.SOCIAL)
    found = await rollups.verify(rollups.registered()[0])
    assert len(found) == 6  # the old and the new channel's quarter hour, day and month
    await rollups.rebuild_all()
    await verify_clean()


AVERAGES = """
query Avg($filter: InteractionFilter, $groupBy: [InteractionGroupBy!]) {
  interactionsAggregate(filter: $filter, groupBy: $groupBy) {
    groups { key { channel } count avg { durationSeconds } }
  }
}"""


async def test_averages_of_whole_numbers_keep_their_fraction_on_both_paths(gql, db):
    customer = await make_customer()
    start = datetime(2026, 5, 4, 9, tzinfo=UTC)
    for minutes, seconds in ((0, 1), (20, 2), (40, 2), (50, None)):
        await make_interaction(
            customer,
            channel=Channel.CALL,
            occurred_at=start + timedelta(minutes=minutes),
            duration_seconds=seconds,
        )
    async with live_client(db, gql) as live:
        # Whole quarter hours: the rollup answers; 09:05: only the rows can.
        for bound, path in (("2026-05-04T09:00:00Z", "rollup"), ("2026-05-04T09:05:00Z", "live")):
            variables = {"filter": {"occurredAt": {"lt": "2026-05-04T10:00:00Z"}},
                         "groupBy": [{"field": "CHANNEL"}]}  # fmt: skip
            variables["filter"]["occurredAt"]["gte"] = bound
            from_rollups = await gql.execute(AVERAGES, variables)
            from_rows = await live.execute(AVERAGES, variables)
            assert from_rollups["extensions"]["aggregation"] == [path]
            assert from_rows["extensions"]["aggregation"] == ["live"]
            groups = from_rollups["data"]["interactionsAggregate"]["groups"]
            assert from_rows["data"] == from_rollups["data"]
            expected = (1 + 2 + 2) / 3 if path == "rollup" else 2.0
            assert groups == [
                {
                    "key": {"channel": "CALL"},
                    "count": 4 if path == "rollup" else 3,
                    "avg": {"durationSeconds": expected},
                }
            ]
    assert (1 + 2 + 2) / 3 == 1.6666666666666667


ORDER_AVERAGES = """
query Avg($filter: OrderFilter) {
  ordersAggregate(filter: $filter, groupBy: [{field: CURRENCY}]) {
    groups { count avg { total } }
  }
}"""


async def test_an_average_of_amounts_is_rounded_once_half_up_on_both_paths(gql, db):
    customer = await make_customer()
    placed = datetime(2026, 5, 4, 9, 10, tzinfo=UTC)
    for total in ("0.01", "0.02", "1.00", "2.00"):
        await make_order_with_total(customer, total, currency="USD", placed_at=placed)
    async with live_client(db, gql) as live:
        # 0.01 and 0.02: 0.015 exactly, half up 0.02; all four: 3.03 / 4 = 0.7575 -> 0.76.
        for total_filter, expected in (({"lt": "0.50"}, "0.02"), (None, "0.76")):
            variables = {"filter": {"total": total_filter}} if total_filter else {}
            from_rollups = await gql.execute(ORDER_AVERAGES, variables)
            from_rows = await live.execute(ORDER_AVERAGES, variables)
            assert from_rows["data"] == from_rollups["data"]
            groups = from_rows["data"]["ordersAggregate"]["groups"]
            assert [(g["count"], Decimal(g["avg"]["total"])) for g in groups] == [
                (2 if total_filter else 4, Decimal(expected))
            ]
        assert (await gql.execute(ORDER_AVERAGES, {}))["extensions"]["aggregation"] == ["rollup"]


CREATE_ORDER = """mutation($input: CreateOrderInput!) {
  createOrder(input: $input) { order { id version } userErrors { code } } }"""
ORDER_VERSION = "query($id: ID!) { node(id: $id) { ... on Order { version } } }"


async def _all_cells() -> dict[str, dict[str, list[Any]]]:
    """Every rollup's cells that count something, each with all its columns (the
    stored start of its quarter hour, day or month included)."""
    found: dict[str, dict[str, list[Any]]] = {}
    for rollup in rollups.registered():
        rows = await rollup.table.all().values_list(*rollup.columns)
        found[rollup.name] = {
            row[0]: list(row[1:])
            for row in rows
            if any(row[len(rollup.columns) - len(rollup.amounts) :])
        }
    return found


async def test_a_rebuild_in_sql_writes_exactly_the_cells_the_changes_wrote(gql, db):
    """Records made, changed and deleted through the API (the change hook keeps the
    cells) and the cells a rebuild counts from the same records are the same cells,
    column for column: keys, stored starts, NULL times, cents."""
    author = await make_user(Role.SALES)
    kept, deleted, restored = [await make_customer() for _ in range(3)]
    product = await make_product(unit_price=Decimal("12.34"), currency="USD")
    moments = [
        "2026-03-31T23:45:00Z",  # the last quarter hour of a month
        "2026-03-31T23:59:59.999999Z",
        "2026-04-01T00:00:00Z",  # the first instant of a month
        "2026-03-29T01:00:00Z",  # Berlin's clock change
        "2026-05-04T09:14:59Z",
        "2026-05-04T09:15:00Z",
        "2026-05-04T14:15:00+05:30",  # 08:45 UTC, given in Kolkata time
    ]
    created = []
    for index, moment in enumerate(moments):
        for customer in (kept, deleted, restored):
            body = await gql.execute(
                CREATE_INTERACTION_WITH_ID,
                {
                    "input": {
                        "customer": gid(customer),
                        "channel": list(Channel)[index % 4].value,
                        "direction": list(Direction)[index % 2].value,
                        "subject": "edge",
                        "occurredAt": moment,
                        "durationSeconds": None if index % 3 == 0 else 60 * index + 7,
                        "author": gid(author) if index % 2 else None,
                    }
                },
            )
            assert body["data"]["createInteraction"]["userErrors"] == [], body
            created.append(body["data"]["createInteraction"]["interaction"])
    # Moved across a month's end, and one deleted.
    moved = created[0]
    body = await gql.execute(
        UPDATE_INTERACTION,
        {"id": moved["id"], "input": {"version": moved["version"],
                                      "occurredAt": "2026-04-30T23:45:00Z"}},
    )  # fmt: skip
    assert body["data"]["updateInteraction"]["userErrors"] == []
    body = await gql.execute(DELETE_INTERACTION, {"id": created[1]["id"]})
    assert body["data"]["deleteInteraction"]["userErrors"] == []
    # Orders: drafts have no time; placing one gives it one; amounts with cents.
    orders = []
    for quantity in (1, 3, 7):
        body = await gql.execute(
            CREATE_ORDER,
            {"input": {"customer": gid(kept), "currency": "USD",
                       "items": [{"product": gid(product), "quantity": quantity}]}},
        )  # fmt: skip
        assert body["data"]["createOrder"]["userErrors"] == [], body
        orders.append(body["data"]["createOrder"]["order"])
    body = await gql.execute(
        STATUS, {"id": orders[0]["id"], "status": "PLACED", "version": orders[0]["version"]}
    )
    assert body["data"]["changeOrderStatus"]["userErrors"] == [], body
    item = {"product": gid(product), "quantity": 2}
    body = await gql.execute(ADD_ITEM, {"order": orders[1]["id"], "item": item})
    assert body["data"]["addOrderItem"]["userErrors"] == [], body
    # Opportunities: amounts with cents, a NULL owner, a change of amount.
    for amount, owner in (("1234.56", gid(author)), ("0.01", None), ("99999.99", gid(author))):
        body = await gql.execute(
            CREATE_OPPORTUNITY,
            {"input": {"customer": gid(kept), "name": "edge", "amount": amount,
                       "currency": "EUR", "owner": owner, "probability": 35}},
        )  # fmt: skip
        assert body["data"]["createOpportunity"]["userErrors"] == [], body
    deal = await Opportunity.filter(amount=Decimal("0.01")).first()
    assert deal is not None
    body = await gql.execute(
        UPDATE_OPPORTUNITY,
        {"id": gid(deal), "input": {"version": deal.version, "amount": "10.05"}},
    )
    assert body["data"]["updateOpportunity"]["userErrors"] == [], body
    # Customers deleted (one restored): their records keep counting.
    for customer in (deleted, restored):
        body = await gql.execute(DELETE_CUSTOMER, {"id": gid(customer)})
        assert body["data"]["deleteCustomer"]["userErrors"] == [], body
    body = await gql.execute(RESTORE_CUSTOMER, {"id": gid(restored)})
    assert body["data"]["restoreCustomer"]["userErrors"] == [], body

    by_changes = await _all_cells()
    assert by_changes["orders"] and by_changes["opportunities"]
    assert any(c.startswith("900|~|DRAFT|USD") for c in by_changes["orders"])
    assert "900|202603312345|CALL|INBOUND" not in by_changes["interactions"]  # moved away
    await verify_clean()
    await rollups.rebuild_all()
    assert await _all_cells() == by_changes
    await verify_clean()


CREATE_INTERACTION_WITH_ID = """mutation($input: CreateInteractionInput!) {
  createInteraction(input: $input) { interaction { id version } userErrors { code } } }"""
