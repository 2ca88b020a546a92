"""Root query fields of the customers domain."""

from __future__ import annotations

from typing import Annotated

import strawberry

from crm_graphql.api.context import Info
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.filters import search_q
from crm_graphql.api.ids import IdArg
from crm_graphql.api.node import resolve_node
from crm_graphql.api.pagination.fields import ListCondition, connection
from crm_graphql.api.roles import PERSONAL, Role
from crm_graphql.domains.customers.filters import (
    COMPANY_LIST,
    COMPANY_SEARCH,
    CUSTOMER_LIST,
    CUSTOMER_SEARCH,
    CUSTOMER_SEARCH_WITHOUT_EMAIL,
)
from crm_graphql.domains.customers.models import (
    CustomFieldDefinition as CustomFieldDefinitionModel,
)
from crm_graphql.domains.customers.types import Company, Customer, CustomFieldDefinition
from crm_graphql.domains.marketing.segments import segment_argument_q

SearchArg = Annotated[
    str | None,
    strawberry.argument(
        description="Free text: every word must appear (ignoring case) in the name, "
        "e-mail or company name."
    ),
]
CompanySearchArg = Annotated[
    str | None,
    strawberry.argument(
        description="Free text: every word must appear (ignoring case) in the name or domain."
    ),
]
SegmentArg = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="Only the customers of this saved segment (its filter and search, with "
        "the caller's field rules)."
    ),
]
IncludeDeletedArg = Annotated[
    bool, strawberry.argument(description="Include soft-deleted customers (ADMIN only).")
]


@strawberry.type
class CustomerQueries:
    @strawberry.field(description="One customer by global ID; null when there is none.")
    async def customer(self, info: Info, id: IdArg) -> Customer | None:
        return await resolve_node(info, id, "Customer")

    @connection(CUSTOMER_LIST, description="Customers, newest first by default.")
    async def customers(
        self,
        info: Info,
        search: SearchArg = None,
        include_deleted: IncludeDeletedArg = False,
        segment: SegmentArg = None,
    ) -> ListCondition:
        principal = info.context.principal
        if include_deleted and (principal is None or principal.role != Role.ADMIN):
            raise CrmError(
                "Only ADMIN may list deleted customers.",
                ErrorCode.FORBIDDEN,
                argument="includeDeleted",
            )
        # Search the e-mail address only for roles that may read it.
        columns = (
            CUSTOMER_SEARCH
            if principal is not None and principal.role in PERSONAL
            else CUSTOMER_SEARCH_WITHOUT_EMAIL
        )
        where = search_q(search, columns)
        if segment is not None:
            where &= await segment_argument_q(info, segment)
        return ListCondition(where, include_deleted=include_deleted)

    @strawberry.field(description="One company by global ID; null when there is none.")
    async def company(self, info: Info, id: IdArg) -> Company | None:
        return await resolve_node(info, id, "Company")

    @connection(COMPANY_LIST, description="Companies, by name by default.")
    def companies(self, search: CompanySearchArg = None) -> ListCondition:
        return ListCondition(search_q(search, COMPANY_SEARCH))


@strawberry.type
class CustomFieldQueries:
    @strawberry.field(
        description="The custom fields customers may have, by key.",
        graphql_type=list[CustomFieldDefinition],
    )
    async def custom_field_definitions(self) -> list[CustomFieldDefinitionModel]:
        return await CustomFieldDefinitionModel.all().order_by("key")
