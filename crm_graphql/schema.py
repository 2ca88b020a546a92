"""The composition root of the GraphQL schema: every domain's root fields, merged.

The kernel (``crm_graphql.api``) never imports a domain; this module does, and it is
the one place a new domain's queries and mutations are added.
"""

from __future__ import annotations

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.entities import node_types
from crm_graphql.api.execution import CrmExecutionContext, CrmSchema, schema_extensions
from crm_graphql.api.ids import IdArg
from crm_graphql.api.limits import Limits
from crm_graphql.api.node import Node, resolve_node
from crm_graphql.domains.analytics.queries import AnalyticsQueries
from crm_graphql.domains.audit.queries import AuditQueries
from crm_graphql.domains.auth.mutations import AuthMutations
from crm_graphql.domains.auth.queries import AuthQueries
from crm_graphql.domains.auth.services import authenticate
from crm_graphql.domains.automation.mutations.rules import AutomationMutations
from crm_graphql.domains.automation.queries import AutomationQueries
from crm_graphql.domains.billing.aggregates import BillingAggregateQueries
from crm_graphql.domains.billing.mutations.invoices import InvoiceMutations
from crm_graphql.domains.billing.mutations.payments import PaymentMutations
from crm_graphql.domains.billing.queries import BillingQueries
from crm_graphql.domains.customers.aggregates import CustomerAggregateQueries
from crm_graphql.domains.customers.mutations.companies import CompanyMutations
from crm_graphql.domains.customers.mutations.custom_fields import CustomFieldMutations
from crm_graphql.domains.customers.mutations.customers import CustomerMutations
from crm_graphql.domains.customers.queries import CustomerQueries, CustomFieldQueries
from crm_graphql.domains.duplicates.mutations import MergeMutations
from crm_graphql.domains.duplicates.queries import DuplicateQueries
from crm_graphql.domains.integration.mutations.imports import ImportMutations
from crm_graphql.domains.integration.mutations.webhooks import WebhookMutations
from crm_graphql.domains.integration.queries import IntegrationQueries
from crm_graphql.domains.interactions.aggregates import InteractionAggregateQueries
from crm_graphql.domains.interactions.mutations.interactions import InteractionMutations
from crm_graphql.domains.interactions.queries import InteractionQueries
from crm_graphql.domains.leads.aggregates import LeadAggregateQueries
from crm_graphql.domains.leads.mutations.forms import LeadFormMutations
from crm_graphql.domains.leads.mutations.leads import LeadMutations
from crm_graphql.domains.leads.queries import LeadQueries
from crm_graphql.domains.marketing.aggregates import CampaignAggregateQueries
from crm_graphql.domains.marketing.mutations.campaigns import CampaignMutations
from crm_graphql.domains.marketing.mutations.consent import ConsentMutations
from crm_graphql.domains.marketing.mutations.segments import SegmentMutations
from crm_graphql.domains.marketing.queries import MarketingQueries
from crm_graphql.domains.orders.aggregates import OrderAggregateQueries
from crm_graphql.domains.orders.mutations.orders import OrderMutations
from crm_graphql.domains.orders.mutations.products import ProductMutations
from crm_graphql.domains.orders.queries import OrderQueries
from crm_graphql.domains.privacy.mutations.privacy import PrivacyMutations
from crm_graphql.domains.sales.aggregates import OpportunityAggregateQueries
from crm_graphql.domains.sales.mutations.opportunities import OpportunityMutations
from crm_graphql.domains.sales.queries import SalesQueries
from crm_graphql.domains.support.aggregates import TicketAggregateQueries
from crm_graphql.domains.support.dashboards import SupportDashboardQueries
from crm_graphql.domains.support.mutations.sla import SlaMutations
from crm_graphql.domains.support.mutations.tickets import TicketMutations
from crm_graphql.domains.support.queries import SupportQueries
from crm_graphql.domains.tasks.aggregates import TaskAggregateQueries
from crm_graphql.domains.tasks.mutations.tasks import TaskMutations
from crm_graphql.domains.tasks.queries import TaskQueries
from crm_graphql.domains.users.mutations.users import UserMutations
from crm_graphql.domains.users.queries import UserQueries
from crm_graphql.settings import Settings


@strawberry.type(description="Every read the CRM offers.")
class Query(
    CustomerQueries,
    InteractionQueries,
    OrderQueries,
    SalesQueries,
    UserQueries,
    AuthQueries,
    AuditQueries,
    CustomFieldQueries,
    AnalyticsQueries,
    CustomerAggregateQueries,
    OrderAggregateQueries,
    OpportunityAggregateQueries,
    InteractionAggregateQueries,
    SupportQueries,
    TicketAggregateQueries,
    SupportDashboardQueries,
    IntegrationQueries,
    BillingQueries,
    BillingAggregateQueries,
    MarketingQueries,
    CampaignAggregateQueries,
    LeadQueries,
    LeadAggregateQueries,
    TaskQueries,
    TaskAggregateQueries,
    AutomationQueries,
    DuplicateQueries,
):
    @strawberry.field(description="Any record by its global ID; null when there is none.")
    async def node(self, info: Info, id: IdArg) -> Node | None:
        return await resolve_node(info, id)


@strawberry.type(
    description="Every change the CRM offers. All but `login` and `refreshToken` need credentials."
)
class Mutation(
    AuthMutations,
    CustomerMutations,
    CompanyMutations,
    InteractionMutations,
    OpportunityMutations,
    ProductMutations,
    OrderMutations,
    UserMutations,
    CustomFieldMutations,
    TicketMutations,
    SlaMutations,
    WebhookMutations,
    ImportMutations,
    InvoiceMutations,
    PaymentMutations,
    SegmentMutations,
    CampaignMutations,
    ConsentMutations,
    LeadMutations,
    LeadFormMutations,
    TaskMutations,
    AutomationMutations,
    PrivacyMutations,
    MergeMutations,
):
    pass


def build_schema(settings: Settings | None = None, limits: Limits | None = None) -> CrmSchema:
    """The schema with its limits (see :mod:`crm_graphql.api.limits`)."""
    settings = settings or Settings.model_construct()
    limits = limits or Limits.from_settings(settings)
    return CrmSchema(
        query=Query,
        mutation=Mutation,
        types=node_types(),
        extensions=schema_extensions(settings, limits, authenticate),
        execution_context_class=CrmExecutionContext,
    )


def schema_sdl() -> str:
    """The schema in SDL, as committed in ``schema.graphql``."""
    return build_schema().as_str() + "\n"
