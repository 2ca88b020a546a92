"""The rows a page's references point to (a customer's ``company``, an interaction's
``author``, an order item's ``product``) are read in the page's own statement."""

from __future__ import annotations

from datetime import UTC, datetime

from crm_graphql.api.roles import Role
from tests.customers.test_customer_360 import HEADLINE, _build_customers
from tests.factories import make_company, make_customer, make_interaction, make_user
from tests.helpers import count_statements


def _plain(statements: list[str]) -> list[str]:
    return [sql.replace("`", '"') for sql in statements if "VERSION()" not in sql]


async def test_references_of_a_page_are_joined_into_its_statements(gql, db):
    await _build_customers(3, interactions=2, orders=2)
    with count_statements() as statements:
        data = await gql.data(HEADLINE, {"first": 5})
    nodes = data["customers"]["nodes"]
    assert [node["company"]["name"] for node in nodes] == ["Acme 2", "Acme 1", "Acme 0"]
    for node in nodes:
        assert {i["author"]["name"] for i in node["interactions"]["nodes"]} == {"Ada Author"}
        for order in node["orders"]["nodes"]:
            assert all(item["product"]["name"] for item in order["items"])
    plain = _plain(statements)
    joined = [sql for sql in plain if "LEFT JOIN" in sql]
    assert len(joined) == 3, plain
    # No statement reads the referenced tables on their own.
    for table in ("company", "crm_user", "product"):
        assert not any(f'FROM "{table}"' in sql for sql in plain), plain
    # (and every customer is on the page: totalCount needs no statement)
    assert len(plain) == 6, plain


async def test_a_missing_or_hidden_reference_is_null_and_admin_sees_the_hidden_one(gql_as, db):
    hidden = await make_company(name="Gone Ltd", deleted_at=datetime(2026, 1, 1, tzinfo=UTC))
    shown = await make_company(name="Here Ltd")
    await make_customer(first_name="A", company=hidden)
    await make_customer(first_name="B", company=shown)
    await make_customer(first_name="C")
    query = """{ customers(first: 5, orderBy: [{field: FIRST_NAME}]) {
      nodes { firstName company { name } } } }"""
    expected = {
        Role.ADMIN: {"A": {"name": "Gone Ltd"}, "B": {"name": "Here Ltd"}, "C": None},
        Role.MANAGER: {"A": None, "B": {"name": "Here Ltd"}, "C": None},
        Role.ANALYST: {"A": None, "B": {"name": "Here Ltd"}, "C": None},
    }
    for role, companies in expected.items():
        client = await gql_as(role)
        with count_statements() as statements:
            data = await client.data(query)
        found = {node["firstName"]: node["company"] for node in data["customers"]["nodes"]}
        assert found == companies, role
        # Joined for every role: the query selects no field a rule denies any of them
        # (see test_a_caller_denied_a_field_reads_references_apart).
        assert len(_plain(statements)) == 1, statements


async def test_rows_pointing_to_one_row_and_to_none(gql, db):
    customer = await make_customer()
    author = await make_user(name="Bo Author")
    for _ in range(3):
        await make_interaction(customer, author=author)
    await make_interaction(customer)
    query = """{ customers(first: 1) { nodes { interactions(first: 10) {
      nodes { author { name } } } } } }"""
    data = await gql.data(query)
    authors = [i["author"] for i in data["customers"]["nodes"][0]["interactions"]["nodes"]]
    assert sorted(authors, key=lambda a: a is None) == [{"name": "Bo Author"}] * 3 + [None]


async def test_a_reference_whose_fields_read_unknown_columns_is_read_on_its_own(gql, db):
    company = await make_company(name="Whole Ltd", city="Lyon")
    await make_customer(company=company)
    query = "{ customers(first: 5) { nodes { company { name address { city } } } } }"
    with count_statements() as statements:
        data = await gql.data(query)
    assert data["customers"]["nodes"][0]["company"] == {
        "name": "Whole Ltd",
        "address": {"city": "Lyon"},
    }
    plain = _plain(statements)
    # ``address`` declares no columns: the company is read whole, by key, as before.
    assert not any("LEFT JOIN" in sql for sql in plain), plain
    assert any('FROM "company"' in sql for sql in plain), plain


async def test_a_caller_denied_a_field_reads_references_apart(gql_as, db):
    """Which path carries the first FORBIDDEN error of a field depends on the order the
    request's statements complete in: for a caller a field rule denies something the
    references keep their statements, and the errors are the standard path's."""
    await _build_customers(2, interactions=2, orders=1)
    analyst = await gql_as(Role.ANALYST)
    with count_statements() as statements:
        body = await analyst.execute(HEADLINE, {"first": 5})
    assert [node["company"]["name"] for node in body["data"]["customers"]["nodes"]] == [
        "Acme 1",
        "Acme 0",
    ]
    assert body["errors"] and {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    plain = _plain(statements)
    assert not any("LEFT JOIN" in sql for sql in plain), plain
    assert len(plain) == 9, plain  # every customer is on the page: totalCount needs no statement


async def test_a_caller_whose_query_selects_nothing_denied_to_it_reads_references_joined(
    gql_as, db
):
    """A field rule denies MANAGER and SALES a user's ``email`` and ``role``, which the
    headline does not select (it selects a customer's ``email``, which they may read):
    decided from the document and the role, their pages join the references as an
    ADMIN's do, and answer what the ADMIN is answered."""
    await _build_customers(2, interactions=2, orders=1)
    admin = await gql_as(Role.ADMIN)
    expected = await admin.execute(HEADLINE, {"first": 5})
    for role in (Role.MANAGER, Role.SALES):
        client = await gql_as(role)
        with count_statements() as statements:
            body = await client.execute(HEADLINE, {"first": 5})
        # (the cost's throttle status counts down the seconds: the data and no error)
        assert body["data"] == expected["data"] and "errors" not in body, role
        plain = _plain(statements)
        assert len([sql for sql in plain if "LEFT JOIN" in sql]) == 3, plain
        for table in ("company", "crm_user", "product"):
            assert not any(f'FROM "{table}"' in sql for sql in plain), plain
        assert len(plain) == 6, plain


async def test_an_analyst_reads_references_joined_unless_the_document_names_a_denied_field(
    gql_as, db
):
    """An ANALYST may not read a customer's ``email``: a document that selects it
    anywhere (even under ``@skip(if: true)``, or in a fragment) keeps a statement per
    reference, one that does not joins them."""
    await _build_customers(2, interactions=2, orders=1)
    analyst = await gql_as(Role.ANALYST)
    without = HEADLINE.replace(" email ", " ")
    skipped = HEADLINE.replace(" email ", " email @skip(if: true) ")
    in_fragment = without.replace("lastName", "lastName ...Contact") + (
        "fragment Contact on Customer { email }"
    )
    answers = []
    for query, joined in ((without, True), (skipped, False), (in_fragment, False)):
        with count_statements() as statements:
            body = await analyst.execute(query, {"first": 5})
        plain = _plain(statements)
        assert any("LEFT JOIN" in sql for sql in plain) is joined, (query, plain)
        assert len(plain) == (6 if joined else 9), (query, plain)
        nodes = body["data"]["customers"]["nodes"]
        answers.append([{k: v for k, v in node.items() if k != "email"} for node in nodes])
        assert ("errors" in body) is (query is in_fragment), body
    assert answers[0] == answers[1] == answers[2]


async def test_a_row_rule_on_the_page_keeps_its_rows_and_their_references_are_joined(
    gql, gql_as, db
):
    """A SALES user reads the invoices and payments of its own customers only (a row
    rule in the page's statement); the references of those rows (an invoice's
    ``customer``, an allocation's ``invoice``, whose rule the reference declares to
    hold) are joined as for an ADMIN, in as many statements."""
    from tests.billing.test_reads import _world

    seller = await gql_as(Role.SALES)
    mine, _, own, _ = await _world(gql, seller.user)
    query = """{ invoices { nodes { number customer { lastName } } }
      payments { nodes { allocations { invoice { number } } } } }"""
    admin = await gql_as(Role.ADMIN)
    with count_statements() as admin_statements:
        await admin.data(query)
    with count_statements() as statements:
        data = await seller.data(query)
    assert data == {
        "invoices": {
            "nodes": [{"number": own["number"], "customer": {"lastName": mine.last_name}}]
        },
        "payments": {"nodes": [{"allocations": [{"invoice": {"number": own["number"]}}]}]},
    }
    plain = _plain(statements)
    assert any("LEFT JOIN" in sql for sql in plain), plain
    assert len(plain) == len(_plain(admin_statements)), plain
