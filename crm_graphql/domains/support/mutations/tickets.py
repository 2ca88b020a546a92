"""Mutations of tickets: create, update, change status, assign, comment.

The rules (status machine, SLA clocks, first response, surveys) live in ``services``.
Every mutation reads the ticket with a row lock, so changes of one ticket never
interleave.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import Problems, UserError
from crm_graphql.api.mutations.writes import Writes
from crm_graphql.domains.support import services
from crm_graphql.domains.support.enums import (
    TicketChannel,
    TicketCommentKind,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from crm_graphql.domains.support.models import TicketStatus as Status
from crm_graphql.domains.support.types import Ticket, TicketComment


@strawberry.input(description="A new ticket; it starts NEW, its SLA clocks start now.")
class CreateTicketInput:
    customer: strawberry.ID = strawberry.field(description="Customer ID (not a deleted customer).")
    subject: str = strawberry.field(description="One-line summary (1-255 characters).")
    channel: TicketChannel = strawberry.field(description="How it reached support.")
    description: str | None = strawberry.field(
        default=None, description="What the customer asked, in full."
    )
    priority: TicketPriority = strawberry.field(
        default=TicketPriority.NORMAL, description="How urgent it is (picks the SLA policy)."
    )
    type: TicketType = strawberry.field(
        default=TicketType.QUESTION, description="What kind of help it asks for."
    )
    order: strawberry.ID | None = strawberry.field(
        default=None, description="An order of the same customer it is about."
    )
    assignee: strawberry.ID | None = strawberry.field(
        default=None,
        description="Staff member (SUPPORT, MANAGER or ADMIN) to work on it; unassigned "
        "when omitted.",
    )
    tags: list[str] | None = strawberry.field(default=None, description="Free labels.")


@strawberry.input(
    description="Changes to a ticket: only the fields given change. Status and assignee "
    "change through `changeTicketStatus` and `assignTicket`."
)
class UpdateTicketInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    subject: str | None = strawberry.field(default=UNSET, description="One-line summary.")
    description: str | None = strawberry.field(default=UNSET, description="Full text.")
    channel: TicketChannel | None = strawberry.field(default=UNSET, description="Channel.")
    priority: TicketPriority | None = strawberry.field(
        default=UNSET,
        description="Priority: picks that priority's SLA policy and moves the due times.",
    )
    type: TicketType | None = strawberry.field(default=UNSET, description="Type.")
    order: strawberry.ID | None = strawberry.field(
        default=UNSET, description="An order of the same customer; null clears."
    )
    tags: list[str] | None = strawberry.field(default=UNSET, description="Free labels.")


@strawberry.input(description="A comment on a ticket.")
class TicketCommentInput:
    body: str = strawberry.field(description="The text (1-100,000 characters).")
    kind: TicketCommentKind = strawberry.field(
        description="A reply the customer sees, or an internal note for staff."
    )


@strawberry.type(description="The result of a ticket mutation.")
class TicketPayload:
    ticket: Ticket | None = strawberry.field(description="The ticket as saved; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


@strawberry.type(description="The result of `changeTicketStatus`.")
class TicketStatusPayload:
    ticket: Ticket | None = strawberry.field(description="The ticket as saved; null when refused.")
    survey_token: str | None = strawberry.field(
        description="When the ticket became SOLVED: the one-time token of its satisfaction "
        "survey, for the customer (`POST /surveys/{token}`). Shown only here, once."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the change was refused; empty on success."
    )


@strawberry.type(description="The result of `addTicketComment`.")
class TicketCommentPayload:
    comment: TicketComment | None = strawberry.field(
        description="The comment as saved; null when refused."
    )
    ticket: Ticket | None = strawberry.field(description="Its ticket as saved; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Why the comment was refused; empty on success."
    )


TICKET = Writes(Ticket, TicketPayload, field="ticket", load=services.locked_ticket)

IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the ticket.")]
VersionArg = Annotated[
    int,
    strawberry.argument(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    ),
]


@strawberry.type
class TicketMutations:
    @strawberry.mutation(description="Open a ticket for a customer; its SLA clocks start now.")
    async def create_ticket(
        self,
        info: Info,
        input: Annotated[CreateTicketInput, strawberry.argument(description="The ticket.")],
    ) -> TicketPayload:
        return await TICKET.create(info, input, services.new_ticket, after=services.number_ticket)

    @strawberry.mutation(description="Change a ticket: only the fields given change.")
    async def update_ticket(
        self,
        info: Info,
        id: IdArg,
        input: Annotated[UpdateTicketInput, strawberry.argument(description="The changes.")],
    ) -> TicketPayload:
        return await TICKET.update(info, id, input, services.ticket_changes)

    @strawberry.mutation(
        description="Move a ticket along its status machine: NEW -> OPEN, PENDING, ON_HOLD "
        "or SOLVED; OPEN, PENDING and ON_HOLD -> each other and SOLVED; SOLVED -> CLOSED, "
        "or back to OPEN within the reopen window; CLOSED is final. Anything else is "
        "INVALID_TRANSITION. PENDING and ON_HOLD pause the resolution clock, OPEN runs it "
        "again; SOLVED stops it and issues a satisfaction survey."
    )
    async def change_ticket_status(
        self,
        info: Info,
        id: IdArg,
        status: Annotated[TicketStatus, strawberry.argument(description="The new status.")],
        version: VersionArg,
    ) -> TicketStatusPayload:
        settings = info.context.settings
        extra: dict[str, str] = {}

        async def after(change, row, values) -> None:  # type: ignore[no-untyped-def]
            extra.update(change.extra)

        payload = await TICKET.act(
            info,
            id,
            "status",
            ["status"],
            services.move_to(
                Status(status.value),
                settings.support_reopen_days,
                settings.survey_token_days,
            ),
            version=version,
            path=["status"],
            after=after,
        )
        return TicketStatusPayload(
            ticket=payload.ticket,
            survey_token=extra.get("survey_token") if payload.ticket is not None else None,
            user_errors=payload.user_errors,
        )

    @strawberry.mutation(
        description="Assign a ticket to a staff member of support or management (SUPPORT, "
        "MANAGER, ADMIN), or unassign it with null."
    )
    async def assign_ticket(
        self,
        info: Info,
        id: IdArg,
        assignee: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="User ID of the new assignee; null: nobody."),
        ],
        version: VersionArg,
    ) -> TicketPayload:
        return await TICKET.act(
            info,
            id,
            "assign",
            ["assignee"],
            services.assign(assignee),
            version=version,
            path=["assignee"],
        )

    @strawberry.mutation(
        description="Add a public reply or an internal note to a ticket (not a CLOSED one: "
        "CLOSED). The first public reply is the ticket's first response."
    )
    async def add_ticket_comment(
        self,
        info: Info,
        ticket_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global ID of the ticket.")
        ],
        input: Annotated[TicketCommentInput, strawberry.argument(description="The comment.")],
    ) -> TicketCommentPayload:
        written: list = []

        async def work(problems: Problems):  # type: ignore[no-untyped-def]
            ticket = await TICKET.find(problems, ticket_id, ["ticketId"])
            await TICKET.require(problems, ticket, ["comments"], ["ticketId"])
            public = input.kind == TicketCommentKind.PUBLIC_REPLY
            comment, changes = await services.add_comment(
                problems, ticket, input.body, public, problems.caller_id
            )
            written.append(comment)
            saved = await TICKET.reload(ticket.pk)
            # The row before and after: a first reply changes the ticket's first-response
            # columns, which the rollups count.
            await TICKET.record(
                problems,
                "comment",
                ticket.pk,
                {"comment_id": comment.pk, "public": public, **changes},
                before=ticket,
                after=saved,
            )
            return saved

        payload = await TICKET.transaction(info, work)
        return TicketCommentPayload(
            comment=written[0] if payload.ticket is not None and written else None,
            ticket=payload.ticket,
            user_errors=payload.user_errors,
        )
