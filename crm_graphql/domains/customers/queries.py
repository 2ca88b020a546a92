"""Root query fields of the customers domain."""

from __future__ import annotations

from typing import Annotated

import strawberry
from tortoise.expressions import Q

from crm_graphql.api.context import Info
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.filters import filter_q, search_q
from crm_graphql.api.ids import decode_id
from crm_graphql.api.loaders import load_by_id
from crm_graphql.api.pagination import (
    After,
    Before,
    Connection,
    FilterArg,
    First,
    IdArg,
    Last,
    OrderByArg,
    list_page,
)
from crm_graphql.api.permissions import PERSONAL
from crm_graphql.domains.customers.filters import (
    COMPANY_LIST,
    COMPANY_SEARCH,
    CUSTOMER_LIST,
    CUSTOMER_SEARCH,
    CUSTOMER_SEARCH_WITHOUT_EMAIL,
    CompanyFilter,
    CompanyOrderBy,
    CustomerFilter,
    CustomerOrderBy,
)
from crm_graphql.domains.customers.models import Company as CompanyModel
from crm_graphql.domains.customers.models import Customer as CustomerModel
from crm_graphql.domains.customers.types import (
    NOT_DELETED,
    Company,
    Customer,
    is_visible_customer,
)
from crm_graphql.domains.users.enums import Role

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


@strawberry.type
class CustomerQueries:
    @strawberry.field(description="One customer by global ID; null when there is none.")
    async def customer(self, info: Info, id: IdArg) -> Customer | None:
        row = await load_by_id(info, CustomerModel, decode_id(id, "Customer"))
        return row if row is not None and is_visible_customer(row) else None

    @strawberry.field(description="Customers, newest first by default.")
    async def customers(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: FilterArg[CustomerFilter | None] = None,
        order_by: OrderByArg[list[CustomerOrderBy] | None] = None,
        search: SearchArg = None,
        include_deleted: Annotated[
            bool,
            strawberry.argument(description="Include soft-deleted customers (ADMIN only)."),
        ] = False,
    ) -> Connection[Customer]:
        principal = info.context.principal
        if include_deleted and (principal is None or principal.role != Role.ADMIN):
            raise CrmError(
                "Only ADMIN may list deleted customers.",
                ErrorCode.FORBIDDEN,
                argument="includeDeleted",
            )
        columns = (
            CUSTOMER_SEARCH
            if principal is not None and principal.role in PERSONAL
            else CUSTOMER_SEARCH_WITHOUT_EMAIL
        )
        visible = Q() if include_deleted else NOT_DELETED
        where = visible & filter_q(filter, info) & search_q(search, columns)
        return await list_page(
            info,
            CUSTOMER_LIST,
            where,
            first=first,
            after=after,
            last=last,
            before=before,
            order_by=order_by,
        )

    @strawberry.field(description="One company by global ID; null when there is none.")
    async def company(self, info: Info, id: IdArg) -> Company | None:
        return await load_by_id(info, CompanyModel, decode_id(id, "Company"))

    @strawberry.field(description="Companies, by name by default.")
    async def companies(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: FilterArg[CompanyFilter | None] = None,
        order_by: OrderByArg[list[CompanyOrderBy] | None] = None,
        search: CompanySearchArg = None,
    ) -> Connection[Company]:
        where = filter_q(filter, info) & search_q(search, COMPANY_SEARCH)
        return await list_page(
            info,
            COMPANY_LIST,
            where,
            first=first,
            after=after,
            last=last,
            before=before,
            order_by=order_by,
        )
