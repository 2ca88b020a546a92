"""The planned read path: lists read only the columns a request needs, cursors are made
only when selected, and the garbage collector is tuned once the server has started."""

from __future__ import annotations

import gc

from crm_graphql.api.runtime import gc as runtime_gc
from tests.customers.test_customer_360 import HEADLINE, _build_customers
from tests.helpers import count_statements


async def test_a_page_reads_only_the_columns_its_fields_use(gql, db):
    await _build_customers(2, interactions=3, orders=2)
    with count_statements() as statements:
        data = await gql.data(HEADLINE, {"first": 5})
    assert len(data["customers"]["nodes"]) == 2
    interactions = [sql for sql in statements if "interaction" in sql and "ROW_NUMBER" in sql]
    assert len(interactions) == 1, statements
    # Neither the body nor the columns of other fields are read for this page...
    assert "body" not in interactions[0]
    assert "subject" in interactions[0]
    customers = [sql for sql in statements if 'FROM "customer"' in sql or "FROM `customer`" in sql]
    assert customers and all("address" not in sql for sql in customers), customers
    # ... and the references are read in the statements of their pages (see
    # test_customer_360; the standard path reads each in a statement of its own; and
    # every customer is on the page: totalCount needs no statement).
    assert len(statements) == 6, statements


async def test_a_field_whose_columns_are_unknown_reads_whole_rows(gql, db):
    await _build_customers(1, interactions=1, orders=0)
    # ``address`` has a resolver that declares no columns: it gets the whole row.
    query = "{ customers(first: 5) { nodes { id address { line1 city } } } }"
    with count_statements() as statements:
        data = await gql.data(query)
    assert len(data["customers"]["nodes"]) == 1
    customers = [sql for sql in statements if "customer" in sql and "LIMIT" in sql]
    assert customers and all("address_line2" in sql for sql in customers), statements


async def test_cursors_of_a_page_are_the_ones_to_page_on(gql, db):
    await _build_customers(3, interactions=0, orders=0)
    query = """query($after: String) { customers(first: 2, after: $after) {
      pageInfo { startCursor endCursor hasNextPage } edges { cursor } nodes { id } } }"""
    first = (await gql.data(query))["customers"]
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    second = (await gql.data(query, {"after": first["pageInfo"]["endCursor"]}))["customers"]
    assert len(second["nodes"]) == 1
    assert {n["id"] for n in second["nodes"]}.isdisjoint(n["id"] for n in first["nodes"])
    assert second["pageInfo"]["hasNextPage"] is False


async def test_nested_lists_are_read_once_for_the_whole_page(gql, gql_as, db, monkeypatch):
    await _build_customers(3, interactions=2, orders=2)
    from crm_graphql.api.pagination.fields import ConnectionExtension
    from crm_graphql.api.roles import Role

    per_row = []
    standard_child_page = ConnectionExtension._child_page

    def counted(self, *args, **kwargs):
        per_row.append(self.spec.model.__name__)
        return standard_child_page(self, *args, **kwargs)

    monkeypatch.setattr(ConnectionExtension, "_child_page", counted)
    with count_statements() as statements:
        data = await gql.data(HEADLINE, {"first": 5})
    assert len(data["customers"]["nodes"]) == 3
    # ADMIN: every customer's pages were read for the page at once, none row by row...
    assert per_row == []
    # The statements of test_customer_360 (a new process's first MySQL connection also
    # asks the server's version once; every customer is on the page: totalCount needs no statement).
    assert len([sql for sql in statements if "VERSION()" not in sql]) == 6, statements
    # ... and a role some field rule denies resolves them row by row, as before.
    analyst = await gql_as(Role.ANALYST)
    await analyst.execute(HEADLINE, {"first": 5})
    assert len(per_row) >= 3, per_row


def test_the_collector_is_tuned_once_after_start(monkeypatch):
    from crm_graphql.settings import load_settings

    before = gc.get_threshold()
    monkeypatch.setattr(runtime_gc, "_tuned", False)
    try:
        runtime_gc.tune_after_start(load_settings(gc_threshold=40_000, gc_freeze=True))
        assert gc.get_threshold() == (40_000, *runtime_gc.OLDER_THRESHOLDS)
        assert gc.get_freeze_count() > 0
        # Once per process: a second app in the same process changes nothing.
        runtime_gc.tune_after_start(load_settings(gc_threshold=1_000))
        assert gc.get_threshold()[0] == 40_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


async def test_the_rows_of_a_page_run_as_compiled_plans(gql, db, monkeypatch):
    """No row of the headline page falls back to graphql-core's per-field execution: a
    compiled plan that gave up would still answer the same bytes, only slower."""
    await _build_customers(3, interactions=2, orders=2)
    from crm_graphql.api import compiled
    from crm_graphql.api.execution import CrmExecutionContext

    executed: list[str] = []
    standard_execute_field = CrmExecutionContext.execute_field

    def counted(self, parent_type, *args, **kwargs):
        executed.append(parent_type.name)
        return standard_execute_field(self, parent_type, *args, **kwargs)

    monkeypatch.setattr(CrmExecutionContext, "execute_field", counted)
    data = await gql.data(HEADLINE, {"first": 5})
    assert len(data["customers"]["nodes"]) == 3
    # The root list and its connection only; customers, their pages and rows are plans.
    assert set(executed) <= {"Query", "CustomerConnection"}, executed
    assert any(factory is not None for factory in compiled._FACTORIES.values())


async def test_rows_with_a_field_the_caller_may_not_read_run_as_plans(gql_as, db, monkeypatch):
    """An ANALYST's rows run as plans though ``email`` is denied: it is null in every
    row, and its one FORBIDDEN error carries the first row's path, as before."""
    await _build_customers(3, interactions=0, orders=0)
    from crm_graphql.api.execution import CrmExecutionContext
    from crm_graphql.api.roles import Role

    executed: list[str] = []
    standard_execute_field = CrmExecutionContext.execute_field

    def counted(self, parent_type, *args, **kwargs):
        executed.append(parent_type.name)
        return standard_execute_field(self, parent_type, *args, **kwargs)

    monkeypatch.setattr(CrmExecutionContext, "execute_field", counted)
    analyst = await gql_as(Role.ANALYST)
    query = "{ customers(first: 5) { nodes { firstName email mail: email } } }"
    result = await analyst.execute(query)
    nodes = result["data"]["customers"]["nodes"]
    assert len(nodes) == 3
    assert all(node["email"] is None and node["mail"] is None for node in nodes)
    assert [(e["path"], e["extensions"]["code"]) for e in result["errors"]] == [
        (["customers", "nodes", 0, "email"], "FORBIDDEN")
    ]
    assert "Customer" not in executed, executed
