"""Outbound webhooks: registration and its checks, signed deliveries to a real HTTP
receiver on loopback that fails, times out and succeeds, retries, disabling, the
delivery log and redelivery."""

from __future__ import annotations

import json
import time

from crm_graphql.api.roles import Role
from crm_graphql.domains.integration.models import WebhookEndpoint
from crm_graphql.domains.integration.signing import verify
from tests.events.conftest import wait_until
from tests.helpers import count_statements
from tests.integration.receiver import receiver

REGISTER = """
mutation($input: RegisterWebhookEndpointInput!) {
  registerWebhookEndpoint(input: $input) {
    endpoint { id url eventTypes enabled }
    secret
    userErrors { field message code }
  }
}"""

CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id email } userErrors { field message } }
}"""

DELIVERIES = """
query($endpoint: ID) {
  webhookDeliveries(endpointId: $endpoint, first: 50) {
    id eventId eventType status attemptCount lastStatusCode redeliveryOf
    attempts { attempt statusCode durationMs error responseExcerpt }
  }
}"""

ENDPOINTS = "{ webhookEndpoints { id url enabled disabledReason failingSince } }"


async def register(client, url: str, types: list[str]) -> dict:  # type: ignore[no-untyped-def]
    data = await client.data(REGISTER, {"input": {"url": url, "eventTypes": types}})
    payload = data["registerWebhookEndpoint"]
    assert payload["userErrors"] == [], payload
    return payload


async def create_customer(client, email: str) -> dict:  # type: ignore[no-untyped-def]
    data = await client.data(
        CREATE_CUSTOMER, {"input": {"firstName": "Ada", "lastName": "Byron", "email": email}}
    )
    assert data["createCustomer"]["userErrors"] == []
    return data["createCustomer"]["customer"]


async def test_registration_refuses_private_loopback_and_metadata_addresses(as_role, db):
    admin = await as_role(Role.ADMIN, webhook_allow_loopback=False)
    for url in (
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "ftp://example.com/hook",
    ):
        data = await admin.data(
            REGISTER, {"input": {"url": url, "eventTypes": ["customer.created"]}}
        )
        payload = data["registerWebhookEndpoint"]
        assert payload["endpoint"] is None and payload["secret"] is None, url
        assert payload["userErrors"][0]["field"] == ["input", "url"], url
        assert payload["userErrors"][0]["code"] == "INVALID", url
    assert await WebhookEndpoint.all().count() == 0


async def test_loopback_is_refused_for_private_ranges_even_when_allowed(as_role, db):
    admin = await as_role(Role.ADMIN, webhook_allow_loopback=True)
    data = await admin.data(
        REGISTER, {"input": {"url": "http://172.16.0.5/x", "eventTypes": ["customer.created"]}}
    )
    assert data["registerWebhookEndpoint"]["userErrors"][0]["code"] == "INVALID"
    ok = await register(admin, "http://127.0.0.1:9/x", ["customer.created"])
    assert ok["secret"].startswith("whsec_")


async def test_unknown_event_types_are_refused_and_only_admin_registers(as_role, db):
    admin = await as_role(Role.ADMIN)
    data = await admin.data(
        REGISTER, {"input": {"url": "http://127.0.0.1:9/x", "eventTypes": ["customer.exploded"]}}
    )
    errors = data["registerWebhookEndpoint"]["userErrors"]
    assert errors[0]["field"] == ["input", "eventTypes"] and errors[0]["code"] == "INVALID"
    manager = await as_role(Role.MANAGER)
    error = await manager.error(
        REGISTER, {"input": {"url": "http://127.0.0.1:9/x", "eventTypes": ["customer.created"]}}
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert await WebhookEndpoint.all().count() == 0


async def test_secret_is_shown_once_and_never_listed(as_role, db):
    admin = await as_role(Role.ADMIN)
    await register(admin, "http://127.0.0.1:9/x", ["customer.created"])
    body = await admin.execute("{ webhookEndpoints { id secret } }")
    assert body.get("errors"), "the endpoint type has no secret field"


async def test_event_types_list_is_versioned(as_role, db):
    admin = await as_role(Role.ADMIN)
    data = await admin.data("{ webhookEventTypes { version types { name description } } }")
    names = [t["name"] for t in data["webhookEventTypes"]["types"]]
    assert data["webhookEventTypes"]["version"]
    for name in (
        "customer.created",
        "opportunity.stage_changed",
        "order.status_changed",
        "ticket.created",
    ):
        assert name in names


async def test_delivery_fails_times_out_then_succeeds_signed_with_the_same_event_id(
    as_role, worker, db
):
    admin = await as_role(Role.ADMIN)
    async with receiver() as hook:
        hook.script = [500, ("sleep", 1.5), 200]
        endpoint = await register(admin, hook.url, ["customer.created"])
        secret = endpoint["secret"]
        customer = await create_customer(admin, "ada@example.com")

        async def delivered() -> bool:
            return len(hook.ok()) == 1

        await wait_until(delivered, within=30)
        got = hook.ok()[0]
        assert verify(secret, got.body, got.headers["crm-signature"])
        assert not verify("whsec_other", got.body, got.headers["crm-signature"])
        # A receiver rejects the same signed request replayed 5 minutes later.
        assert not verify(secret, got.body, got.headers["crm-signature"], now=time.time() + 301)
        body = json.loads(got.body)
        assert body["type"] == "customer.created"
        assert body["data"]["object"]["id"] == customer["id"]
        assert body["data"]["object"]["email"] == "ada@example.com"
        assert got.headers["crm-event-id"] == body["id"]
        # Every attempt carried the same event ID (at-least-once, de-duplicable).
        assert {json.loads(r.body)["id"] for r in hook.requests} == {body["id"]}

        async def recorded() -> bool:
            rows = (await admin.data(DELIVERIES))["webhookDeliveries"]
            return bool(rows) and rows[0]["status"] == "SUCCEEDED"

        await wait_until(recorded, within=10)
        delivery = (await admin.data(DELIVERIES))["webhookDeliveries"][0]
        attempts = delivery["attempts"]
        assert [a["statusCode"] for a in attempts] == [500, None, 200]
        assert attempts[0]["error"] == "HTTP 500"
        assert attempts[0]["responseExcerpt"] == "answer 500"
        assert "timed out" in attempts[1]["error"]
        assert attempts[2]["error"] is None
        assert delivery["attemptCount"] == 3
        assert delivery["eventId"] == body["id"]


async def test_redelivery_sends_the_same_event_again(as_role, worker, db):
    admin = await as_role(Role.ADMIN)
    async with receiver() as hook:
        await register(admin, hook.url, ["customer.created"])
        await create_customer(admin, "grace@example.com")

        async def delivered(n: int):  # type: ignore[no-untyped-def]
            async def check() -> bool:
                return len(hook.ok()) >= n

            return check

        await wait_until(await delivered(1), within=30)
        first = (await admin.data(DELIVERIES))["webhookDeliveries"][0]
        data = await admin.data(
            "mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { delivery { id "
            "redeliveryOf eventId } userErrors { code } } }",
            {"id": first["id"]},
        )
        again = data["redeliverWebhook"]["delivery"]
        assert again["redeliveryOf"] == first["id"] and again["eventId"] == first["eventId"]
        await wait_until(await delivered(2), within=30)
        bodies = [json.loads(r.body) for r in hook.ok()]
        assert bodies[0]["id"] == bodies[1]["id"]


async def test_endpoint_failing_too_long_is_disabled_with_the_reason(as_role, db, worker):
    from crm_graphql.domains.integration import webhooks
    from tests.integration.conftest import integration_settings

    webhooks.configure(integration_settings(db, webhook_disable_after_hours=0.0003))
    admin = await as_role(Role.ADMIN)
    async with receiver() as hook:
        hook.default = 503
        await register(admin, hook.url, ["customer.created"])
        await create_customer(admin, "linus@example.com")

        async def disabled() -> bool:
            rows = (await admin.data(ENDPOINTS))["webhookEndpoints"]
            return not rows[0]["enabled"]

        await wait_until(disabled, within=30)
        endpoint = (await admin.data(ENDPOINTS))["webhookEndpoints"][0]
        assert "HTTP 503" in endpoint["disabledReason"]
        delivery = (await admin.data(DELIVERIES))["webhookDeliveries"][0]
        assert delivery["status"] == "FAILED"
        sent = len(hook.requests)
        await create_customer(admin, "again@example.com")
        await wait_until(lambda_true, within=1)
        assert len(hook.requests) == sent, "a disabled endpoint gets nothing"
        # ADMIN enables it again: the reason is cleared.
        data = await admin.data(
            "mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {enabled: true}) "
            "{ endpoint { enabled disabledReason failingSince } userErrors { message } } }",
            {"id": endpoint["id"]},
        )
        assert data["updateWebhookEndpoint"]["endpoint"] == {
            "enabled": True,
            "disabledReason": None,
            "failingSince": None,
        }


async def lambda_true() -> bool:
    import asyncio

    await asyncio.sleep(0.8)
    return True


async def test_delivery_refuses_an_address_that_became_private(as_role, db, worker):
    from crm_graphql.domains.integration import webhooks
    from tests.integration.conftest import integration_settings

    admin = await as_role(Role.ADMIN)
    async with receiver() as hook:
        await register(admin, hook.url, ["customer.created"])
        # The deliverer's own settings no longer allow loopback: checked again at delivery.
        webhooks.configure(integration_settings(db, webhook_allow_loopback=False))
        await create_customer(admin, "eve@example.com")

        async def attempted() -> bool:
            rows = (await admin.data(DELIVERIES))["webhookDeliveries"]
            return bool(rows) and rows[0]["attemptCount"] >= 1

        await wait_until(attempted, within=30)
        delivery = (await admin.data(DELIVERIES))["webhookDeliveries"][0]
        assert delivery["attempts"][0]["error"].startswith("refused: 127.0.0.1 is a loopback")
        assert hook.requests == []


async def test_deliveries_page_reads_in_two_statements(as_role, db):
    from crm_graphql.domains.integration.models import WebhookAttempt, WebhookDelivery

    admin = await as_role(Role.ADMIN)
    endpoint = await WebhookEndpoint.create(url="http://127.0.0.1:9/", secret="s", event_types=[])
    counts = []
    for size in (2, 12):
        await WebhookDelivery.all().delete()
        for i in range(size):
            d = await WebhookDelivery.create(
                endpoint_id=endpoint.pk, event_id=i, event_type="customer.created", body="{}"
            )
            for n in (1, 2):
                await WebhookAttempt.create(delivery_id=d.pk, attempt=n, duration_ms=3)
        with count_statements() as statements:
            rows = (await admin.data(DELIVERIES))["webhookDeliveries"]
        assert len(rows) == size and all(len(r["attempts"]) == 2 for r in rows)
        counts.append(len(statements))
    assert counts[0] == counts[1] == 2
