"""Batched reads of the customer-service domain: the calendars behind tickets' SLA
policies, and the satisfaction answers of tickets."""

from __future__ import annotations

from typing import Any

from crm_graphql.api.context import Info
from crm_graphql.domains.support import calendars
from crm_graphql.domains.support.models import BusinessCalendar, SatisfactionSurvey, SlaPolicy


async def load_policy_calendar(info: Info, policy_id: int) -> calendars.Calendar | None:
    """The calendar of an SLA policy (two statements for every policy of the request)."""

    async def batch(ids: list[int]) -> list[calendars.Calendar | None]:
        policies = dict(await SlaPolicy.filter(pk__in=ids).values_list("id", "calendar_id"))
        rows = {row.pk: row for row in await BusinessCalendar.filter(pk__in=policies.values())}
        found = []
        for policy_id in ids:
            row = rows.get(policies.get(policy_id))
            found.append(calendars.of_row(row) if row is not None else None)
        return found

    return await info.context.loader("policy_calendar", batch).load(policy_id)


async def load_satisfaction(info: Info, ticket_id: int) -> Any:
    """The latest answered survey of a ticket, or None (one statement for every ticket)."""

    async def batch(ids: list[int]) -> list[Any]:
        latest: dict[int, Any] = {}
        rows = SatisfactionSurvey.filter(ticket_id__in=ids, answered_at__isnull=False).order_by(
            "answered_at", "id"
        )
        for row in await rows:
            latest[row.ticket_id] = row
        return [latest.get(ticket_id) for ticket_id in ids]

    return await info.context.loader("ticket_satisfaction", batch).load(ticket_id)
