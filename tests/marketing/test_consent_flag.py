"""Customer.marketingConsent and the per-channel EMAIL consent say the same thing:
changing either changes both, in one transaction; the migration brought existing data
in step."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

from tortoise.connection import connections
from tortoise.migrations.operations import RunSQL

from crm_graphql.api.roles import Role
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.leads.models import Lead
from crm_graphql.domains.marketing.models import (
    Campaign,
    CampaignMember,
    CampaignType,
    ConsentChannel,
    CustomerConsent,
)
from tests.factories import gid, make_customer

SET = """mutation($id: ID!, $channel: ConsentChannel!, $g: Boolean!) {
  setCustomerConsent(customerId: $id, channel: $channel, granted: $g, source: "phone call") {
    customer { marketingConsent consents { channel granted } } userErrors { code } } }"""
CREATE = """mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
  customer { id marketingConsent consents { channel granted source } } userErrors { code } } }"""
BULK = """mutation($inputs: [CreateCustomerInput!]!) { createCustomers(inputs: $inputs) {
  customers { marketingConsent consents { channel granted } } userErrors { code } } }"""
UPDATE = """mutation($id: ID!, $input: UpdateCustomerInput!) {
  updateCustomer(id: $id, input: $input) {
    customer { marketingConsent version consents { channel granted source } }
    userErrors { code } } }"""


async def _email(customer_id: int) -> bool | None:
    row = await CustomerConsent.get_or_none(customer_id=customer_id, channel=ConsentChannel.EMAIL)
    return None if row is None else row.granted


async def _flag(customer_id: int) -> bool:
    return (await Customer.get(pk=customer_id)).marketing_consent


async def test_email_consent_sets_the_marketing_consent_flag(gql_as, db):
    client = await gql_as(Role.MARKETING)
    customer = await make_customer()
    granted = (await client.data(SET, {"id": gid(customer), "channel": "EMAIL", "g": True}))[
        "setCustomerConsent"
    ]
    assert granted["customer"] == {
        "marketingConsent": True,
        "consents": [{"channel": "EMAIL", "granted": True}],
    }
    # Another channel leaves the flag alone.
    await client.data(SET, {"id": gid(customer), "channel": "SMS", "g": False})
    assert await _flag(customer.pk) is True
    await client.data(SET, {"id": gid(customer), "channel": "EMAIL", "g": False})
    assert (await _flag(customer.pk), await _email(customer.pk)) == (False, False)


async def test_the_flag_on_the_customer_grants_and_withdraws_email_consent(gql, db):
    made = (
        await gql.data(
            CREATE, {"input": {"firstName": "A", "lastName": "Yes", "marketingConsent": True}}
        )
    )["createCustomer"]["customer"]
    assert made["marketingConsent"] is True
    assert made["consents"] == [{"channel": "EMAIL", "granted": True, "source": "customer record"}]
    plain = (await gql.data(CREATE, {"input": {"firstName": "B", "lastName": "Never"}}))[
        "createCustomer"
    ]["customer"]
    assert plain["marketingConsent"] is False and plain["consents"] == []  # never asked
    bulk = (
        await gql.data(
            BULK,
            {
                "inputs": [
                    {"firstName": "C", "lastName": "Bulk", "marketingConsent": True},
                    {"firstName": "D", "lastName": "Bulk"},
                ]
            },
        )
    )["createCustomers"]["customers"]
    assert [c["consents"] for c in bulk] == [[{"channel": "EMAIL", "granted": True}], []]

    customer = await Customer.get(last_name="Yes")
    withdrawn = (
        await gql.data(
            UPDATE,
            {
                "id": gid(customer),
                "input": {"version": customer.version, "marketingConsent": False},
            },
        )
    )["updateCustomer"]["customer"]
    assert withdrawn["marketingConsent"] is False
    assert withdrawn["consents"] == [
        {"channel": "EMAIL", "granted": False, "source": "customer record"}
    ]
    # An update that leaves the flag alone leaves the consent alone.
    await CustomerConsent.filter(customer_id=customer.pk).update(source="kept")
    await gql.data(
        UPDATE,
        {"id": gid(customer), "input": {"version": withdrawn["version"], "lastName": "Other"}},
    )
    assert (await CustomerConsent.get(customer_id=customer.pk)).source == "kept"


async def test_an_unsubscribe_response_clears_the_flag(gql_as, db):
    client = await gql_as(Role.MARKETING)
    customer = await make_customer()
    await client.data(SET, {"id": gid(customer), "channel": "EMAIL", "g": True})
    campaign = await Campaign.create(name="News", type=CampaignType.EMAIL, currency="EUR")
    await CampaignMember.create(campaign=campaign, customer=customer)
    await client.data(
        """mutation($c: ID!, $r: [CampaignResponseInput!]!) {
          recordCampaignResponses(campaignId: $c, responses: $r) { applied } }""",
        {
            "c": gid(campaign),
            "r": [
                {"customer": gid(customer), "status": "UNSUBSCRIBED", "at": "2026-03-01T10:00:00Z"}
            ],
        },
    )
    assert (await _flag(customer.pk), await _email(customer.pk)) == (False, False)


async def test_a_converted_leads_consent_becomes_the_customers_email_consent(gql, db):
    lead = await Lead.create(last_name="Doe", email="doe@corp.example", marketing_consent=True)
    payload = (
        await gql.data(
            """mutation($id: ID!) { convertLead(id: $id) {
              customer { marketingConsent consents { channel granted } }
              userErrors { field } } }""",
            {"id": gid(lead)},
        )
    )["convertLead"]
    assert payload["customer"] == {
        "marketingConsent": True,
        "consents": [{"channel": "EMAIL", "granted": True}],
    }


async def test_the_migration_brings_existing_flags_and_consent_in_step(db):
    now = datetime.now(UTC)
    flag_only = await make_customer(marketing_consent=True)
    withdrawn = await make_customer(marketing_consent=True)
    granted = await make_customer(marketing_consent=False)
    neither = await make_customer(marketing_consent=False)
    for customer, answer in ((withdrawn, False), (granted, True)):
        await CustomerConsent.create(
            customer=customer,
            channel=ConsentChannel.EMAIL,
            granted=answer,
            changed_at=now,
            source="web form",
        )
    migration = importlib.import_module(
        "crm_graphql.db.migrations.0017_campaign_attribution"
    ).Migration
    (step,) = [
        op
        for op in migration.operations
        if isinstance(op, RunSQL) and "customer_consent" in str(op.sql)
    ]
    connection = connections.get("default")
    for statement in step.sql:
        await connection.execute_script(statement)
    assert (await _flag(flag_only.pk), await _email(flag_only.pk)) == (True, True)
    assert (
        await CustomerConsent.get(customer_id=flag_only.pk)
    ).source == "marketingConsent (migrated)"
    assert (await _flag(withdrawn.pk), await _email(withdrawn.pk)) == (False, False)
    assert (await _flag(granted.pk), await _email(granted.pk)) == (True, True)
    assert (await _flag(neither.pk), await _email(neither.pk)) == (False, None)
