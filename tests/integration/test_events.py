"""Changes become webhook events in their own transaction: the documented types, the
record as an ADMIN reads it, nothing for a refused change."""

from __future__ import annotations

from crm_graphql.api.roles import Role
from crm_graphql.events import OutboxEvent
from tests.factories import gid, make_customer, make_opportunity, make_order


async def events(type_: str) -> list[OutboxEvent]:
    return await OutboxEvent.filter(type=type_).order_by("id")


async def test_stage_and_status_changes_are_their_own_event_types(as_role, db):
    admin = await as_role(Role.ADMIN)
    customer = await make_customer(email="ann@example.com")
    opportunity = await make_opportunity(customer)
    data = await admin.data(
        "mutation($id: ID!, $v: Int!) { moveOpportunityStage(id: $id, stage: NEGOTIATION, "
        "version: $v) { userErrors { message } } }",
        {"id": gid(opportunity), "v": opportunity.version},
    )
    assert data["moveOpportunityStage"]["userErrors"] == []
    [moved] = await events("opportunity.stage_changed")
    assert moved.entity_id == str(opportunity.pk)
    assert moved.data["object"]["stage"] == "NEGOTIATION"
    assert moved.data["object"]["customer"] == gid(customer)
    order = await make_order(customer, status="PAID")
    data = await admin.data(
        "mutation($id: ID!, $v: Int!) { changeOrderStatus(id: $id, status: SHIPPED, "
        "version: $v) { userErrors { message } } }",
        {"id": gid(order), "v": order.version},
    )
    assert data["changeOrderStatus"]["userErrors"] == []
    [shipped] = await events("order.status_changed")
    assert shipped.data["object"]["status"] == "SHIPPED"
    assert shipped.data["changes"]["status"] == "SHIPPED"


async def test_a_refused_change_writes_no_event(as_role, db):
    admin = await as_role(Role.ADMIN)
    data = await admin.data(
        'mutation { createCustomer(input: {firstName: "A", lastName: "B", email: "nope"}) '
        "{ userErrors { field } } }"
    )
    assert data["createCustomer"]["userErrors"]
    assert await OutboxEvent.all().count() == 0


async def test_import_jobs_are_visible_to_managers_and_their_starter_only(as_role, db, tmp_path):
    from crm_graphql.domains.integration.models import ImportJob

    job = await ImportJob.create(
        entity="customers",
        file_sha256="x",
        options_key="y",
        file_path="/nonexistent",
        encoding="utf-8",
        delimiter=",",
    )
    query = "query($id: ID!) { importJob(id: $id) { status } }"
    variables = {"id": gid(job)}
    manager = await as_role(Role.MANAGER)
    assert (await manager.data(query, variables))["importJob"] == {"status": "QUEUED"}
    sales = await as_role(Role.SALES)
    assert (await sales.data(query, variables))["importJob"] is None
