"""Satisfaction surveys: a one-time token when a ticket is solved, answered once over a
public route before it expires, revealing only the ticket's subject."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from crm_graphql.domains.support.models import SatisfactionSurvey, Ticket, TicketStatus
from tests.analytics.rollup_helpers import verify_clean
from tests.factories import gid, make_customer, make_ticket
from tests.support.documents import STATUS

TODAY = datetime.now(UTC).date().isoformat()
OVERVIEW = f"""{{ supportOverview(period: {{from: "{TODAY}", to: "{TODAY}"}}) {{
  satisfaction {{ surveysSent responses }} }} }}"""
SATISFACTION = (
    """query($id: ID!) { ticket(id: $id) { satisfaction { score comment answeredAt } } }"""
)


async def _solve(gql, **fields) -> tuple[Ticket, str]:
    row = await make_ticket(
        await make_customer(), status=TicketStatus.OPEN, subject="Parcel lost", **fields
    )
    payload = (await gql.data(STATUS, {"id": gid(row), "status": "SOLVED", "version": 1}))[
        "changeTicketStatus"
    ]
    assert payload["userErrors"] == []
    return row, payload["surveyToken"]


async def test_the_token_answers_once_and_shows_the_answer_on_the_ticket(gql, anon, db):
    row, token = await _solve(gql, description="My secret order details")
    public = await anon()
    shown = await public.http.get(f"/surveys/{token}")
    assert shown.status_code == 200
    assert shown.json() == {"subject": "Parcel lost", "answered": False}
    answered = await public.http.post(f"/surveys/{token}", json={"score": 4, "comment": "Quick!"})
    assert (answered.status_code, answered.json()) == (
        200,
        {"subject": "Parcel lost", "answered": True},
    )
    satisfaction = (await gql.data(SATISFACTION, {"id": gid(row)}))["ticket"]["satisfaction"]
    assert (satisfaction["score"], satisfaction["comment"]) == (4, "Quick!")
    again = await public.http.post(f"/surveys/{token}", json={"score": 1})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "SURVEY_ALREADY_ANSWERED"
    survey = await SatisfactionSurvey.get(ticket_id=row.pk)
    assert (survey.score, survey.comment) == (4, "Quick!")
    # The survey and its answer are counted in the surveys' rollups (once).
    await verify_clean()
    # Only a hash of the token is kept.
    assert token not in (survey.token_hash, str(vars(survey)))


async def test_two_answers_sent_at_once_count_once_in_the_dashboards(gql, anon, db):
    _, token = await _solve(gql)
    public = await anon()
    replies = await asyncio.gather(
        *(public.http.post(f"/surveys/{token}", json={"score": score}) for score in (2, 5))
    )
    assert sorted(reply.status_code for reply in replies) == [200, 409]
    await verify_clean()
    overview = await gql.data(OVERVIEW)
    assert overview["supportOverview"]["satisfaction"]["responses"] == 1


async def test_an_expired_token_is_refused_and_changes_nothing(gql, anon, db):
    row, token = await _solve(gql)
    await SatisfactionSurvey.filter(ticket_id=row.pk).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    response = await (await anon()).http.post(f"/surveys/{token}", json={"score": 5})
    assert (response.status_code, response.json()["error"]["code"]) == (410, "SURVEY_EXPIRED")
    assert (await SatisfactionSurvey.get(ticket_id=row.pk)).answered_at is None


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"score": 0}, 422, "score"),
        ({"score": 6}, 422, "score"),
        ({"score": "5"}, 422, "score"),
        ({"score": True}, 422, "score"),
        ({"score": 3, "comment": "x" * 2001}, 422, "comment"),
        ([1, 2], 400, None),
    ],
)
async def test_a_bad_answer_is_refused_and_the_survey_stays_open(
    gql, anon, db, body, status, field
):
    row, token = await _solve(gql)
    response = await (await anon()).http.post(f"/surveys/{token}", json=body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == "BAD_USER_INPUT" and error.get("field") == field
    assert (await SatisfactionSurvey.get(ticket_id=row.pk)).answered_at is None


async def test_unknown_tokens_and_broken_bodies_are_refused(anon, db):
    public = await anon()
    missing = await public.http.post("/surveys/not-a-token", json={"score": 3})
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "SURVEY_NOT_FOUND")
    assert (await public.http.get("/surveys/not-a-token")).status_code == 404


async def test_a_body_that_is_no_json_is_refused(gql, anon, db):
    row, token = await _solve(gql)
    broken = await (await anon()).http.post(f"/surveys/{token}", content=b"{score: 5")
    assert (broken.status_code, broken.json()["error"]["code"]) == (400, "BAD_USER_INPUT")
    assert (await SatisfactionSurvey.get(ticket_id=row.pk)).answered_at is None


async def test_reopening_revokes_the_open_survey_and_solving_again_issues_a_new_one(gql, anon, db):
    row, first = await _solve(gql)
    reopened = (await gql.data(STATUS, {"id": gid(row), "status": "OPEN", "version": 2}))[
        "changeTicketStatus"
    ]
    assert reopened["userErrors"] == []
    public = await anon()
    revoked = await public.http.post(f"/surveys/{first}", json={"score": 2})
    assert revoked.status_code == 410
    second = (await gql.data(STATUS, {"id": gid(row), "status": "SOLVED", "version": 3}))[
        "changeTicketStatus"
    ]["surveyToken"]
    assert second != first
    assert (await public.http.post(f"/surveys/{second}", json={"score": 5})).status_code == 200
