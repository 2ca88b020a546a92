"""Field-level read rules: every cell of the role x field matrix through the real API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crm_graphql.api.permissions import field_rules
from crm_graphql.api.roles import Role
from crm_graphql.domains.support.models import SatisfactionSurvey, TicketComment
from crm_graphql.schema import build_schema
from tests.analytics.test_money_permissions import DASHBOARD_TYPES
from tests.billing.test_money_rules import BILLING_RULES
from tests.factories import (
    gid,
    make_company,
    make_customer,
    make_interaction,
    make_opportunity,
    make_order,
    make_product,
    make_ticket,
)
from tests.helpers import count_statements

EVERYONE = set(Role)
NOT_ANALYST = EVERYONE - {Role.ANALYST}
NO_MONEY = EVERYONE - {Role.SUPPORT, Role.MARKETING}
CONVERSATION = {Role.ADMIN, Role.MANAGER, Role.SALES, Role.SUPPORT}

#: The default matrix, written out: (type, field) -> roles that may read it.
MATRIX = {
    ("Customer", "email"): NOT_ANALYST,
    ("Customer", "phone"): NOT_ANALYST,
    ("Customer", "address"): NOT_ANALYST,
    ("Customer", "birthDate"): NOT_ANALYST,
    ("Customer", "lifetimeValue"): NO_MONEY,
    ("Customer", "lifetimeValueByCurrency"): NO_MONEY,
    ("Customer", "openPipelineAmount"): NO_MONEY,
    ("Customer", "openPipelineByCurrency"): NO_MONEY,
    ("Interaction", "body"): CONVERSATION,
    ("Order", "subtotal"): NO_MONEY,
    ("Order", "taxTotal"): NO_MONEY,
    ("Order", "total"): NO_MONEY,
    ("OrderItem", "unitPrice"): NO_MONEY,
    ("OrderItem", "lineTotal"): NO_MONEY,
    ("Product", "unitPrice"): NO_MONEY,
    ("Opportunity", "amount"): NO_MONEY,
    ("User", "email"): {Role.ADMIN},
    ("User", "role"): {Role.ADMIN},
    # Support tickets: everyone who serves customers (SALES its own customers' tickets).
    ("Query", "ticket"): CONVERSATION,
    ("Query", "tickets"): CONVERSATION,
    ("Customer", "tickets"): CONVERSATION,
    ("Ticket", "description"): CONVERSATION,
    ("TicketComment", "body"): CONVERSATION,
    ("TicketSatisfaction", "comment"): CONVERSATION,
    # Sales automation.
    ("Lead", "email"): NOT_ANALYST,
    ("Lead", "phone"): NOT_ANALYST,
    ("Lead", "notes"): CONVERSATION,
    ("Task", "notes"): CONVERSATION,
    ("Query", "assignmentRules"): {Role.ADMIN},
    ("Query", "automationRules"): {Role.ADMIN},
    ("Query", "automationRuns"): {Role.ADMIN},
}

PLANNERS = {Role.ADMIN, Role.MANAGER, Role.MARKETING}
#: Marketing: campaign money for the roles that plan campaigns, attributed revenue by the
#: money rule, ROI for both (read through the API in tests/marketing).
MARKETING_MATRIX = {
    ("Campaign", "budget"): PLANNERS,
    ("Campaign", "actualCost"): PLANNERS,
    ("CampaignNumbers", "budget"): PLANNERS,
    ("CampaignNumbers", "actualCost"): PLANNERS,
    ("CampaignAverages", "budget"): PLANNERS,
    ("CampaignAverages", "actualCost"): PLANNERS,
    ("CampaignMember", "unsubscribePath"): PLANNERS,
    ("CampaignResults", "cost"): PLANNERS,
    ("CampaignResults", "costPerLead"): PLANNERS,
    ("CampaignResults", "pipelineAmount"): NO_MONEY,
    ("CampaignResults", "wonAmount"): NO_MONEY,
    ("CampaignResults", "roi"): PLANNERS & NO_MONEY,
}

#: Where each guarded field sits in QUERY's response.
PATHS = {
    ("Customer", "email"): ("customer", "email"),
    ("Customer", "phone"): ("customer", "phone"),
    ("Customer", "address"): ("customer", "address"),
    ("Customer", "birthDate"): ("customer", "birthDate"),
    ("Customer", "lifetimeValue"): ("customer", "lifetimeValue"),
    ("Customer", "lifetimeValueByCurrency"): ("customer", "lifetimeValueByCurrency"),
    ("Customer", "openPipelineAmount"): ("customer", "openPipelineAmount"),
    ("Customer", "openPipelineByCurrency"): ("customer", "openPipelineByCurrency"),
    ("Interaction", "body"): ("interaction", "body"),
    ("Order", "subtotal"): ("order", "subtotal"),
    ("Order", "taxTotal"): ("order", "taxTotal"),
    ("Order", "total"): ("order", "total"),
    ("OrderItem", "unitPrice"): ("item", "unitPrice"),
    ("OrderItem", "lineTotal"): ("item", "lineTotal"),
    ("Product", "unitPrice"): ("product", "unitPrice"),
    ("Opportunity", "amount"): ("opportunity", "amount"),
    ("User", "email"): ("user", "email"),
    ("User", "role"): ("user", "role"),
    ("Query", "ticket"): ("query", "ticket"),
    ("Query", "tickets"): ("query", "tickets"),
    ("Customer", "tickets"): ("customer", "tickets"),
    ("Ticket", "description"): ("ticket", "description"),
    ("TicketComment", "body"): ("comment", "body"),
    ("TicketSatisfaction", "comment"): ("satisfaction", "comment"),
    ("Lead", "email"): ("lead", "email"),
    ("Lead", "phone"): ("lead", "phone"),
    ("Lead", "notes"): ("lead", "notes"),
    ("Task", "notes"): ("task", "notes"),
    ("Query", "assignmentRules"): ("query", "assignmentRules"),
    ("Query", "automationRules"): ("query", "automationRules"),
    ("Query", "automationRuns"): ("query", "automationRuns"),
}

QUERY = """query($ticket: ID!) {
  ticket(id: $ticket) { number }
  leads(first: 1) { nodes { lastName email phone notes } }
  tasks(first: 1) { nodes { title notes } }
  assignmentRules { totalCount }
  automationRules { totalCount }
  automationRuns { totalCount }
  tickets(first: 1) { nodes { number } }
  customers(first: 1) { nodes {
    firstName email phone birthDate address { city }
    lifetimeValue lifetimeValueByCurrency { amount } openPipelineAmount
    openPipelineByCurrency { amount }
    interactions(first: 1) { nodes { subject body author { name email role } } }
    orders(first: 1) { nodes { number subtotal taxTotal total
      items { quantity unitPrice lineTotal product { unitPrice } } } }
    opportunities(first: 1) { nodes { name amount } }
    tickets(first: 1) { nodes { description comments(first: 1) { nodes { body } }
      satisfaction { score comment } } } } } }"""


def _pick(data: dict) -> dict[str, dict]:
    customer = data["customers"]["nodes"][0]
    order = customer["orders"]["nodes"][0]
    interaction = customer["interactions"]["nodes"][0]
    # Roles that may not read tickets get null lists: nothing below them.
    ticket = (customer["tickets"] or {"nodes": [{}]})["nodes"][0]
    return {
        "query": data,
        "ticket": ticket,
        "comment": (ticket.get("comments") or {"nodes": [{}]})["nodes"][0],
        "satisfaction": ticket.get("satisfaction") or {},
        "customer": customer,
        "interaction": interaction,
        "order": order,
        "item": order["items"][0],
        "product": order["items"][0]["product"],
        "opportunity": customer["opportunities"]["nodes"][0],
        "user": interaction["author"],
        "lead": data["leads"]["nodes"][0],
        "task": data["tasks"]["nodes"][0],
    }


async def _world(author) -> str:
    """The records the query reads; returns the global ID of the ticket."""
    company = await make_company()
    # Owned by the caller: SALES reads the tickets of its own customers.
    customer = await make_customer(
        company=company,
        phone="+14155550100",
        birth_date=date(1990, 5, 17),
        city="Lyon",
        owner=author,
    )
    await make_interaction(customer, author=author, body="Discussed renewal")
    product = await make_product(unit_price=Decimal("20.00"))
    await make_order(customer, [(product, 2)])
    await make_opportunity(customer, amount=Decimal("500.00"))
    ticket = await make_ticket(customer, description="Cannot sign in since Monday")
    await TicketComment.create(ticket=ticket, body="Internal: known bug", public=True)
    await SatisfactionSurvey.create(
        ticket=ticket,
        token_hash="0" * 64,
        expires_at=ticket.created_at,
        answered_at=ticket.created_at,
        score=5,
        comment="Great help",
    )
    await _automation_world(author, customer)
    return gid(ticket)


async def _automation_world(author, customer) -> None:
    """A lead, a task, and one recorded run of an automation rule."""
    from datetime import UTC, datetime

    from crm_graphql.domains.automation.models import (
        AutomationAction,
        AutomationEntity,
        AutomationRule,
        AutomationTrigger,
    )
    from crm_graphql.domains.leads.models import Lead
    from crm_graphql.domains.tasks.models import Task
    from crm_graphql.events import DeliveryState, EventDelivery, OutboxEvent

    lead = await Lead.create(
        last_name="Lead", email="lead@example.com", phone="+14155550101", notes="Hot"
    )
    await Task.create(
        title="Call", notes="Ask about budget", due_at=datetime.now(UTC), customer=customer
    )
    rule = await AutomationRule.create(
        name="Rule",
        entity=AutomationEntity.LEAD,
        trigger=AutomationTrigger.CREATED,
        action=AutomationAction.SET_FIELD,
        params={"field": "score", "value": 1},
    )
    now = datetime.now(UTC)
    event = await OutboxEvent.create(
        type="automation.rule_matched",
        entity_type="automation_rule",
        entity_id=str(rule.pk),
        data={"rule_id": rule.pk, "record_id": str(lead.pk)},
        created_at=now,
    )
    await EventDelivery.create(
        event=event,
        subscriber="automation.run",
        state=DeliveryState.DONE,
        attempts=1,
        created_at=now,
    )


def test_every_guarded_field_has_the_documented_rule():
    # Dashboard amounts follow one rule of their own, checked in tests/analytics; billing's
    # in tests/billing.
    rules = {
        key: set(roles)
        for key, roles in field_rules(build_schema()).items()
        if key[0] not in DASHBOARD_TYPES and key not in BILLING_RULES
    }
    assert rules == {**MATRIX, **MARKETING_MATRIX}


def test_guarded_fields_say_who_may_read_them_in_their_description():
    schema = build_schema()._schema
    for (type_name, field_name), roles in {**MATRIX, **MARKETING_MATRIX}.items():
        description = schema.type_map[type_name].fields[field_name].description
        for role in Role:
            assert (role.value in description.split("Readable by ")[1]) is (role in roles)


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
async def test_role_reads_exactly_the_fields_of_the_matrix(gql_as, db, role):
    client = await gql_as(role)
    ticket = await _world(client.user)
    body = await client.execute(QUERY, {"ticket": ticket})
    objects = _pick(body["data"])
    forbidden = {
        (*error["path"][-1:], error["extensions"]["field"]): error
        for error in body.get("errors", [])
        if error["extensions"]["code"] == "FORBIDDEN"
    }
    assert len(forbidden) == len(body.get("errors", [])), body["errors"]
    denied_fields = {error["extensions"]["field"] for error in forbidden.values()}
    for (type_name, field_name), roles in MATRIX.items():
        holder, key = PATHS[(type_name, field_name)]
        value = objects[holder].get(key)
        coordinate = f"{type_name}.{field_name}"
        if role in roles:
            assert value not in (None, []), (role, coordinate)
            assert coordinate not in denied_fields, (role, coordinate)
        else:
            assert value is None, (role, coordinate)
            # Fields inside a list the role may not read are not reached at all.
            if objects[holder]:
                assert coordinate in denied_fields, (role, coordinate)
    # Fields without a rule are served to every role.
    assert objects["customer"]["firstName"]
    assert objects["user"]["name"]


async def test_denied_field_gives_one_error_for_the_whole_list(gql_as, db):
    client = await gql_as(Role.ANALYST)
    for _ in range(5):
        await make_customer()
    body = await client.execute("{ customers { nodes { firstName email } } }")
    nodes = body["data"]["customers"]["nodes"]
    assert len(nodes) == 5
    assert all(node["email"] is None and node["firstName"] for node in nodes)
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN", "field": "Customer.email"}
    assert error["path"] == ["customers", "nodes", 0, "email"]


async def test_denied_computed_field_runs_no_sql(gql_as, db):
    support = await gql_as(Role.SUPPORT)
    manager = await gql_as(Role.MANAGER)
    customer = await make_customer()
    product = await make_product()
    await make_order(customer, [(product, 1)])
    query = "{ customers { nodes { firstName lifetimeValue openPipelineAmount } } }"
    with count_statements() as allowed:
        await manager.execute(query)
    with count_statements() as denied:
        await support.execute(query)
    assert len(allowed) == 3  # customers, lifetime values, open pipeline
    assert len(denied) == 1  # customers only
