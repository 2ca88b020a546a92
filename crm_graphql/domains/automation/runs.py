"""The list of automation runs: filters by rule, record and outcome, and the delivery
rows (outcome, attempts, error) attached to a page in one statement."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types.unset import UNSET
from tortoise.expressions import Q, Subquery

from crm_graphql.api.context import Info
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.filters import (
    DateTimeFilter,
    FilterInput,
    IDFilter,
    LeafFilter,
    filter_input,
)
from crm_graphql.api.ids import decode_id, parse_global_id
from crm_graphql.api.loaders import attach, attached
from crm_graphql.api.pagination.cursors import SortKey
from crm_graphql.api.pagination.listing import sortable
from crm_graphql.domains.automation.enums import AutomationRunState
from crm_graphql.domains.automation.models import AutomationRun
from crm_graphql.domains.automation.types import RECORD_TYPES
from crm_graphql.events import DeliveryState, EventDelivery

#: The subscriber whose deliveries are the runs.
RUN_SUBSCRIBER = "automation.run"
_NOTHING = Q(pk__in=[0])


def _outcome_q(state: AutomationRunState) -> Q:
    runs = EventDelivery.filter(subscriber=RUN_SUBSCRIBER)
    if state == AutomationRunState.PENDING:
        # Not yet relayed (no delivery row) or relayed and not yet attempted.
        started = runs.exclude(state=DeliveryState.PENDING)
        return ~Q(event_id__in=Subquery(started.values("event_id")))
    chosen = runs.filter(state=DeliveryState(state.value))
    return Q(event_id__in=Subquery(chosen.values("event_id")))


@strawberry.input(description="Conditions on the outcome of a run.")
class AutomationRunStateFilter(LeafFilter):
    eq: AutomationRunState | None = strawberry.field(default=UNSET, description="Equal.")
    in_: list[AutomationRunState] | None = strawberry.field(
        default=UNSET, name="in", description="One of these."
    )

    def to_q(self, column: str) -> Q:
        parts = []
        if self.eq not in (UNSET, None):
            parts.append(_outcome_q(self.eq))
        if self.in_ not in (UNSET, None):
            states = list(self.in_)
            parts.append(Q(*map(_outcome_q, states), join_type="OR") if states else _NOTHING)
        return Q(*parts) if parts else Q()


@strawberry.input(description="The record a run is about, by its global ID.")
class AutomationRecordFilter(LeafFilter):
    eq: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The record (a Lead, Opportunity or Task ID)."
    )

    def to_q(self, column: str) -> Q:
        if self.eq in (UNSET, None):
            return Q()
        type_name, _ = parse_global_id(str(self.eq))
        record_type = {name: key for key, name in RECORD_TYPES.items()}.get(type_name)
        if record_type is None:
            raise CrmError(
                "Not a Lead, Opportunity or Task ID.",
                ErrorCode.INVALID_ID,
                argument="filter.record",
            )
        pk = decode_id(str(self.eq), type_name, "filter.record")
        return Q(record_type=record_type, record_id=pk)


@filter_input("automation runs")
class AutomationRunFilter(FilterInput):
    model = AutomationRun

    rule: IDFilter | None = strawberry.field(default=UNSET, description="The rule.")
    record: AutomationRecordFilter | None = strawberry.field(
        default=UNSET, description="The record it ran on."
    )
    outcome: AutomationRunStateFilter | None = strawberry.field(
        default=UNSET, description="Where it stands (PENDING, RETRYING, DONE, FAILED...)."
    )
    created_at: DateTimeFilter | None = strawberry.field(
        default=UNSET, description="When the rule fired."
    )


async def attach_deliveries(info: Info, rows: list[Any]) -> None:
    """Attach each run's delivery row (one statement for the page; None while the run
    is not yet relayed)."""
    todo = [row for row in rows if not attached(row, "delivery")[0]]
    if not todo:
        return
    deliveries = await EventDelivery.filter(
        subscriber=RUN_SUBSCRIBER, event_id__in=[row.event_id for row in todo]
    )
    by_event = {delivery.event_id: delivery for delivery in deliveries}  # type: ignore[attr-defined]
    for row in todo:
        attach(row, "delivery", by_event.get(row.event_id))


AUTOMATION_RUN_LIST = sortable(
    "AutomationRun",
    AutomationRun,
    {"CREATED_AT": ("created_at", "When the rule fired.")},
    default=(SortKey("created_at", True),),
    filter=AutomationRunFilter,
    children={
        name: attach_deliveries
        for name in ("state", "attempts", "error", "finishedAt", "nextAttemptAt")
    },
)
