"""GraphQL types of opportunities."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.entities import ANY_ROW, OWNED_PARENT, WriteRule, entity
from crm_graphql.api.loaders import load_by_id
from crm_graphql.api.node import Node
from crm_graphql.api.pagination.fields import connection
from crm_graphql.api.permissions import guarded_field
from crm_graphql.api.references import reference
from crm_graphql.api.roles import FINANCIAL, Role
from crm_graphql.domains.sales import loaders
from crm_graphql.domains.sales.enums import OpportunityStage
from crm_graphql.domains.sales.models import Opportunity as OpportunityModel
from crm_graphql.domains.tasks.filters import TASK_LIST
from crm_graphql.domains.users.models import User as UserModel
from crm_graphql.domains.users.types import User

#: Opportunities the caller owns, with customers it owns.
ON_OWN_CUSTOMERS = WriteRule(own_only=True, parents=(("customer", OWNED_PARENT),))


@strawberry.type(description="One change of an opportunity's pipeline stage.")
class OpportunityStageChange:
    stage: OpportunityStage = strawberry.field(description="The stage entered.")
    changed_at: datetime = strawberry.field(description="When.")
    _changed_by_id: strawberry.Private[int | None]

    @strawberry.field(description="The staff member who made the change.", graphql_type=User | None)
    async def changed_by(self, info: Info) -> UserModel | None:
        return await load_by_id(info, UserModel, self._changed_by_id)


@strawberry.type(description="A possible sale to a customer, moving through pipeline stages.")
@entity(
    OpportunityModel,
    owner="owner_id",
    # SALES: its own opportunities, on customers it owns.
    writers={Role.MANAGER: ANY_ROW, Role.SALES: ON_OWN_CUSTOMERS},
)
class Opportunity(Node):
    name: str = strawberry.field(description="Short name of the deal.")
    amount: Decimal | None = guarded_field(
        FINANCIAL, "Expected value, in `currency`.", attr="amount"
    )
    currency: str = strawberry.field(description="ISO 4217 currency code of the amount.")
    stage: OpportunityStage = strawberry.field(description="Pipeline stage.")
    probability: int = strawberry.field(description="Chance of winning, in percent (0-100).")
    expected_close_date: date | None = strawberry.field(
        description="When the deal is expected to close."
    )
    closed_at: datetime | None = strawberry.field(description="When it was won or lost.")
    lost_reason: str | None = strawberry.field(description="Why it was lost (CLOSED_LOST).")
    version: int = strawberry.field(
        description="Incremented by every change; send it back with updates."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    customer = reference("The customer the deal is with.")
    company = reference("The customer's company, if any.")
    owner = reference("The staff member responsible.")
    campaign = reference("The campaign it came from (its primary campaign source), if any.")

    @strawberry.field(
        description="Every stage the deal entered, oldest first, starting with its first stage."
    )
    async def stage_history(
        self, root: OpportunityModel, info: Info
    ) -> list[OpportunityStageChange]:
        return await loaders.load_stage_history(info, root.id)

    tasks = connection(
        TASK_LIST,
        parent="opportunity",
        description="Tasks about the opportunity, soonest due first by default.",
    )
