"""Mutations of business calendars and SLA policies (MANAGER and ADMIN).

Changes apply to the clocks computed from then on: a ticket keeps the due times it has
until its priority or status changes.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import UserError
from crm_graphql.api.mutations.writes import Writes
from crm_graphql.domains.support import services
from crm_graphql.domains.support.enums import TicketPriority, Weekday
from crm_graphql.domains.support.types import BusinessCalendar, SlaPolicy


@strawberry.input(description="Working time on one day of the week.")
class WorkingPeriodInput:
    day: Weekday = strawberry.field(description="The day of the week.")
    start: time = strawberry.field(description="Local time work starts (HH:MM).")
    end: time | None = strawberry.field(
        default=None,
        description="Local time work ends, after `start`; null or 00:00: at midnight.",
    )


@strawberry.input(description="A new business calendar.")
class CreateBusinessCalendarInput:
    name: str = strawberry.field(description="Name, unique (1-120 characters).")
    time_zone: str = strawberry.field(description="IANA time zone, e.g. Europe/Berlin.")
    working_hours: list[WorkingPeriodInput] = strawberry.field(
        description="Working periods: at least one; periods of a day must not overlap."
    )
    holiday_country: str | None = strawberry.field(
        default=None,
        description="ISO 3166-1 country whose public holidays are days off (null: none).",
    )
    holiday_subdivision: str | None = strawberry.field(
        default=None, description="Subdivision of the country for regional holidays."
    )
    custom_holidays: list[date] | None = strawberry.field(
        default=None, description="Further days off."
    )


@strawberry.input(description="Changes to a business calendar: only the fields given change.")
class UpdateBusinessCalendarInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    name: str | None = strawberry.field(default=UNSET, description="Name, unique.")
    time_zone: str | None = strawberry.field(default=UNSET, description="IANA time zone.")
    working_hours: list[WorkingPeriodInput] | None = strawberry.field(
        default=UNSET, description="Working periods (at least one)."
    )
    holiday_country: str | None = strawberry.field(
        default=UNSET, description="Country of the public holidays; null: none."
    )
    holiday_subdivision: str | None = strawberry.field(
        default=UNSET, description="Subdivision of the country; null: none."
    )
    custom_holidays: list[date] | None = strawberry.field(
        default=UNSET, description="Further days off."
    )


@strawberry.type(description="The result of a business-calendar mutation.")
class BusinessCalendarPayload:
    business_calendar: BusinessCalendar | None = strawberry.field(
        description="The calendar as saved; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


@strawberry.input(description="A new SLA policy.")
class CreateSlaPolicyInput:
    name: str = strawberry.field(description="Name (1-120 characters).")
    priority: TicketPriority = strawberry.field(description="The priority it applies to.")
    calendar: strawberry.ID = strawberry.field(description="The business calendar.")
    first_response_minutes: int = strawberry.field(
        description="Target for the first public reply, in business minutes (more than 0)."
    )
    resolution_minutes: int = strawberry.field(
        description="Target for the resolution, in business minutes (more than 0)."
    )
    company: strawberry.ID | None = strawberry.field(
        default=None, description="Only for customers of this company; null: every company."
    )
    active: bool = strawberry.field(default=True, description="Whether new tickets get it.")


@strawberry.input(description="Changes to an SLA policy: only the fields given change.")
class UpdateSlaPolicyInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    name: str | None = strawberry.field(default=UNSET, description="Name.")
    priority: TicketPriority | None = strawberry.field(default=UNSET, description="Priority.")
    calendar: strawberry.ID | None = strawberry.field(default=UNSET, description="Calendar.")
    first_response_minutes: int | None = strawberry.field(
        default=UNSET, description="First-response target in business minutes."
    )
    resolution_minutes: int | None = strawberry.field(
        default=UNSET, description="Resolution target in business minutes."
    )
    company: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Company; null: every company."
    )
    active: bool | None = strawberry.field(default=UNSET, description="Whether new tickets get it.")


@strawberry.type(description="The result of an SLA-policy mutation.")
class SlaPolicyPayload:
    sla_policy: SlaPolicy | None = strawberry.field(
        description="The policy as saved; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


CALENDAR = Writes(
    BusinessCalendar,
    BusinessCalendarPayload,
    field="business_calendar",
    unique={"name": "Another calendar has this name."},
)
POLICY = Writes(SlaPolicy, SlaPolicyPayload, field="sla_policy")

IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the record.")]


@strawberry.type
class SlaMutations:
    @strawberry.mutation(description="Create a business calendar.")
    async def create_business_calendar(
        self,
        info: Info,
        input: Annotated[
            CreateBusinessCalendarInput, strawberry.argument(description="The calendar.")
        ],
    ) -> BusinessCalendarPayload:
        return await CALENDAR.create(info, input, services.calendar_fields)

    @strawberry.mutation(description="Change a business calendar: only the fields given change.")
    async def update_business_calendar(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[
            UpdateBusinessCalendarInput, strawberry.argument(description="The changes.")
        ],
    ) -> BusinessCalendarPayload:
        return await CALENDAR.update(info, id, input, services.calendar_fields)

    @strawberry.mutation(description="Create an SLA policy.")
    async def create_sla_policy(
        self,
        info: Info,
        input: Annotated[CreateSlaPolicyInput, strawberry.argument(description="The policy.")],
    ) -> SlaPolicyPayload:
        return await POLICY.create(info, input, services.policy_fields)

    @strawberry.mutation(
        description="Change an SLA policy: only the fields given change. Tickets keep their "
        "due times until their priority or status changes."
    )
    async def update_sla_policy(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[UpdateSlaPolicyInput, strawberry.argument(description="The changes.")],
    ) -> SlaPolicyPayload:
        return await POLICY.update(info, id, input, services.policy_fields)
