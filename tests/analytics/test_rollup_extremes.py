"""Minimums and maximums from the rollups: every answer equals the rows'.

A cell keeps the extremes of its records; a record holding one that leaves the cell
marks it stale, and the records of exactly the stale cells in a query's range answer for
them. The differential test asks random ``ordersAggregate`` questions with ``min`` and
``max`` of both apps (rollups, rows) before and after a burst of concurrent order
changes that move the extreme orders between cells; the race test rolls back a change
of a cell's extreme record while another change of that cell waits for it.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.transactions import in_transaction

import crm_graphql.domains.analytics.tasks  # noqa: F401  (registers the repair subscriber)
from crm_graphql.api.aggregation import rollups
from crm_graphql.domains.analytics.models import OrderRollup
from crm_graphql.domains.orders.models import Order, OrderStatus
from tests.analytics.rollup_helpers import live_client, verify_clean
from tests.analytics.test_rollups import ZONES, _instant, _moment
from tests.automation.conftest import drain, fast_settings
from tests.factories import gid, make_customer, make_order_with_total, make_product
from tests.helpers import GraphQLClient, count_statements

EXTREMES = """
query Agg($filter: OrderFilter, $groupBy: [OrderGroupBy!], $timeZone: String!) {
  ordersAggregate(filter: $filter, groupBy: $groupBy, timeZone: $timeZone, first: 1000) {
    hasMore groups { key { status currency placedAt } count sum { total }
                     min { total subtotal taxTotal } max { total subtotal taxTotal } }
  }
}"""
PAYLOAD = "order { id version } userErrors { code }"
STATUS = f"""mutation($id: ID!, $status: OrderStatus!, $version: Int!) {{
  changeOrderStatus(id: $id, status: $status, version: $version) {{ {PAYLOAD} }} }}"""
CREATE = f"""mutation($input: CreateOrderInput!) {{ createOrder(input: $input) {{ {PAYLOAD} }} }}"""
ADD_ITEM = f"""mutation($order: ID!, $item: OrderItemInput!) {{
  addOrderItem(orderId: $order, item: $item) {{ {PAYLOAD} }} }}"""
DELETE = f"""mutation($id: ID!) {{ deleteOrder(id: $id) {{ {PAYLOAD} }} }}"""
#: The moves of the state machine that keep an order placed (it changes cells).
NEXT = {"PLACED": ["PAID", "CANCELLED"], "PAID": ["SHIPPED", "CANCELLED", "REFUNDED"],
        "SHIPPED": ["REFUNDED"]}  # fmt: skip


async def _orders(rng: random.Random, count: int) -> list[Any]:
    """Orders of two customers over 2026 (many near month ends and clock changes),
    totals with ties, some drafts without a time."""
    customers = [await make_customer() for _ in range(2)]
    for _ in range(count):
        status = rng.choice(list(OrderStatus))
        total = rng.choice(["5.00", "5.00", "999.99"]) if rng.random() < 0.2 else None
        await make_order_with_total(
            rng.choice(customers),
            total or f"{rng.randint(1, 9999)}.{rng.randint(0, 99):02d}",
            status=status,
            currency=rng.choice(["USD", "EUR"]),
            placed_at=None if status is OrderStatus.DRAFT else _moment(rng),
            tax_total=Decimal(f"{rng.randint(0, 99)}.{rng.randint(0, 99):02d}"),
        )
    await rollups.rebuild_all()
    return customers


def _question(rng: random.Random) -> dict[str, Any]:
    filter_: dict[str, Any] = {}
    if rng.random() < 0.7:
        bounds = sorted([_instant(rng), _instant(rng)])
        filter_["placedAt"] = rng.choice(
            [{"gte": bounds[0], "lt": bounds[1]}, {"gte": bounds[0]}, {"lt": bounds[1]}]
        )
    if rng.random() < 0.4:
        filter_["status"] = {"in": rng.sample([s.value for s in OrderStatus], 3)}
    if rng.random() < 0.3:
        filter_["currency"] = {"eq": rng.choice(["USD", "EUR"])}
    fields = rng.sample(["STATUS", "CURRENCY", "PLACED_AT"], rng.randint(0, 3))
    if "CURRENCY" not in fields:
        fields.append("CURRENCY")  # amounts need one currency per group
    group_by = [
        {"field": f, "granularity": rng.choice(["DAY", "WEEK", "MONTH", "QUARTER", "YEAR"])}
        if f == "PLACED_AT"
        else {"field": f}
        for f in fields
    ]
    return {"filter": filter_, "groupBy": group_by, "timeZone": rng.choice(ZONES)}


async def _compare(rng: random.Random, fast: GraphQLClient, live: GraphQLClient, count: int) -> int:
    """Ask ``count`` random questions of both apps; the number the rollups served."""
    served = 0
    for _ in range(count):
        variables = _question(rng)
        from_rollups = await fast.execute(EXTREMES, variables)
        from_rows = await live.execute(EXTREMES, variables)
        assert "errors" not in from_rollups, (variables, from_rollups)
        assert from_rollups["data"] == from_rows["data"], variables
        assert from_rows["extensions"]["aggregation"] == ["live"]
        served += from_rollups["extensions"]["aggregation"] == ["rollup"]
    return served


async def _send(client: GraphQLClient, document: str, variables: dict[str, Any]) -> Any:
    body = await client.execute(document, variables)
    assert "errors" not in body, body
    payload = next(iter(body["data"].values()))
    assert {e["code"] for e in payload["userErrors"]} <= {"CONFLICT", "INVALID_TRANSITION"}
    return payload


async def _extreme_orders() -> list[Order]:
    """Per status and currency, the placed orders with the smallest and largest total."""
    chosen: dict[int, Order] = {}
    for status in NEXT:
        for currency in ("USD", "EUR"):
            found = Order.filter(status=status, currency=currency)
            for ordering in ("total", "-total"):
                order = await found.order_by(ordering, "id").first()
                if order is not None:
                    chosen[order.pk] = order
    return list(chosen.values())


async def _burst(rng: random.Random, client: GraphQLClient, customers: list[Any]) -> None:
    """Concurrent status moves (the extreme orders first: they leave their cells), new
    orders, items added to drafts, drafts placed and deleted."""
    product = await make_product(unit_price=Decimal("12.34"), currency="USD")
    drafts = await Order.filter(status=OrderStatus.DRAFT, currency="USD").limit(4)
    moved = await _extreme_orders()
    others = await Order.filter(status__in=list(NEXT)).exclude(pk__in=[o.pk for o in moved])
    work = []
    for order in [*moved, *rng.sample(others, min(8, len(others)))]:
        target = rng.choice(NEXT[order.status])
        work.append(
            _send(client, STATUS, {"id": gid(order), "status": target, "version": order.version})
        )
    for draft in drafts:
        item = {"product": gid(product), "quantity": rng.randint(1, 9)}
        work.append(_send(client, ADD_ITEM, {"order": gid(draft), "item": item}))
    for _ in range(4):
        items = [{"product": gid(product), "quantity": rng.randint(1, 90)}]
        input_ = {"customer": gid(rng.choice(customers)), "currency": "USD", "items": items}
        work.append(_send(client, CREATE, {"input": input_}))
    rng.shuffle(work)
    await asyncio.gather(*work)
    # Drafts with items placed now (a time of now: the current month's cells), one deleted.
    with_items = await Order.filter(status=OrderStatus.DRAFT, currency="USD", total__gt=0)
    for draft in with_items[:2]:
        await _send(
            client, STATUS, {"id": gid(draft), "status": "PLACED", "version": draft.version}
        )
    if len(with_items) > 2:
        await _send(client, DELETE, {"id": gid(with_items[2])})


async def test_extremes_from_rollups_equal_the_rows_before_and_after_a_burst(gql, db):
    rng = random.Random(1919)
    customers = await _orders(rng, 60)
    async with live_client(db, gql) as live:
        await verify_clean()
        assert not await OrderRollup.filter(stale=1).exists()
        assert await _compare(rng, gql, live, 50) >= 30
        await _burst(rng, gql, customers)
        # The extreme orders left their cells: those are stale, and verify accepts them
        # (a stale cell's extremes are bounds), while every count and sum is exact.
        stale = await OrderRollup.filter(stale=1).count()
        assert stale >= 6
        await verify_clean()
        assert await _compare(rng, gql, live, 50) >= 30
        # The changes asked for their cells to be counted again: the worker repairs them.
        await drain(fast_settings(db))
        assert not await OrderRollup.filter(stale=1).exists()
        await verify_clean()
        assert await _compare(rng, gql, live, 30) >= 15


async def test_a_change_of_an_extreme_rolled_back_leaves_every_answer_exact(gql, db):
    """A transaction moves a cell's smallest order out of it and rolls back, while
    another order enters that cell with a new smallest total (it waits for the cell's
    lock) and the cell is repaired (it waits too): the answers during and after equal
    the rows', and no cell is left wrong or stale."""
    customer = await make_customer()
    placed = datetime(2026, 5, 4, 9, 10, tzinfo=UTC)
    for total in ("1.00", "50.00", "70.00"):
        await make_order_with_total(customer, total, status=OrderStatus.PAID, placed_at=placed)
    entering = await make_order_with_total(
        customer, "0.50", status=OrderStatus.PLACED, placed_at=placed
    )
    await rollups.rebuild_all()
    smallest = await Order.get(total=Decimal("1.00"))
    month = "2678400|202605010000|PAID|USD"
    question = {
        "filter": {"placedAt": {"gte": "2026-05-01T00:00:00Z", "lt": "2026-06-01T00:00:00Z"}},
        "groupBy": [{"field": "STATUS"}, {"field": "CURRENCY"}],
        "timeZone": "UTC",
    }
    moved_out = asyncio.Event()
    release = asyncio.Event()

    async def change_and_roll_back() -> None:
        try:
            async with in_transaction():
                before = await Order.select_for_update().get(pk=smallest.pk)
                await Order.filter(pk=smallest.pk).update(status=OrderStatus.SHIPPED)
                after = await Order.get(pk=smallest.pk)
                await rollups.record(Order, before, after)  # the cells go stale, uncommitted
                assert await OrderRollup.filter(cell=month, stale=1).exists()
                moved_out.set()
                await release.wait()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    def paid(body: dict[str, Any]) -> dict[str, Any]:
        groups = body["data"]["ordersAggregate"]["groups"]
        return next(g for g in groups if g["key"]["status"] == "PAID")

    async with live_client(db, gql) as live:
        writer = asyncio.create_task(change_and_roll_back())
        await moved_out.wait()
        move = {"id": gid(entering), "status": "PAID", "version": entering.version}
        others = [
            asyncio.create_task(_send(gql, STATUS, move)),
            asyncio.create_task(rollups.repair(rollups.named("orders"), [month])),
            asyncio.create_task(gql.execute(EXTREMES, question)),
        ]
        await asyncio.sleep(0.3)
        release.set()
        await writer
        _, repaired, during = await asyncio.gather(*others)
        assert repaired == 0  # not stale once the change rolled back
        assert during["extensions"]["aggregation"] == ["rollup"]
        # Before or after the order entered (MariaDB: before; it waits for the lock).
        assert (paid(during)["min"]["total"], paid(during)["count"]) in (
            ("1.00", 3),
            ("0.50", 4),
        )
        assert paid(during)["max"]["total"] == "70.00"
        after = await gql.execute(EXTREMES, question)
        assert after["data"] == (await live.execute(EXTREMES, question))["data"]
        assert paid(after)["min"]["total"] == "0.50"
    assert not await OrderRollup.filter(stale=1).exists()
    await verify_clean()
    # Now for real: the smallest order leaves; its cells are stale, their records answer.
    for total in ("0.50", "1.00"):
        order = await Order.get(total=Decimal(total))
        await _send(gql, STATUS, {"id": gid(order), "status": "SHIPPED",
                                  "version": order.version})  # fmt: skip
    assert await OrderRollup.filter(stale=1).count() == 3  # its quarter hour, day, month
    answer = await gql.execute(EXTREMES, question)
    assert paid(answer)["min"]["total"] == "50.00"
    assert await rollups.repair(rollups.named("orders")) == 3
    await verify_clean()


async def test_extremes_read_stale_cells_with_two_more_statements(gql, db):
    """Fresh cells: one grouped statement (in a read transaction); with stale cells, one
    statement lists them and one reads their records, however many there are."""
    customer = await make_customer()
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    for day in range(40):
        for total in ("1.00", "9.00"):
            await make_order_with_total(
                customer, total, status=OrderStatus.PAID, placed_at=start + timedelta(days=day)
            )
    await rollups.rebuild_all()
    question = {
        "filter": {"placedAt": {"gte": "2026-03-01T00:00:00Z"}},
        "groupBy": [{"field": "STATUS"}, {"field": "CURRENCY"},
                    {"field": "PLACED_AT", "granularity": "MONTH"}],
        "timeZone": "UTC",
    }  # fmt: skip

    async def reads() -> list[str]:
        with count_statements() as statements:
            body = await gql.execute(EXTREMES, question)
        assert body["extensions"]["aggregation"] == ["rollup"]
        return [sql for sql in statements if " FROM " in sql.upper()]

    clean = await reads()
    assert len(clean) == 2  # the stored span (an open range), the cells
    for day in (0, 1, 20):  # three days' orders leave: their month cell goes stale
        for total in ("1.00", "9.00"):
            order = await Order.filter(placed_at=start + timedelta(days=day), total=total).first()
            assert order is not None
            await _send(gql, STATUS, {"id": gid(order), "status": "SHIPPED",
                                      "version": order.version})  # fmt: skip
    # The emptied quarter hours and days have no extremes and are not stale.
    assert await OrderRollup.filter(stale=1).values_list("cell", flat=True) == [
        "2678400|202603010000|PAID|USD"
    ]
    assert len(await reads()) == len(clean) + 2


async def test_verify_reports_a_wrong_extreme_of_a_fresh_cell_and_not_of_a_stale_one(gql, db):
    customer = await make_customer()
    placed = datetime(2026, 5, 4, 9, 10, tzinfo=UTC)
    for total in ("3.00", "8.00"):
        await make_order_with_total(customer, total, status=OrderStatus.PAID, placed_at=placed)
    await rollups.rebuild_all()
    orders = rollups.named("orders")
    month = "2678400|202605010000|PAID|USD"
    await OrderRollup.filter(cell=month).update(total_min=200)  # wrong: no order of 2.00
    assert [d.cell for d in await rollups.verify(orders)] == [month]
    # Stale, the same extreme is a bound (below every total): its records answer.
    await OrderRollup.filter(cell=month).update(stale=1)
    assert await rollups.verify(orders) == []
    assert await rollups.repair(orders) == 1
    cell = await OrderRollup.get(cell=month)
    assert (cell.total_min, cell.total_max, cell.stale) == (300, 800, 0)
    await verify_clean()


#: Orders at the ends of local months: (time, status, total). 2026-03-31T23:30Z and
#: 2026-04-30T23:00Z belong to the next local month in Kolkata (+05:30), Kathmandu
#: (+05:45) and Berlin (+02:00 in summer), but to the UTC month before: taken out of
#: that month's cell where it is read for the local month it mostly lies in.
EDGE_ORDERS = [
    ("2026-03-15T12:00:00", "PAID", "50.00"),
    ("2026-03-31T19:00:00", "PAID", "50.00"),  # Kolkata, Kathmandu: April; Berlin: March
    ("2026-03-31T23:30:00", "PAID", "1.00"),
    ("2026-04-10T12:00:00", "PAID", "40.00"),
    ("2026-04-30T17:00:00", "PAID", "40.00"),
    ("2026-04-30T23:00:00", "PAID", "999.00"),
    ("2026-03-10T08:00:00", "SHIPPED", "7.00"),  # a tie with what is taken out
    ("2026-03-31T23:00:00", "SHIPPED", "7.00"),
    ("2026-03-20T08:00:00", "SHIPPED", "70.00"),
    ("2026-03-28T23:30:00", "REFUNDED", "3.00"),  # Berlin's clocks change on the 29th
    ("2026-03-29T01:30:00", "REFUNDED", "9.00"),
    ("2026-10-25T00:30:00", "REFUNDED", "5.00"),  # and back on 25 October
    ("2026-10-31T23:30:00", "REFUNDED", "0.50"),  # local November in all three
    ("2026-05-12T10:00:00", "CANCELLED", "12.00"),  # nothing at an edge
    ("2026-06-15T10:00:00", "CANCELLED", "15.00"),
]


async def test_extremes_at_the_edges_of_local_months_equal_the_rows(gql, db, monkeypatch):
    """Month cells read for the local month they mostly lie in keep the extremes of
    what they hold beyond it: where such a value is a group's extreme or ties with it,
    the group's records answer, with one more statement; elsewhere the cells do."""
    customer = await make_customer()
    for at, status, total in EDGE_ORDERS:
        placed = datetime.fromisoformat(at).replace(tzinfo=UTC)
        await make_order_with_total(customer, total, status=OrderStatus(status), placed_at=placed)
    await rollups.rebuild_all()
    ranges = [
        {"placedAt": {"gte": "2026-01-01T00:00:00Z"}},
        {"placedAt": {"gte": "2026-02-01T00:00:00Z", "lt": "2026-12-01T00:00:00Z"}},
    ]
    month = [{"field": "STATUS"}, {"field": "CURRENCY"},
             {"field": "PLACED_AT", "granularity": "MONTH"}]  # fmt: skip

    async def ask(zone: str, filter_: dict[str, Any]) -> tuple[Any, int]:
        groups, reads = await ask_reads(zone, filter_)
        return groups, len(reads)

    async def ask_reads(zone: str, filter_: dict[str, Any]) -> tuple[Any, list[str]]:
        question = {"filter": filter_, "groupBy": month, "timeZone": zone}
        with count_statements() as statements:
            body = await gql.execute(EXTREMES, question)
        assert body["extensions"]["aggregation"] == ["rollup"], body
        assert body["data"] == (await live.execute(EXTREMES, question))["data"], question
        reads = [sql for sql in statements if " FROM " in sql.upper()]
        return body["data"]["ordersAggregate"]["groups"], reads

    def extremes(groups: Any, status: str) -> dict[str, tuple[str, str]]:
        return {
            g["key"]["placedAt"][:7]: (g["min"]["total"], g["max"]["total"])
            for g in groups
            if g["key"]["status"] == status
        }

    async with live_client(db, gql) as live:
        for zone in ("Asia/Kolkata", "Asia/Kathmandu", "Europe/Berlin"):
            for filter_ in ranges:
                await ask(zone, filter_)
        groups, reads = await ask("Asia/Kolkata", ranges[0])
        assert extremes(groups, "PAID") == {
            "2026-03": ("50.00", "50.00"),
            "2026-04": ("1.00", "50.00"),
            "2026-05": ("999.00", "999.00"),
        }
        assert extremes(groups, "SHIPPED") == {"2026-03": ("7.00", "70.00"),
                                               "2026-04": ("7.00", "7.00")}  # fmt: skip
        assert reads == 3  # the stored span, the cells, the records of the doubtful groups
        _, texts = await ask_reads("Asia/Kolkata", ranges[0])
        assert "g_index" in texts[-1]  # a SELECT per group
        groups, _ = await ask("Europe/Berlin", ranges[1])
        assert extremes(groups, "PAID")["2026-03"] == ("50.00", "50.00")
        assert extremes(groups, "REFUNDED") == {
            "2026-03": ("3.00", "9.00"),
            "2026-10": ("5.00", "5.00"),
            "2026-11": ("0.50", "0.50"),
        }
        # No extreme at an edge (only the middle of the months asked): the cells alone.
        _, reads = await ask(
            "Asia/Kolkata",
            {"placedAt": {"gte": "2026-01-01T00:00:00Z"}, "status": {"in": ["CANCELLED"]}},
        )
        assert reads == 2
        # A stale month cell: its records answer too, and every answer stays the rows'.
        order = await Order.get(placed_at=datetime(2026, 3, 15, 12, tzinfo=UTC))
        await _send(gql, STATUS, {"id": gid(order), "status": "SHIPPED",
                                  "version": order.version})  # fmt: skip
        assert await OrderRollup.filter(stale=1).exists()
        for zone in ("Asia/Kolkata", "Asia/Kathmandu", "Europe/Berlin", "UTC"):
            for filter_ in ranges:
                await ask(zone, filter_)
        # Many such groups are read by one grouped statement instead of a SELECT each.
        monkeypatch.setattr(rollups, "_GROUPS_APART", 0)
        for zone in ("Asia/Kolkata", "Asia/Kathmandu", "Europe/Berlin"):
            for filter_ in ranges:
                _, reads = await ask_reads(zone, filter_)
                grouped = [sql for sql in reads if "crm_order" in sql and "GROUP BY" in sql]
                assert grouped  # (and the stale cell's records, if not yet repaired)
                assert not any("g_index" in sql for sql in reads)
