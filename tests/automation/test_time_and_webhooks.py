"""The NO_INTERACTION trigger (scheduled per open opportunity from its customer's last
interaction, moved by every new interaction) and the CALL_WEBHOOK action (a signed
delivery through the integration domain's webhook sender)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import crm_graphql.domains.integration.tasks  # noqa: F401  (registers the webhook sender)
from crm_graphql.api.roles import Role
from crm_graphql.domains.automation.models import AutomationRule
from crm_graphql.domains.integration import webhooks
from crm_graphql.domains.integration.models import WebhookDelivery, WebhookEndpoint
from crm_graphql.domains.integration.signing import SIGNATURE_HEADER, verify
from crm_graphql.domains.interactions.models import Interaction
from crm_graphql.domains.sales.models import OpportunityStage
from crm_graphql.domains.tasks.models import Task
from crm_graphql.events import ScheduledEvent
from tests.automation.conftest import drain, fast_settings
from tests.factories import gid, make_customer, make_interaction, make_opportunity, make_user
from tests.integration.receiver import receiver

CREATE_RULE = """mutation($input: CreateAutomationRuleInput!) {
  createAutomationRule(input: $input) {
  automationRule { id trigger delayDays action { action webhookId } }
  userErrors { field message code } } }"""
CREATE_INTERACTION = """mutation($input: CreateInteractionInput!) {
  createInteraction(input: $input) { userErrors { field message } } }"""
QUIET_RULE = {
    "name": "Quiet customer",
    "entity": "OPPORTUNITY",
    "trigger": "NO_INTERACTION",
    "delayDays": 7,
    "action": "CREATE_TASK",
    "taskTitle": "Call about {name}: a week without contact",
}


def _close(a: datetime, b: datetime) -> bool:
    return abs((a - b).total_seconds()) < 5


async def test_no_interaction_for_n_days_is_planned_moved_by_interactions_and_fires(gql, db):
    owner = await make_user(Role.SALES)
    customer = await make_customer(owner=owner)
    talked = datetime.now(UTC) - timedelta(days=2)
    await make_interaction(customer, occurred_at=talked)
    deal = await make_opportunity(customer, owner=owner, name="Quiet deal")
    closed = await make_opportunity(customer, owner=owner, stage=OpportunityStage.CLOSED_WON)
    made = (await gql.data(CREATE_RULE, {"input": QUIET_RULE}))["createAutomationRule"]
    assert made["userErrors"] == [] and made["automationRule"]["delayDays"] == 7
    settings = fast_settings(db)
    await drain(settings)
    # Saving the rule planned it for the open opportunity only, from the opportunity's
    # creation (later than the last interaction).
    planned = await ScheduledEvent.filter(type="automation.quiet_due")
    assert [int(s.entity_id) for s in planned] == [deal.pk]
    assert _close(planned[0].due_at, deal.created_at + timedelta(days=7))
    # A new interaction with the customer moves the time.
    sent = await gql.data(
        CREATE_INTERACTION,
        {
            "input": {
                "customer": gid(customer),
                "channel": "CALL",
                "direction": "OUTBOUND",
                "subject": "Checked in",
            }
        },
    )
    assert sent["createInteraction"]["userErrors"] == []
    await drain(settings)
    latest = await Interaction.filter(customer_id=customer.pk).order_by("-occurred_at").first()
    assert latest is not None
    moved = await ScheduledEvent.get(type="automation.quiet_due")
    assert _close(moved.due_at, latest.occurred_at + timedelta(days=7))
    # Due while the last interaction is recent (a backdated time): planned again, no task.
    await ScheduledEvent.all().update(due_at=datetime.now(UTC) - timedelta(seconds=1))
    await drain(settings, fire_scheduled=True)
    assert await Task.all().count() == 0
    assert await ScheduledEvent.filter(type="automation.quiet_due").count() == 1
    # Really quiet for a week: one task for the owner, about the open deal.
    await Interaction.filter(customer_id=customer.pk).update(
        occurred_at=datetime.now(UTC) - timedelta(days=8)
    )
    await ScheduledEvent.all().update(due_at=datetime.now(UTC) - timedelta(seconds=1))
    await drain(settings, fire_scheduled=True)
    tasks = await Task.all()
    assert [(t.title, t.assignee_id, t.opportunity_id) for t in tasks] == [
        ("Call about Quiet deal: a week without contact", owner.pk, deal.pk)
    ]
    assert closed.pk not in {t.opportunity_id for t in tasks}


async def test_no_interaction_rules_are_checked(gql, db):
    for rule, field in (
        ({**QUIET_RULE, "delayDays": None}, "delayDays"),
        ({**QUIET_RULE, "delayDays": 400}, "delayDays"),
        ({**QUIET_RULE, "entity": "LEAD", "taskTitle": "Call {name}"}, "trigger"),
    ):
        payload = (await gql.data(CREATE_RULE, {"input": rule}))["createAutomationRule"]
        assert payload["automationRule"] is None
        assert [e["field"][-1] for e in payload["userErrors"]] == [field], payload
    assert await AutomationRule.all().count() == 0


async def test_new_opportunity_is_planned_from_the_customers_last_interaction(gql, db):
    await AutomationRule.create(
        name="Quiet",
        entity="OPPORTUNITY",
        trigger="NO_INTERACTION",
        delay_days=3,
        action="SET_FIELD",
        params={"field": "probability", "value": 5},
    )
    customer = await make_customer()
    made = await gql.data(
        """mutation($input: CreateOpportunityInput!) {
          createOpportunity(input: $input) { opportunity { id } userErrors { field } } }""",
        {
            "input": {
                "customer": gid(customer),
                "name": "New deal",
                "amount": "100",
                "currency": "EUR",
            }
        },
    )
    assert made["createOpportunity"]["userErrors"] == []
    await drain(fast_settings(db))
    planned = await ScheduledEvent.get(type="automation.quiet_due")
    assert timedelta(days=2, hours=23) < planned.due_at - datetime.now(UTC) <= timedelta(days=3)


async def test_call_webhook_rule_posts_the_record_signed_once_per_run(gql, db):
    settings = fast_settings(db, webhook_allow_loopback=True, webhook_timeout_seconds=2.0)
    webhooks.configure(settings)
    try:
        async with receiver() as hook:
            endpoint = await WebhookEndpoint.create(
                url=hook.url, event_types=[], secret="whsec_test_secret"
            )
            missing = (
                await gql.data(
                    CREATE_RULE,
                    {
                        "input": {
                            "name": "Tell the ERP",
                            "entity": "OPPORTUNITY",
                            "trigger": "FIELD_CHANGED",
                            "field": "stage",
                            "toValue": "NEGOTIATION",
                            "action": "CALL_WEBHOOK",
                        }
                    },
                )
            )["createAutomationRule"]
            assert [e["field"][-1] for e in missing["userErrors"]] == ["webhook"]
            made = (
                await gql.data(
                    CREATE_RULE,
                    {
                        "input": {
                            "name": "Tell the ERP",
                            "entity": "OPPORTUNITY",
                            "trigger": "FIELD_CHANGED",
                            "field": "stage",
                            "toValue": "NEGOTIATION",
                            "action": "CALL_WEBHOOK",
                            "webhook": _endpoint_id(endpoint.pk),
                        }
                    },
                )
            )["createAutomationRule"]
            assert made["userErrors"] == [], made
            assert made["automationRule"]["action"]["webhookId"] == _endpoint_id(endpoint.pk)
            deal = await make_opportunity(await make_customer(), name="ERP deal")
            moved = await gql.data(
                """mutation($id: ID!) { moveOpportunityStage(id: $id, stage: NEGOTIATION,
                version: 1) { userErrors { code } } }""",
                {"id": gid(deal)},
            )
            assert moved["moveOpportunityStage"]["userErrors"] == []
            await drain(settings)
            assert len(hook.ok()) == 1
            received = hook.ok()[0]
            assert verify(
                "whsec_test_secret", received.body, received.headers[SIGNATURE_HEADER.lower()]
            )
            body = json.loads(received.body)
            assert body["type"] == "automation.rule_fired"
            assert body["data"]["object"]["id"] == gid(deal)
            assert body["data"]["rule"]["name"] == "Tell the ERP"
            delivery = await WebhookDelivery.get()
            assert delivery.status == "SUCCEEDED" and delivery.endpoint_id == endpoint.pk
    finally:
        webhooks.configure(None)


def _endpoint_id(pk: int) -> str:
    from crm_graphql.api.ids import to_global_id

    return to_global_id("WebhookEndpoint", pk)
