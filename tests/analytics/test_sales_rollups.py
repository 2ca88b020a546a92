"""The sales views from pre-aggregated data: `salesPipeline` and `customerStats` from
rollups, `topCustomers` from the per-customer tallies, equal to the rows' answers.

Random questions (filters, periods, time zones at :30 and :45 offsets and across both
daylight-saving changes) go to two apps over the same database, one that reads rollups
and tallies and one that never does; the answers must be identical, before and after a
burst of concurrent creates, updates, deletes and restores through the API, and verify
must find no cell or tally row that differs from the records.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from crm_graphql.api.ids import to_global_id
from crm_graphql.api.roles import Role
from crm_graphql.domains.customers.enums import CustomerSource, LifecycleStage
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.interactions.models import Channel, Direction, Interaction
from crm_graphql.domains.orders.models import Order, OrderStatus
from crm_graphql.domains.sales.enums import OpportunityStage
from crm_graphql.domains.sales.models import Opportunity
from tests.analytics.documents import CUSTOMER_STATS, PIPELINE, TOP_CUSTOMERS
from tests.analytics.rollup_helpers import live_client, verify_clean
from tests.factories import (
    gid,
    make_customer,
    make_interaction,
    make_opportunity,
    make_order_with_total,
    make_user,
    rebuild_rollups,
)
from tests.helpers import GraphQLClient, count_statements

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
CURRENCIES = ["USD", "EUR"]


def _moment(rng: random.Random) -> datetime:
    """Any microsecond of 2026, often within hours of a clock change or a month's end."""
    if rng.random() < 0.5:
        anchor = rng.choice(DST_CHANGES + MONTH_ENDS)
        moment = anchor + timedelta(seconds=rng.randint(-20 * 3600, 20 * 3600))
    else:
        moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 364 * 86400))
    return moment + timedelta(
        microseconds=rng.choice([0, 1, 499_500, 999_999, rng.randint(0, 10**6 - 1)])
    )


def _instant(rng: random.Random) -> str:
    """A filter bound: mostly on a quarter hour (the rollups serve it), sometimes not."""
    moment = _moment(rng).replace(microsecond=0)
    if rng.random() < 0.8:
        moment = moment.replace(minute=rng.choice((0, 15, 30, 45)), second=0)
    return moment.isoformat().replace("+00:00", "Z")


def _bounds(rng: random.Random) -> dict[str, str]:
    low, high = sorted([_instant(rng), _instant(rng)])
    return rng.choice([{"gte": low, "lt": high}, {"gte": low}, {"lt": high}])


def _amount(rng: random.Random) -> str:
    return f"{rng.randint(0, 99999)}.{rng.randint(0, 99):02d}"


async def _world(rng: random.Random) -> dict[str, Any]:
    owners = [await make_user(Role.SALES) for _ in range(3)]
    customers = []
    for _ in range(10):
        customer = await make_customer(
            lifecycle_stage=rng.choice(list(LifecycleStage)),
            source=rng.choice(list(CustomerSource)),
            owner=rng.choice([*owners, None]),
        )
        customers.append(customer)
        await Customer.filter(pk=customer.pk).update(created_at=_moment(rng))
    await Customer.filter(pk=customers[0].pk).update(deleted_at=datetime(2026, 5, 1, tzinfo=UTC))
    for _ in range(50):
        await make_interaction(
            rng.choice(customers),
            channel=rng.choice(list(Channel)[:4]),
            direction=rng.choice(list(Direction)),
            occurred_at=_moment(rng),
        )
    for _ in range(40):
        status = rng.choice(list(OrderStatus))
        await make_order_with_total(
            rng.choice(customers),
            rng.choice([_amount(rng), "100.00"]),  # equal values: ties ranked alike
            status=status,
            currency=rng.choice(CURRENCIES),
            placed_at=None if status is OrderStatus.DRAFT else _moment(rng),
        )
    for _ in range(50):
        stage = rng.choice(list(OpportunityStage))
        deal = await make_opportunity(
            rng.choice(customers),
            stage=stage,
            owner=rng.choice([*owners, None]),
            currency=rng.choice(CURRENCIES),
            amount=Decimal(_amount(rng)),
            probability=rng.randint(0, 100),
        )
        created = _moment(rng)
        closed = None
        if stage.value.startswith("CLOSED") or rng.random() < 0.1:
            closed = created + timedelta(microseconds=rng.randint(0, 90 * 86400 * 10**6))
        await Opportunity.filter(pk=deal.pk).update(created_at=created, closed_at=closed)
    await rebuild_rollups()  # the times were set behind the API's back
    return {"owners": owners, "customers": customers}


def _pipeline(rng: random.Random, world: dict[str, Any]) -> dict[str, Any]:
    filter_: dict[str, Any] = {}
    if rng.random() < 0.5:
        filter_["createdAt"] = _bounds(rng)
    if rng.random() < 0.3:
        filter_["stage"] = {"in": rng.sample([s.value for s in OpportunityStage], 3)}
    if rng.random() < 0.3:
        filter_["currency"] = {"eq": rng.choice(CURRENCIES)}
    if rng.random() < 0.1:
        filter_["owner"] = {"eq": gid(rng.choice(world["owners"]))}  # the rows answer
    if rng.random() < 0.1:
        filter_["closedAt"] = _bounds(rng)  # the rows answer
    return {"filter": filter_, "currency": rng.choice(CURRENCIES)}


def _stats(rng: random.Random, world: dict[str, Any]) -> dict[str, Any]:
    first = datetime(2026, 1, 1) + timedelta(days=rng.randint(-30, 330))
    granularity = rng.choice(["DAY", "WEEK", "MONTH", "QUARTER", "YEAR"])
    last = first + timedelta(days=rng.randint(0, 40 if granularity == "DAY" else 300))
    filter_: dict[str, Any] = {}
    if rng.random() < 0.3:
        filter_["lifecycleStage"] = {"in": rng.sample([s.value for s in LifecycleStage], 2)}
    if rng.random() < 0.3:
        filter_["source"] = {"eq": rng.choice(list(CustomerSource)).value}
    if rng.random() < 0.3:
        filter_["createdAt"] = _bounds(rng)
    if rng.random() < 0.1:
        filter_["owner"] = {"eq": gid(rng.choice(world["owners"]))}  # the rows answer
    return {
        "filter": filter_,
        "granularity": granularity,
        "from": first.date().isoformat(),
        "to": last.date().isoformat(),
        "timeZone": rng.choice(ZONES),
    }


def _question(rng: random.Random, world: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kind = rng.choice(["pipeline", "stats", "top"])
    if kind == "pipeline":
        return PIPELINE, _pipeline(rng, world)
    if kind == "stats":
        return CUSTOMER_STATS, _stats(rng, world)
    by = rng.choice(["LIFETIME_VALUE", "ORDER_COUNT", "INTERACTION_COUNT"])
    return TOP_CUSTOMERS, {
        "by": by,
        "first": rng.randint(1, 12),
        "currency": rng.choice(CURRENCIES),
    }


async def _compare(
    rng: random.Random, world: dict[str, Any], fast: GraphQLClient, live: GraphQLClient, count: int
) -> dict[str, int]:
    """Ask ``count`` random questions of both apps; per view, how many the rollups served."""
    served = {PIPELINE: 0, CUSTOMER_STATS: 0, TOP_CUSTOMERS: 0}
    for _ in range(count):
        document, variables = _question(rng, world)
        from_rollups = await fast.execute(document, variables)
        from_rows = await live.execute(document, variables)
        assert "errors" not in from_rollups, (variables, from_rollups)
        assert from_rollups["data"] == from_rows["data"], variables
        assert set(from_rows["extensions"]["aggregation"]) == {"live"}
        paths = from_rollups["extensions"]["aggregation"]
        served[document] += all(path == "rollup" for path in paths)
    return served


PAYLOAD = "userErrors { code }"
CREATE_CUSTOMER = f"""mutation($input: CreateCustomerInput!) {{
  createCustomer(input: $input) {{ {PAYLOAD} }} }}"""
UPDATE_CUSTOMER = f"""mutation($id: ID!, $input: UpdateCustomerInput!) {{
  updateCustomer(id: $id, input: $input) {{ {PAYLOAD} }} }}"""
DELETE_CUSTOMER = f"""mutation($id: ID!) {{ deleteCustomer(id: $id) {{ {PAYLOAD} }} }}"""
RESTORE_CUSTOMER = f"""mutation($id: ID!) {{ restoreCustomer(id: $id) {{ {PAYLOAD} }} }}"""
CREATE_INTERACTION = f"""mutation($input: CreateInteractionInput!) {{
  createInteraction(input: $input) {{ {PAYLOAD} }} }}"""
DELETE_INTERACTION = f"""mutation($id: ID!) {{ deleteInteraction(id: $id) {{ {PAYLOAD} }} }}"""
STATUS = f"""mutation($id: ID!, $status: OrderStatus!, $version: Int!) {{
  changeOrderStatus(id: $id, status: $status, version: $version) {{ {PAYLOAD} }} }}"""
CREATE_OPPORTUNITY = f"""mutation($input: CreateOpportunityInput!) {{
  createOpportunity(input: $input) {{ {PAYLOAD} }} }}"""
UPDATE_OPPORTUNITY = f"""mutation($id: ID!, $input: UpdateOpportunityInput!) {{
  updateOpportunity(id: $id, input: $input) {{ {PAYLOAD} }} }}"""
MOVE_STAGE = f"""mutation($id: ID!, $stage: OpportunityStage!, $version: Int!,
                          $lostReason: String) {{
  moveOpportunityStage(id: $id, stage: $stage, version: $version, lostReason: $lostReason) {{
    {PAYLOAD} }} }}"""
DELETE_OPPORTUNITY = f"""mutation($id: ID!) {{ deleteOpportunity(id: $id) {{ {PAYLOAD} }} }}"""
MERGE = f"""mutation($survivor: ID!, $merged: [ID!]!) {{
  mergeCustomers(survivorId: $survivor, mergedIds: $merged) {{ {PAYLOAD} }} }}"""


def _sender(client: GraphQLClient) -> Any:
    async def send(document: str, variables: dict[str, Any]) -> None:
        body = await client.execute(document, variables)
        assert "errors" not in body, body
        payload = next(iter(body["data"].values()))
        codes = {e["code"] for e in payload["userErrors"]}
        assert codes <= {"CONFLICT", "NOT_FOUND", "INVALID_TRANSITION", "BAD_USER_INPUT"}, (
            document,
            payload,
        )

    return send


async def _burst(rng: random.Random, client: GraphQLClient, world: dict[str, Any]) -> None:
    """Concurrent creates, updates, deletes and restores of every record the views count."""
    send = _sender(client)
    customers = await Customer.filter(deleted_at__isnull=True).values_list("id", "version")
    work = []
    for _ in range(4):
        stage, source = rng.choice(list(LifecycleStage)), rng.choice(list(CustomerSource))
        work.append(
            send(
                CREATE_CUSTOMER,
                {"input": {"firstName": "Burst", "lastName": "Customer",
                           "lifecycleStage": stage.value, "source": source.value}},
            )
        )  # fmt: skip
    for pk, version in rng.sample(customers, 4):
        changes: dict[str, Any] = {"version": version}
        if rng.random() < 0.7:
            changes["lifecycleStage"] = rng.choice(list(LifecycleStage)).value
        if rng.random() < 0.7:
            changes["source"] = rng.choice(list(CustomerSource)).value
        work.append(send(UPDATE_CUSTOMER, {"id": to_global_id("Customer", pk), "input": changes}))
    # Two customers without open orders (deletable) who rank high, deleted at once.
    deleted = []
    for _ in range(2):
        customer = await make_customer(source=rng.choice(list(CustomerSource)))
        for _ in range(6):
            await make_interaction(customer, occurred_at=_moment(rng))
        await make_order_with_total(
            customer, "99999.99", status=OrderStatus.SHIPPED, currency="USD",
            placed_at=_moment(rng),
        )  # fmt: skip
        deleted.append(gid(customer))
    work += [send(DELETE_CUSTOMER, {"id": customer}) for customer in deleted]
    for _ in range(6):
        work.append(
            send(
                CREATE_INTERACTION,
                {"input": {"customer": gid(rng.choice(world["customers"])),
                           "channel": rng.choice(list(Channel)[:4]).value,
                           "direction": rng.choice(list(Direction)).value,
                           "subject": "burst", "occurredAt": _moment(rng).isoformat()}},
            )
        )  # fmt: skip
    for pk in rng.sample(await Interaction.all().values_list("id", flat=True), 4):
        work.append(send(DELETE_INTERACTION, {"id": to_global_id("Interaction", pk)}))
    for order in await Order.exclude(status=OrderStatus.DRAFT).limit(8):
        target = {"PLACED": "PAID", "PAID": "SHIPPED", "SHIPPED": "REFUNDED"}.get(order.status)
        if target:
            work.append(
                send(STATUS, {"id": gid(order), "status": target, "version": order.version})
            )
    work += _deal_changes(
        rng, send, world, await Opportunity.all().values_list("id", "version", "stage")
    )
    rng.shuffle(work)
    await asyncio.gather(*work)
    await send(RESTORE_CUSTOMER, {"id": deleted[0]})


def _deal_changes(
    rng: random.Random, send: Any, world: dict[str, Any], deals: list[Any]
) -> list[Any]:
    work = []
    for pk, version, stage in rng.sample(deals, 14):
        node = to_global_id("Opportunity", pk)
        action = rng.choice(["move", "move", "update", "delete"])
        if action == "delete":
            work.append(send(DELETE_OPPORTUNITY, {"id": node}))
        elif action == "move":
            target = rng.choice([s for s in OpportunityStage if s.value != stage])
            variables = {"id": node, "stage": target.value, "version": version}
            if target is OpportunityStage.CLOSED_LOST:
                variables["lostReason"] = "price"
            work.append(send(MOVE_STAGE, variables))
        else:
            changes: dict[str, Any] = {"version": version, "amount": _amount(rng)}
            if rng.random() < 0.5:
                changes["probability"] = rng.randint(0, 100)
            if rng.random() < 0.4:
                changes["currency"] = rng.choice(CURRENCIES)
            work.append(send(UPDATE_OPPORTUNITY, {"id": node, "input": changes}))
    for _ in range(4):
        work.append(
            send(
                CREATE_OPPORTUNITY,
                {"input": {"customer": gid(rng.choice(world["customers"])), "name": "burst",
                           "stage": rng.choice(["PROSPECTING", "PROPOSAL"]),
                           "amount": _amount(rng), "currency": rng.choice(CURRENCIES)}},
            )
        )  # fmt: skip
    return work


async def test_sales_views_from_rollups_equal_the_rows_before_and_after_a_burst(gql, db):
    rng = random.Random(2319)
    world = await _world(rng)
    async with live_client(db, gql) as live:
        await verify_clean()
        served = await _compare(rng, world, gql, live, 45)
        assert min(served.values()) >= 5, served  # each view is mostly served by rollups
        await _burst(rng, gql, world)
        await verify_clean()
        served = await _compare(rng, world, gql, live, 45)
        assert min(served.values()) >= 5, served


async def test_a_merge_moves_the_merged_customers_tallies_to_the_survivor(gql, db):
    rng = random.Random(5)
    world = await _world(rng)
    survivor, merged = world["customers"][1], world["customers"][2]
    await _sender(gql)(MERGE, {"survivor": gid(survivor), "merged": [gid(merged)]})
    await verify_clean()
    async with live_client(db, gql) as live:
        for by in ("LIFETIME_VALUE", "ORDER_COUNT", "INTERACTION_COUNT"):
            for currency in CURRENCIES:
                variables = {"by": by, "first": 20, "currency": currency}
                from_rollups = await gql.execute(TOP_CUSTOMERS, variables)
                assert from_rollups["extensions"]["aggregation"] == ["rollup"]
                assert (
                    from_rollups["data"] == (await live.execute(TOP_CUSTOMERS, variables))["data"]
                )


async def test_days_to_close_and_weighted_amounts_are_exact_on_both_paths(gql, db):
    customer = await make_customer()
    created = datetime(2026, 3, 1, 9, tzinfo=UTC)
    # 1.5 days + 1 microsecond and 1 day: 1.2500000000057870 days on average, 1.25 shown.
    for micros, amount, probability in (
        (129_600_000_001, "0.05", 50),
        (86_400_000_000, "0.05", 50),
    ):
        deal = await make_opportunity(
            customer, stage=OpportunityStage.CLOSED_WON, amount=Decimal(amount),
            probability=probability,
        )  # fmt: skip
        closed = created + timedelta(microseconds=micros)
        await Opportunity.filter(pk=deal.pk).update(created_at=created, closed_at=closed)
    for stage in (OpportunityStage.PROPOSAL, OpportunityStage.NEGOTIATION):
        await make_opportunity(customer, stage=stage, amount=Decimal("0.05"), probability=50)
    await rebuild_rollups()
    async with live_client(db, gql) as live:
        from_rollups = await gql.execute(PIPELINE, {})
        from_rows = await live.execute(PIPELINE, {})
    assert from_rollups["extensions"]["aggregation"] == ["rollup"]
    assert from_rollups["data"] == from_rows["data"]
    pipeline = from_rollups["data"]["salesPipeline"]
    assert pipeline["averageDaysToClose"] == 1.25
    # 0.05 x 50 / 100 = 0.025 per deal: each stage's sum rounds once, half up, to 0.03.
    stages = {s["stage"]: s for s in pipeline["stages"]}
    assert stages["PROPOSAL"]["weightedAmount"] == "0.03"
    assert stages["CLOSED_WON"]["weightedAmount"] == "0.05"
    assert pipeline["weightedTotal"] == "0.06"


async def test_sales_views_read_a_constant_number_of_statements_from_rollups(gql, db):
    views = [
        (PIPELINE, {}),
        (CUSTOMER_STATS, {"from": "2026-01-01", "to": "2026-12-31", "granularity": "DAY",
                          "timeZone": "Asia/Kathmandu"}),
        (TOP_CUSTOMERS, {"by": "LIFETIME_VALUE", "first": 50}),
        (TOP_CUSTOMERS, {"by": "ORDER_COUNT", "first": 50}),
        (TOP_CUSTOMERS, {"by": "INTERACTION_COUNT", "first": 50}),
    ]  # fmt: skip

    async def counts() -> list[int]:
        found = []
        for document, variables in views:
            with count_statements() as statements:
                body = await gql.execute(document, variables)
            assert set(body["extensions"]["aggregation"]) == {"rollup"}
            found.append(len([sql for sql in statements if " FROM " in sql.upper()]))
        return found

    rng = random.Random(3)
    await _world(rng)
    small = await counts()
    await _world(rng)
    await _world(rng)
    assert await counts() == small
    # Pipeline: one; stats: the breakdown and the periods; rankings: the tally and the
    # customers behind it.
    assert small == [1, 2, 2, 2, 2]
