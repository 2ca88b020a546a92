"""How a page's statement is written: a page chosen from an index before its rows are
read (a deferred join) comes in the same order, with the same cursors and counts, as
one read whole; a list that fits on its page counts its rows without a statement."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tortoise.expressions import Q, Subquery

from crm_graphql.api.pagination.cursors import SortKey
from crm_graphql.api.pagination.deferred import deferred_pays
from crm_graphql.domains.billing.filters import overdue_q
from crm_graphql.domains.billing.models import Invoice, InvoiceStatus
from crm_graphql.domains.billing.services import today_utc
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.interactions.models import Interaction
from crm_graphql.domains.support.models import Ticket, TicketStatus
from tests.factories import BASE_TIME, make_customer, make_interaction, make_invoice
from tests.helpers import count_statements

OVERDUE = """query($first: Int, $after: String, $last: Int, $before: String,
                  $direction: SortDirection) {
  invoices(first: $first, after: $after, last: $last, before: $before,
           filter: {overdue: {eq: true}}, orderBy: [{field: DUE_DATE, direction: $direction}]) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { number dueDate balance customer { lastName } } } }"""


def _plain(statements: list[str]) -> list[str]:
    return [sql.replace("`", '"') for sql in statements if "VERSION()" not in sql]


async def _invoices(count: int, customers: list[Any]) -> None:
    """Invoices due on a few days (many on the same day), open and paid, late and not."""
    today = today_utc()
    statuses = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)
    for n in range(count):
        late = n % 5 != 4
        due = today - timedelta(days=1 + n % 4) if late else today + timedelta(days=3)
        await make_invoice(
            customers[n % len(customers)],
            status=statuses[n % 3],
            due_date=due,
            total=Decimal(100 + n),
        )


async def _expected_overdue() -> list[str]:
    rows = await Invoice.filter(overdue_q(today_utc())).values_list("due_date", "id", "number")
    return [number for _, _, number in sorted(rows)]


async def _walk(gql: Any, variables: dict[str, Any], size: int, total: int) -> list[str]:
    """The numbers of every page forwards (or backwards with ``last``), each page's
    count checked."""
    backwards = "last" in variables
    seen: list[str] = []
    cursor = None
    while True:
        arguments = {**variables, ("last" if backwards else "first"): size}
        if cursor is not None:
            arguments["before" if backwards else "after"] = cursor
        page = (await gql.data(OVERDUE, arguments))["invoices"]
        assert page["totalCount"] == total
        numbers = [node["number"] for node in page["nodes"]]
        seen = numbers + seen if backwards else seen + numbers
        info = page["pageInfo"]
        if not info["hasPreviousPage" if backwards else "hasNextPage"]:
            return seen
        cursor = info["startCursor" if backwards else "endCursor"]


async def test_overdue_invoices_by_due_date_page_the_same_way_through_the_index(gql, db):
    customers = [await make_customer(last_name=f"Owner{n}") for n in range(3)]
    await _invoices(30, customers)
    expected = await _expected_overdue()
    assert len(expected) == 16  # 24 late, a third of them paid

    assert await _walk(gql, {"last": None}, 5, len(expected)) == expected
    assert await _walk(gql, {}, 5, len(expected)) == expected
    assert await _walk(gql, {"direction": "DESC"}, 3, len(expected)) == expected[::-1]

    with count_statements() as statements:
        page = (await gql.data(OVERDUE, {"first": 4}))["invoices"]
    assert [node["number"] for node in page["nodes"]] == expected[:4]
    assert all(node["customer"]["lastName"].startswith("Owner") for node in page["nodes"])
    (chosen,) = [sql for sql in _plain(statements) if 'FROM "invoice"' in sql and "LIMIT" in sql]
    # The keys of the page from the (status, currency, due_date, balance) index first.
    assert 'JOIN (SELECT "id" "id" FROM "invoice" WHERE' in chosen, chosen

    # The statements of a page do not grow with the rows.
    await _invoices(20, customers)
    with count_statements() as more:
        await gql.data(OVERDUE, {"first": 4})
    assert len(_plain(more)) == len(_plain(statements))


async def test_a_page_in_the_order_of_an_index_reads_its_rows_directly(gql, db):
    for _ in range(3):
        await make_customer()
    with count_statements() as statements:
        data = await gql.data("{ customers(first: 2) { nodes { firstName email } } }")
    assert len(data["customers"]["nodes"]) == 2
    (page,) = _plain(statements)
    assert "JOIN (SELECT" not in page, page


async def test_nested_pages_number_their_keys_and_read_only_their_rows(gql, db):
    customers = [await make_customer() for _ in range(3)]
    expected: dict[str, list[str]] = {}
    for index, customer in enumerate(customers):
        made = []
        for n in range(3 + 2 * index):
            # Two interactions at each time: the ID breaks the tie.
            when = BASE_TIME + timedelta(hours=n // 2)
            made.append((when, (await make_interaction(customer, occurred_at=when)).id))
        ordered = sorted(made, reverse=True)  # newest first, then the larger ID
        subjects = dict(await Interaction.filter(customer=customer).values_list("id", "subject"))
        expected[customer.last_name] = [subjects[pk] for _, pk in ordered]
    query = """{ customers(first: 3) { nodes { lastName
      newest: interactions(first: 4) { totalCount pageInfo { hasNextPage }
        nodes { subject body } }
      oldest: interactions(last: 2) { totalCount pageInfo { hasPreviousPage }
        nodes { subject } } } } }"""
    with count_statements() as statements:
        data = await gql.data(query)
    for node in data["customers"]["nodes"]:
        wanted = expected[node["lastName"]]
        assert [n["subject"] for n in node["newest"]["nodes"]] == wanted[:4]
        assert node["newest"]["pageInfo"]["hasNextPage"] == (len(wanted) > 4)
        assert [n["subject"] for n in node["oldest"]["nodes"]] == wanted[-2:]
        assert node["newest"]["totalCount"] == node["oldest"]["totalCount"] == len(wanted)
    windowed = [sql for sql in _plain(statements) if "ROW_NUMBER()" in sql]
    assert len(windowed) == 2, statements
    for sql in windowed:
        # Numbered from the (customer_id, occurred_at) index, the rows read by key.
        assert 'ROW_NUMBER() OVER(PARTITION BY "customer_id"' in sql, sql
        assert 'JOIN "interaction" ON "interaction"."id"="ranked"."id"' in sql, sql


async def test_a_list_that_fits_on_its_page_is_counted_without_a_statement(gql, db):
    empty = await gql.data("{ customers(first: 5) { totalCount nodes { id } } }")
    assert empty["customers"]["totalCount"] == 0
    few = await make_customer()
    many = await make_customer()
    for _ in range(2):
        await make_interaction(few)
    for _ in range(5):
        await make_interaction(many)
    query = """query($first: Int, $after: String) {
      customers(first: $first, after: $after) { totalCount pageInfo { endCursor }
        nodes { id interactions(first: 3) { totalCount } } } }"""

    def counts(statements: list[str]) -> list[str]:
        return [sql for sql in statements if "COUNT(" in sql.upper()]

    with count_statements() as statements:
        data = (await gql.data(query, {"first": 5}))["customers"]
    assert data["totalCount"] == 2
    assert sorted(n["interactions"]["totalCount"] for n in data["nodes"]) == [2, 5]
    # Only the interactions of the customer with more than a page are counted.
    (counted,) = counts(statements)
    assert "interaction" in counted

    with count_statements() as statements:
        first = (await gql.data(query, {"first": 1}))["customers"]
    assert first["totalCount"] == 2
    assert any("customer" in sql and "interaction" not in sql for sql in counts(statements))

    # After a cursor the page does not hold the whole list: counted.
    with count_statements() as statements:
        rest = await gql.data(query, {"first": 5, "after": first["pageInfo"]["endCursor"]})
    assert rest["customers"]["totalCount"] == 2
    assert len(rest["customers"]["nodes"]) == 1
    assert any("customer" in sql and "interaction" not in sql for sql in counts(statements))


def test_a_deferred_join_is_written_only_where_an_index_covers_the_choice_and_not_the_order():
    overdue = overdue_q(date(2026, 11, 30))
    by_due = (SortKey("due_date", False), SortKey("id", False))
    newest = (SortKey("created_at", True), SortKey("id", True))
    # The (status, currency, due_date, balance) index covers it; nothing gives the order.
    assert deferred_pays(Invoice, (overdue, Q()), by_due, None)
    assert deferred_pays(Invoice, (overdue,), by_due, ("id", "due_date", "number"))
    # The index alone answers the page: nothing to defer.
    assert not deferred_pays(Invoice, (overdue,), by_due, ("id", "due_date", "status"))
    # (created_at, id) gives the order: the page is read in order and stops.
    assert not deferred_pays(Invoice, (Q(),), newest, None)
    live = Q(deleted_at__isnull=True, lifecycle_stage="CUSTOMER")
    assert not deferred_pays(Customer, (live,), newest, None)
    # A condition through a relation is not analysed.
    assert not deferred_pays(Invoice, (Q(customer__last_name="X"),), by_due, None)
    # No index holds the condition's columns.
    assert not deferred_pays(Invoice, (Q(notes="x"),), by_due, None)
    # Open tickets by due time: (status, resolution_due_at) covers it, two statuses do not
    # give one order; a row rule's subquery reads other tables only.
    due = (SortKey("resolution_due_at", False), SortKey("id", False))
    open_ = Q(status__in=[TicketStatus.NEW, TicketStatus.OPEN])
    assert deferred_pays(Ticket, (open_,), due, None)
    own = Q(customer_id__in=Subquery(Customer.filter(owner_id=1).values("id")))
    assert not deferred_pays(Ticket, (open_ & own,), due, None)  # customer_id: not covered
    # One status gives the order of the index.
    assert not deferred_pays(Ticket, (Q(status=TicketStatus.OPEN),), due, None)
