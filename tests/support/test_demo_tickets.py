"""The demo step of the support module: tickets, comments and surveys that read back
through the API with consistent SLA columns."""

from __future__ import annotations

from crm_graphql.demo.seed import generate
from crm_graphql.domains.support.models import (
    SatisfactionSurvey,
    Ticket,
    TicketComment,
    TicketStatus,
)


async def test_seed_writes_the_tickets_asked_for_with_their_comments_and_surveys(gql, db):
    report = await generate(
        60, 3, batch_size=500, progress=False, options={"tickets": 150, "comments_per_ticket": 4}
    )
    tickets = await Ticket.all()
    assert len(tickets) == report.rows["ticket"] == 150
    comments = await TicketComment.all().count()
    assert comments == report.rows["ticket_comment"]
    assert 2.5 * 150 <= comments <= 5.5 * 150
    solved = [t for t in tickets if t.status in (TicketStatus.SOLVED, TicketStatus.CLOSED)]
    assert await SatisfactionSurvey.all().count() == len(solved) > 100
    for ticket in tickets:
        assert ticket.number == f"TCK-{ticket.created_at.year}-{ticket.pk:06d}"
        assert ticket.sla_policy_id is not None and ticket.first_response_due_at
        if ticket.first_responded_at is not None:
            assert ticket.first_response_breached == (
                ticket.first_responded_at > ticket.first_response_due_at
            )
        if ticket.status in (TicketStatus.NEW, TicketStatus.OPEN):
            assert ticket.resolution_due_at is not None
            assert ticket.resolution_clock_started_at == ticket.created_at
        else:
            assert ticket.resolution_due_at is None
    data = await gql.data(
        """{ tickets(first: 5) { totalCount nodes { number sla { firstResponseDueAt }
             comments(first: 2) { nodes { kind } } } }
           supportOverview(period: {from: "2026-01-01", to: "2026-10-31"}, granularity: MONTH) {
             created solved resolution { count medianMinutes } slaAttainment } }"""
    )
    assert data["tickets"]["totalCount"] == 150
    overview = data["supportOverview"]
    assert overview["created"] > 0 and overview["resolution"]["medianMinutes"] > 0
    assert 0 < overview["slaAttainment"] <= 100


async def test_a_run_without_the_option_makes_a_few_tickets_per_customer(db):
    report = await generate(50, 4, batch_size=500, progress=False)
    assert report.rows["ticket"] == 30
