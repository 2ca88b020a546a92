"""exportPersonalData and erasePersonalData: everything held about a person, and its
erasure everywhere it was copied."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from tortoise import Tortoise, connections, fields

from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.db.idempotency import IdempotencyRecord
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.orders.models import Order
from crm_graphql.events.models import OutboxEvent
from tests.factories import gid, make_customer
from tests.helpers import count_statements
from tests.privacy.people import make_person

EXPORT = """mutation($id: ID!) { exportPersonalData(customerId: $id) {
  document userErrors { field code message } } }"""
ERASE = """mutation($id: ID!, $reason: String!) {
  erasePersonalData(customerId: $id, reason: $reason) {
  customer { id firstName lastName email phone }
  erased { interactions tickets ticketComments leads tasks auditEvents copies }
  userErrors { field code message } } }"""
UPDATE = """mutation($id: ID!, $input: UpdateCustomerInput!) {
  updateCustomer(id: $id, input: $input) {
  userErrors { code } } }"""
INTERACTION = """mutation($input: CreateInteractionInput!) { createInteraction(input: $input) {
  userErrors { code } } }"""


async def _text_columns_holding(value: str) -> list[str]:
    """Every text column of every table whose rows hold ``value`` (any case)."""
    connection = connections.get("default")
    mysql = connection.capabilities.dialect == "mysql"
    placeholder = "%s" if mysql else "?"
    quote = "`" if mysql else '"'
    found = []
    for model in Tortoise.apps["models"].values():
        for name, column in model._meta.fields_map.items():
            if not isinstance(column, fields.CharField | fields.TextField | fields.JSONField):
                continue
            db_column = column.source_field or name
            statement = (
                f"SELECT COUNT(*) AS n FROM {quote}{model._meta.db_table}{quote} "
                f"WHERE LOWER({quote}{db_column}{quote}) LIKE {placeholder}"
            )
            _, rows = await connection.execute_query(statement, [f"%{value.lower()}%"])
            if rows[0]["n"]:
                found.append(f"{model._meta.db_table}.{db_column}")
    return found


async def test_export_holds_every_kind_of_record(gql):
    person = await make_person(2)
    data = await gql.data(EXPORT, {"id": gid(person.customer)})
    payload = data["exportPersonalData"]
    assert payload["userErrors"] == []
    document = payload["document"]
    assert document["customer"]["email"] == person.values["email"]
    assert document["customer"]["birth_date"] == "1980-02-03"
    assert [c["channel"] for c in document["consents"]] == ["EMAIL"]
    assert sorted(i["body"] for i in document["interactions"]) == sorted(
        person.values[f"interaction_{i}"] for i in range(2)
    )
    assert len(document["orders"]) == 2
    assert document["orders"][0]["items"][0]["quantity"] == 2
    assert document["orders"][0]["total"] == "20.00"
    assert len(document["opportunities"]) == 2
    assert document["opportunities"][0]["stageHistory"][0]["stage"] == "PROPOSAL"
    assert len(document["tickets"]) == 2
    assert person.values["email"] in document["tickets"][0]["comments"][0]["body"]
    assert len(document["tasks"]) == 2
    assert len(document["campaignMemberships"]) == 2
    assert len(document["invoices"]) == 2 and len(document["payments"]) == 2
    assert [lead["notes"] for lead in document["leads"]] == [person.values["lead_note"]]
    assert all("token_hash" not in s for t in document["tickets"] for s in t["surveys"])


async def test_export_reads_a_constant_number_of_statements(gql):
    small = await make_person(1)
    large = await make_person(5)
    counts = []
    for person in (small, large):
        with count_statements() as statements:
            await gql.data(EXPORT, {"id": gid(person.customer)})
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


async def test_export_is_audited_without_personal_values(gql):
    person = await make_person(1)
    await gql.data(EXPORT, {"id": gid(person.customer)})
    event = await AuditEvent.get(action="customer.export_personal_data")
    assert event.entity_id == str(person.customer.pk)
    assert event.actor_user_id == gql.user.pk
    assert event.changes["records"]["interactions"] == 1
    assert person.values["email"] not in str(event.changes)


async def test_export_includes_audit_events_about_the_person(gql):
    person = await make_person(1)
    await gql.data(
        UPDATE, {"id": gid(person.customer), "input": {"version": 1, "jobTitle": "Head Gardener"}}
    )
    document = (await gql.data(EXPORT, {"id": gid(person.customer)}))["exportPersonalData"][
        "document"
    ]
    assert [e["action"] for e in document["auditEvents"]] == ["customer.update"]


async def test_only_admin_may_export_or_erase(gql_as):
    customer = await make_customer()
    manager = await gql_as(Role.MANAGER)
    for query, variables in (
        (EXPORT, {"id": gid(customer)}),
        (ERASE, {"id": gid(customer), "reason": "asked"}),
    ):
        error = await manager.error(query, variables)
        assert error["extensions"]["code"] == "FORBIDDEN"
    assert (await Customer.get(pk=customer.pk)).first_name == customer.first_name


async def test_bad_ids_and_reasons_are_user_errors(gql):
    order_id = "T3JkZXI6MQ"  # Order:1
    payload = (await gql.data(EXPORT, {"id": order_id}))["exportPersonalData"]
    assert payload["userErrors"][0]["code"] == "INVALID_ID"
    payload = (await gql.data(EXPORT, {"id": "Q3VzdG9tZXI6OTk5OTk"}))["exportPersonalData"]
    assert payload["userErrors"][0]["code"] == "NOT_FOUND"
    customer = await make_customer()
    payload = (await gql.data(ERASE, {"id": gid(customer), "reason": "  "}))["erasePersonalData"]
    assert payload["userErrors"] == [
        {"field": ["reason"], "code": "REQUIRED", "message": "Give the reason for the erasure."}
    ]
    assert (await Customer.get(pk=customer.pk)).email == customer.email


async def test_erasure_leaves_the_personal_values_nowhere_in_the_database(gql):
    person = await make_person(2)
    other = await make_person(1)
    customer_id = gid(person.customer)
    # Audit diffs with the person's name, and copies in an event and an idempotency record.
    await gql.data(
        UPDATE,
        {
            "id": customer_id,
            "input": {"version": 1, "firstName": person.values["first_name"] + "x"},
        },
    )
    await gql.data(
        UPDATE,
        {"id": customer_id, "input": {"version": 2, "firstName": person.values["first_name"]}},
    )
    await gql.data(
        INTERACTION,
        {
            "input": {
                "customer": customer_id,
                "channel": "CALL",
                "direction": "INBOUND",
                "subject": f"{person.values['last_name']} called",
                "body": person.values["interaction_0"],
            }
        },
    )
    await OutboxEvent.create(
        type="customer.updated",
        entity_type="Customer",
        entity_id=str(person.customer.pk),
        data={"customer": {"email": person.values["email"], "phone": person.values["phone"]}},
        created_at=datetime.now(UTC),
    )
    await IdempotencyRecord.create(
        key="k" * 64,
        result={"data": {"customer": {"lastName": person.values["last_name"]}}},
    )
    totals_before = sorted(
        str(total) for total in await Order.filter().values_list("total", flat=True)
    )

    payload = (
        await gql.data(
            ERASE,
            {"id": customer_id, "reason": f"Art. 17 request REQ-7 from {person.values['email']}"},
        )
    )["erasePersonalData"]

    assert payload["userErrors"] == []
    assert payload["customer"] == {
        "id": customer_id,
        "firstName": "[erased]",
        "lastName": "[erased]",
        "email": None,
        "phone": None,
    }
    assert payload["erased"]["interactions"] == 3
    assert payload["erased"]["ticketComments"] == 2
    assert payload["erased"]["leads"] == 1
    for key, value in person.values.items():
        assert await _text_columns_holding(value) == [], key
    # The other person is untouched, and so are orders and their amounts.
    assert await _text_columns_holding(other.values["email"]) != []
    assert await _text_columns_holding(other.values["interaction_0"]) != []
    totals_after = sorted(
        str(total) for total in await Order.filter().values_list("total", flat=True)
    )
    assert totals_after == totals_before
    assert await Order.filter(customer_id=person.customer.pk).count() == 2
    erased = await Customer.get(pk=person.customer.pk)
    assert erased.city is None and erased.birth_date is None
    event = await AuditEvent.get(action="customer.erase_personal_data")
    assert event.actor_user_id == gql.user.pk
    # Webhook receivers are told, with the record as it is now.
    announced = await OutboxEvent.filter(type="customer.updated").order_by("-id").first()
    assert announced is not None and announced.data["verb"] == "erase_personal_data"
    assert announced.data["object"]["firstName"] == "[erased]"
    assert event.changes["reason"] == "Art. 17 request REQ-7 from [erased]"
    assert event.changes["erased"]["interactions"] == 3


async def test_erasure_is_refused_while_an_invoice_is_in_its_retention_period(gql):
    person = await make_person(1, invoice_issued=date(datetime.now(UTC).year - 2, 1, 15))
    payload = (await gql.data(ERASE, {"id": gid(person.customer), "reason": "asked by e-mail"}))[
        "erasePersonalData"
    ]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["customerId"], "RETENTION_PERIOD")
    ]
    assert payload["customer"] is None
    assert (await Customer.get(pk=person.customer.pk)).email == person.values["email"]
    assert not await AuditEvent.filter(action="customer.erase_personal_data").exists()


async def test_invoices_older_than_the_retention_period_do_not_hold_erasure(gql):
    person = await make_person(1, invoice_issued=date(datetime.now(UTC).year - 11, 1, 15))
    payload = (await gql.data(ERASE, {"id": gid(person.customer), "reason": "asked by e-mail"}))[
        "erasePersonalData"
    ]
    assert payload["userErrors"] == []
    invoice_totals = [
        row["total"]
        for row in (await gql.data(EXPORT, {"id": gid(person.customer)}))["exportPersonalData"][
            "document"
        ]["invoices"]
    ]
    assert invoice_totals == [str(Decimal("20.00"))]


async def test_erasure_leaves_events_about_other_people_with_the_same_first_name(gql):
    person = await make_person(1)
    namesake = await make_customer(first_name=person.values["first_name"], last_name="Other")
    kept = await OutboxEvent.create(
        type="customer.created",
        entity_type="customer",
        entity_id=str(namesake.pk),
        data={"object": {"firstName": person.values["first_name"], "lastName": "Other"}},
        created_at=datetime.now(UTC),
    )
    payload = (await gql.data(ERASE, {"id": gid(person.customer), "reason": "asked by e-mail"}))[
        "erasePersonalData"
    ]
    assert payload["userErrors"] == []
    assert (await OutboxEvent.get(pk=kept.pk)).data == kept.data
    assert (await Customer.get(pk=namesake.pk)).first_name == person.values["first_name"]
