"""GraphQL types of privacy requests."""

from __future__ import annotations

import strawberry

from crm_graphql.domains.privacy.services import ErasureCounts


@strawberry.type(description="How many records an erasure changed, by kind.")
class ErasureSummary:
    interactions: int = strawberry.field(description="Interactions whose body was erased.")
    tickets: int = strawberry.field(description="Tickets whose description was erased.")
    ticket_comments: int = strawberry.field(description="Ticket comments erased.")
    surveys: int = strawberry.field(description="Satisfaction-survey answers erased.")
    leads: int = strawberry.field(
        description="Leads with the person's e-mail (or converted into them) anonymised."
    )
    tasks: int = strawberry.field(description="Tasks about the person whose notes were erased.")
    opportunities: int = strawberry.field(
        description="Opportunities whose name or lost reason mentioned the person."
    )
    audit_events: int = strawberry.field(
        description="Audit events about the person's records whose diffs were redacted."
    )
    copies: int = strawberry.field(
        description="Other rows holding copies of the values (audit diffs, events, webhook "
        "deliveries, idempotency records, import errors) that were scrubbed."
    )

    @classmethod
    def of(cls, counts: ErasureCounts) -> ErasureSummary:
        return cls(**counts.as_dict())
