"""Support tickets as task subjects (``Task.ticket``, ``Task.about``, ``Ticket.tasks``)
and as assignment-rule targets (new tickets assigned round-robin or by territory)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.automation.models import AssignmentRule
from crm_graphql.domains.support.models import Ticket
from tests.automation.conftest import drain, fast_settings
from tests.factories import gid, make_customer, make_ticket, make_user
from tests.helpers import count_statements

CREATE_TASK = """mutation($input: CreateTaskInput!) { createTask(input: $input) {
  task { id ticket { number } about { __typename ... on Ticket { number } } }
  userErrors { field code } } }"""
TICKET_TASKS = """{ tickets(first: 20) { nodes { number
  tasks(first: 5) { totalCount nodes { title about { __typename } } } } } }"""
CREATE_TICKET = """mutation($input: CreateTicketInput!) { createTicket(input: $input) {
  ticket { id assignee { name } } userErrors { field code } } }"""
CREATE_RULE = """mutation($input: CreateAssignmentRuleInput!) {
  createAssignmentRule(input: $input) { assignmentRule { id target condition }
  userErrors { field code } } }"""
DUE = (datetime.now(UTC) + timedelta(days=2)).isoformat()


async def test_task_about_a_ticket_and_the_tickets_tasks(gql, db):
    customer = await make_customer()
    ticket = await make_ticket(customer, number="TCK-1")
    made = (
        await gql.data(
            CREATE_TASK, {"input": {"title": "Call back", "dueAt": DUE, "ticket": gid(ticket)}}
        )
    )["createTask"]
    assert made["userErrors"] == []
    assert made["task"]["ticket"] == {"number": "TCK-1"}
    assert made["task"]["about"] == {"__typename": "Ticket", "number": "TCK-1"}
    wrong = (
        await gql.data(
            CREATE_TASK, {"input": {"title": "X", "dueAt": DUE, "ticket": gid(customer)}}
        )
    )["createTask"]
    assert wrong["userErrors"][0]["field"] == ["input", "ticket"]
    tickets = (await gql.data(TICKET_TASKS))["tickets"]["nodes"]
    assert tickets[0]["tasks"]["totalCount"] == 1
    assert tickets[0]["tasks"]["nodes"] == [
        {"title": "Call back", "about": {"__typename": "Ticket"}}
    ]


async def test_tickets_tasks_read_in_constant_statements(gql, db):
    customer = await make_customer()
    first = await make_ticket(customer)
    await gql.data(CREATE_TASK, {"input": {"title": "T", "dueAt": DUE, "ticket": gid(first)}})
    with count_statements() as few:
        await gql.data(TICKET_TASKS)
    for n in range(5):
        ticket = await make_ticket(customer)
        for _ in range(2):
            await gql.data(
                CREATE_TASK, {"input": {"title": f"T{n}", "dueAt": DUE, "ticket": gid(ticket)}}
            )
    with count_statements() as many:
        nodes = (await gql.data(TICKET_TASKS))["tickets"]["nodes"]
        assert sum(t["tasks"]["totalCount"] for t in nodes) == 11
    assert len(few) == len(many), (few, many)


async def test_ticket_of_a_task_follows_the_ticket_read_rule(gql, gql_as, db):
    sales = await gql_as(Role.SALES)
    mine = await make_customer(owner=sales.user)
    other = await make_customer()
    for customer, title in ((mine, "Mine"), (other, "Other")):
        ticket = await make_ticket(customer, number=f"TCK-{title}")
        await gql.data(
            CREATE_TASK,
            {
                "input": {
                    "title": title,
                    "dueAt": DUE,
                    "ticket": gid(ticket),
                    "assignee": gid(sales.user),
                }
            },
        )
    seen = await sales.data(
        "{ myTasks { nodes { title ticket { number } about { __typename } } } }"
    )
    by_title = {n["title"]: n for n in seen["myTasks"]["nodes"]}
    assert by_title["Mine"]["ticket"] == {"number": "TCK-Mine"}
    assert by_title["Other"]["ticket"] is None and by_title["Other"]["about"] is None
    marketing = await gql_as(Role.MARKETING)
    tasks = await marketing.data("{ tasks { nodes { ticket { number } } } }")
    assert [n["ticket"] for n in tasks["tasks"]["nodes"]] == [None, None]


async def test_new_tickets_are_assigned_by_ticket_rules_round_robin_and_territory(gql, db):
    a, b = await make_user(Role.SUPPORT, name="A"), await make_user(Role.SUPPORT, name="B")
    de = await make_user(Role.SUPPORT, name="DE")
    territory = (
        await gql.data(
            CREATE_RULE,
            {
                "input": {
                    "name": "DACH",
                    "kind": "TERRITORY",
                    "target": "TICKET",
                    "position": 1,
                    "territories": [{"code": "DE", "users": [gid(de)]}],
                }
            },
        )
    )["createAssignmentRule"]
    assert territory["userErrors"] == []
    everyone = (
        await gql.data(
            CREATE_RULE,
            {
                "input": {
                    "name": "Urgent desk",
                    "kind": "ROUND_ROBIN",
                    "target": "TICKET",
                    "position": 2,
                    "users": [gid(a), gid(b)],
                    "ticketCondition": {"priority": {"eq": "URGENT"}},
                }
            },
        )
    )["createAssignmentRule"]
    assert everyone["userErrors"] == [], everyone
    wrong = (
        await gql.data(
            CREATE_RULE,
            {
                "input": {
                    "name": "Mixed",
                    "kind": "ROUND_ROBIN",
                    "target": "TICKET",
                    "users": [gid(a)],
                    "condition": {"country": {"eq": "DE"}},
                }
            },
        )
    )["createAssignmentRule"]
    assert [e["field"][-1] for e in wrong["userErrors"]] == ["condition"]
    german = await make_customer(country="DE")
    french = await make_customer(country="FR")

    async def ticket(customer, priority: str) -> int:  # type: ignore[no-untyped-def]
        made = await gql.data(
            CREATE_TICKET,
            {
                "input": {
                    "customer": gid(customer),
                    "subject": "Help",
                    "channel": "EMAIL",
                    "priority": priority,
                }
            },
        )
        assert made["createTicket"]["userErrors"] == []
        return (await Ticket.all().order_by("-id").first()).pk  # type: ignore[union-attr]

    ids = [
        await ticket(german, "NORMAL"),
        await ticket(french, "URGENT"),
        await ticket(french, "URGENT"),
        await ticket(french, "NORMAL"),
    ]
    await drain(fast_settings(db))
    rows = [await Ticket.get(pk=pk) for pk in ids]
    assert [row.assignee_id for row in rows] == [de.pk, a.pk, b.pk, None]
    rules = {rule.name: rule.pk for rule in await AssignmentRule.all()}
    assert [row.assigned_by_rule_id for row in rows] == [
        rules["DACH"],
        rules["Urgent desk"],
        rules["Urgent desk"],
        None,
    ]
    assert await AuditEvent.filter(action="ticket.assign").count() == 3
