"""Ticket mutations: creation with SLA due times, the status machine and its clocks,
comments and the first response, assignment, row rules; bad input changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.support.models import (
    SatisfactionSurvey,
    Ticket,
    TicketComment,
    TicketPriority,
    TicketStatus,
)
from tests.factories import (
    gid,
    make_calendar,
    make_company,
    make_customer,
    make_order,
    make_sla_policy,
    make_ticket,
    make_user,
)
from tests.support.documents import ASSIGN, COMMENT, CREATE, STATUS, UPDATE

ALWAYS = [[day, "00:00", "24:00"] for day in range(7)]


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def _round_the_clock_policy(**fields):
    calendar = await make_calendar(working_hours=ALWAYS)
    return await make_sla_policy(calendar, **fields)


async def _create(client, customer, **fields) -> dict:
    data = {"customer": gid(customer), "subject": "Cannot sign in", "channel": "EMAIL"} | fields
    payload = (await client.data(CREATE, {"input": data}))["createTicket"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["ticket"]


async def _status(client, ticket: dict, status: str) -> dict:
    payload = (
        await client.data(
            STATUS, {"id": ticket["id"], "status": status, "version": ticket["version"]}
        )
    )["changeTicketStatus"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def test_a_new_ticket_gets_a_number_and_the_due_times_of_its_priority(gql, db):
    await _round_the_clock_policy(priority=TicketPriority.HIGH, first_response_minutes=30)
    customer = await make_customer()
    ticket = await _create(gql, customer, priority="HIGH", description="Since this morning.")
    created = parse(ticket["createdAt"])
    assert ticket["number"].startswith(f"TCK-{created.year}-")
    assert (ticket["status"], ticket["assignee"]) == ("NEW", None)
    sla = ticket["sla"]
    assert parse(sla["firstResponseDueAt"]) - created == timedelta(minutes=30)
    assert parse(sla["resolutionDueAt"]) - created == timedelta(minutes=480)
    assert sla["paused"] is False and sla["firstResponseBreached"] is False
    assert 28 <= sla["remainingBusinessMinutes"] <= 30
    assert await AuditEvent.filter(action="ticket.create").count() == 1


async def test_a_company_policy_wins_over_the_general_one(gql, db):
    general = await _round_the_clock_policy(first_response_minutes=60)
    company = await make_company()
    special = await make_sla_policy(general.calendar, company=company, first_response_minutes=10)
    ticket = await _create(gql, await make_customer(company=company))
    assert ticket["slaPolicy"]["id"] == gid(special)
    other = await _create(gql, await make_customer())
    assert other["slaPolicy"]["id"] == gid(general)


async def test_without_a_policy_a_ticket_has_no_due_times(gql, db):
    ticket = await _create(gql, await make_customer())
    assert ticket["slaPolicy"] is None
    assert ticket["sla"]["firstResponseDueAt"] is None
    assert ticket["sla"]["remainingBusinessMinutes"] is None


async def test_every_problem_is_reported_at_once_and_nothing_is_written(gql, db):
    customer = await make_customer()
    other = await make_customer()
    order = await make_order(other)
    seller = await make_user(Role.SALES)
    payload = (
        await gql.data(
            CREATE,
            {
                "input": {
                    "customer": gid(customer),
                    "subject": "  ",
                    "channel": "CHAT",
                    "order": gid(order),
                    "assignee": gid(seller),
                    "tags": ["x" * 60],
                }
            },
        )
    )["createTicket"]
    assert payload["ticket"] is None
    assert {tuple(e["field"]): e["code"] for e in payload["userErrors"]} == {
        ("input", "subject"): "REQUIRED",
        ("input", "order"): "INVALID",
        ("input", "assignee"): "INVALID",
        ("input", "tags", "0"): "INVALID",
    }
    deleted = await make_customer(deleted_at=datetime.now(UTC))
    payload = (
        await gql.data(
            CREATE, {"input": {"customer": gid(deleted), "subject": "x", "channel": "WEB"}}
        )
    )["createTicket"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "customer"], "NOT_FOUND")
    ]
    assert await Ticket.all().count() == 0
    assert await AuditEvent.all().count() == 0


async def test_status_machine_runs_from_new_to_closed(gql, db):
    await _round_the_clock_policy()
    ticket = await _create(gql, await make_customer())
    for status in ("OPEN", "PENDING", "ON_HOLD", "OPEN", "SOLVED", "CLOSED"):
        ticket = (await _status(gql, ticket, status))["ticket"]
        assert ticket["status"] == status
    assert ticket["solvedAt"] and ticket["closedAt"]
    events = await AuditEvent.filter(action="ticket.status").order_by("id")
    assert [e.changes["from"] for e in events] == [
        "NEW", "OPEN", "PENDING", "ON_HOLD", "OPEN", "SOLVED"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (TicketStatus.NEW, "CLOSED"),
        (TicketStatus.OPEN, "NEW"),
        (TicketStatus.OPEN, "OPEN"),
        (TicketStatus.PENDING, "CLOSED"),
        (TicketStatus.SOLVED, "PENDING"),
        (TicketStatus.CLOSED, "OPEN"),
        (TicketStatus.CLOSED, "SOLVED"),
    ],
)
async def test_invalid_transition_is_refused_and_changes_nothing(gql, db, start, target):
    row = await make_ticket(await make_customer(), status=start, solved_at=datetime.now(UTC))
    payload = (await gql.data(STATUS, {"id": gid(row), "status": target, "version": 1}))[
        "changeTicketStatus"
    ]
    assert payload["ticket"] is None and payload["surveyToken"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["status"], "INVALID_TRANSITION")
    ]
    again = await Ticket.get(pk=row.pk)
    assert (again.status, again.version) == (start, 1)
    assert await AuditEvent.all().count() == 0
    assert await SatisfactionSurvey.all().count() == 0


async def test_solved_ticket_reopens_within_the_window_and_not_after(gql, db):
    customer = await make_customer()
    recent = await make_ticket(
        customer, status=TicketStatus.SOLVED, solved_at=datetime.now(UTC) - timedelta(days=6)
    )
    old = await make_ticket(
        customer, status=TicketStatus.SOLVED, solved_at=datetime.now(UTC) - timedelta(days=8)
    )
    reopened = (await gql.data(STATUS, {"id": gid(recent), "status": "OPEN", "version": 1}))[
        "changeTicketStatus"
    ]
    assert reopened["ticket"]["status"] == "OPEN" and reopened["ticket"]["solvedAt"] is None
    refused = (await gql.data(STATUS, {"id": gid(old), "status": "OPEN", "version": 1}))[
        "changeTicketStatus"
    ]
    assert [(e["code"], "7 days" in e["message"]) for e in refused["userErrors"]] == [
        ("INVALID_TRANSITION", True)
    ]
    assert (await Ticket.get(pk=old.pk)).status == TicketStatus.SOLVED


async def test_pending_pauses_the_resolution_clock_and_open_resumes_it(gql, db):
    await _round_the_clock_policy(resolution_minutes=600)
    ticket = await _create(gql, await make_customer())
    # Pretend the clock has run for two hours already.
    started = datetime.now(UTC) - timedelta(hours=2)
    row = await Ticket.get(number=ticket["number"])
    await Ticket.filter(pk=row.pk).update(resolution_clock_started_at=started)
    paused = (await _status(gql, ticket, "PENDING"))["ticket"]
    assert paused["sla"]["paused"] is True and paused["sla"]["resolutionDueAt"] is None
    stored = await Ticket.get(pk=row.pk)
    assert 2 * 3600 - 5 <= stored.resolution_clock_seconds <= 2 * 3600 + 60
    resumed = (await _status(gql, paused, "OPEN"))["ticket"]
    due = parse(resumed["sla"]["resolutionDueAt"])
    left = timedelta(minutes=600) - timedelta(seconds=stored.resolution_clock_seconds)
    assert abs(due - (datetime.now(UTC) + left)) < timedelta(seconds=60)
    solved = (await _status(gql, resumed, "SOLVED"))["ticket"]
    stored = await Ticket.get(pk=row.pk)
    assert solved["sla"]["resolutionDueAt"] is None and stored.resolution_seconds is not None
    assert stored.resolution_seconds >= 2 * 3600 - 5


async def test_first_public_reply_is_the_first_response_and_notes_are_not(gql_as, db):
    await _round_the_clock_policy()
    agent = await gql_as(Role.SUPPORT)
    ticket = await _create(agent, await make_customer())
    note = (
        await agent.data(
            COMMENT, {"id": ticket["id"], "body": "Known bug", "kind": "INTERNAL_NOTE"}
        )
    )["addTicketComment"]
    assert note["comment"]["kind"] == "INTERNAL_NOTE" and note["comment"]["public"] is False
    assert note["ticket"]["firstRespondedAt"] is None
    reply = (
        await agent.data(COMMENT, {"id": ticket["id"], "body": "On it!", "kind": "PUBLIC_REPLY"})
    )["addTicketComment"]
    assert reply["comment"]["author"] == {"id": gid(agent.user)}
    assert reply["ticket"]["firstRespondedAt"] is not None
    assert reply["ticket"]["version"] == ticket["version"] + 1
    second = (
        await agent.data(COMMENT, {"id": ticket["id"], "body": "More", "kind": "PUBLIC_REPLY"})
    )["addTicketComment"]
    assert second["ticket"]["firstRespondedAt"] == reply["ticket"]["firstRespondedAt"]
    assert await TicketComment.all().count() == 3


async def test_comments_on_a_closed_ticket_are_refused(gql, db):
    closed = await make_ticket(await make_customer(), status=TicketStatus.CLOSED)
    payload = (
        await gql.data(COMMENT, {"id": gid(closed), "body": "Hello?", "kind": "PUBLIC_REPLY"})
    )["addTicketComment"]
    assert payload["comment"] is None and payload["ticket"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["ticketId"], "CLOSED")]
    empty = await make_ticket(await make_customer())
    payload = (await gql.data(COMMENT, {"id": gid(empty), "body": " ", "kind": "INTERNAL_NOTE"}))[
        "addTicketComment"
    ]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "body"], "REQUIRED")
    ]
    assert await TicketComment.all().count() == 0
    assert (await Ticket.get(pk=closed.pk)).version == 1


async def test_priority_change_picks_the_policy_of_the_new_priority(gql, db):
    normal = await _round_the_clock_policy(first_response_minutes=120)
    urgent = await make_sla_policy(
        normal.calendar, priority=TicketPriority.URGENT, first_response_minutes=15
    )
    ticket = await _create(gql, await make_customer())
    payload = (
        await gql.data(UPDATE, {"id": ticket["id"], "input": {"version": 1, "priority": "URGENT"}})
    )["updateTicket"]
    changed = payload["ticket"]
    assert changed["slaPolicy"]["id"] == gid(urgent)
    assert parse(changed["sla"]["firstResponseDueAt"]) - parse(ticket["createdAt"]) == timedelta(
        minutes=15
    )
    stale = (await gql.data(UPDATE, {"id": ticket["id"], "input": {"version": 1, "subject": "x"}}))[
        "updateTicket"
    ]
    assert [(e["code"], e["currentVersion"]) for e in stale["userErrors"]] == [("CONFLICT", 2)]


async def test_tickets_are_assigned_to_support_or_management_staff(gql, db):
    ticket = await _create(gql, await make_customer())
    agent = await make_user(Role.SUPPORT)
    seller = await make_user(Role.SALES)
    refused = (await gql.data(ASSIGN, {"id": ticket["id"], "assignee": gid(seller), "version": 1}))[
        "assignTicket"
    ]
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(["assignee"], "INVALID")]
    done = (await gql.data(ASSIGN, {"id": ticket["id"], "assignee": gid(agent), "version": 1}))[
        "assignTicket"
    ]
    assert done["ticket"]["assignee"] == {"id": gid(agent)}
    unassigned = (await gql.data(ASSIGN, {"id": ticket["id"], "assignee": None, "version": 2}))[
        "assignTicket"
    ]
    assert unassigned["ticket"]["assignee"] is None


async def test_support_changes_tickets_assigned_to_it_or_unassigned_only(gql_as, db):
    agent = await gql_as(Role.SUPPORT)
    colleague = await make_user(Role.SUPPORT)
    customer = await make_customer()
    mine = await make_ticket(customer, assignee=agent.user)
    nobodys = await make_ticket(customer)
    theirs = await make_ticket(customer, assignee=colleague)
    for row in (mine, nobodys):
        payload = (await agent.data(STATUS, {"id": gid(row), "status": "OPEN", "version": 1}))[
            "changeTicketStatus"
        ]
        assert payload["userErrors"] == []
    taken = (
        await agent.data(ASSIGN, {"id": gid(nobodys), "assignee": gid(agent.user), "version": 2})
    )["assignTicket"]
    assert taken["ticket"]["assignee"] == {"id": gid(agent.user)}
    for document, variables in (
        (STATUS, {"id": gid(theirs), "status": "OPEN", "version": 1}),
        (ASSIGN, {"id": gid(theirs), "assignee": gid(agent.user), "version": 1}),
        (COMMENT, {"id": gid(theirs), "body": "Mine now", "kind": "PUBLIC_REPLY"}),
    ):
        body = await agent.data(document, variables)
        (payload,) = body.values()
        assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
    again = await Ticket.get(pk=theirs.pk)
    assert (again.status, again.assignee_id, again.version) == (TicketStatus.NEW, colleague.pk, 1)
    # Creating a ticket for someone else is a change of someone else's ticket.
    refused = (
        await agent.data(
            CREATE,
            {"input": {"customer": gid(customer), "subject": "x", "channel": "EMAIL",
                       "assignee": gid(colleague)}},
        )
    )["createTicket"]  # fmt: skip
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]


@pytest.mark.parametrize("role", [Role.SALES, Role.MARKETING, Role.ANALYST])
async def test_roles_outside_support_change_no_ticket(gql_as, db, role):
    client = await gql_as(role)
    customer = await make_customer(owner=client.user)
    row = await make_ticket(customer)
    created = (
        await client.data(
            CREATE, {"input": {"customer": gid(customer), "subject": "x", "channel": "EMAIL"}}
        )
    )["createTicket"]
    assert [e["code"] for e in created["userErrors"]] == ["FORBIDDEN"]
    commented = (
        await client.data(COMMENT, {"id": gid(row), "body": "hi", "kind": "PUBLIC_REPLY"})
    )["addTicketComment"]
    assert [e["code"] for e in commented["userErrors"]] == ["FORBIDDEN"]
    assert await Ticket.all().count() == 1 and await TicketComment.all().count() == 0


async def test_manager_changes_any_ticket(gql_as, db):
    manager = await gql_as(Role.MANAGER)
    row = await make_ticket(await make_customer(), assignee=await make_user(Role.SUPPORT))
    payload = (await manager.data(STATUS, {"id": gid(row), "status": "SOLVED", "version": 1}))[
        "changeTicketStatus"
    ]
    assert payload["ticket"]["status"] == "SOLVED" and payload["surveyToken"]
