"""A textbook Strawberry + Tortoise app: the headline query with DataLoaders, as the docs teach.

What a team writes after reading Strawberry's DataLoader guide and Tortoise's query
docs: types with resolvers, one ``DataLoader`` per relation made per request in the
context getter, batch functions that load whole model instances with
``filter(<key>__in=keys)``, a connection type with ``totalCount`` and ``nodes``, and
nested pages cut in Python (each customer's rows are loaded, then sliced to
``first``). It answers the API's very document (same arguments) with the same data.
No authentication, no permissions, no limits: only what the query needs.

    python -m benchmarks.peers.textbook --database-url mysql://root:@127.0.0.1:3306/db --port 8102
"""

from __future__ import annotations

import argparse
import base64
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, TypeVar

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.dataloader import DataLoader
from tortoise.contrib.starlette import RegisterTortoise
from tortoise.functions import Sum

from crm_graphql.domains.customers import models as customer_models
from crm_graphql.domains.interactions import models as interaction_models
from crm_graphql.domains.orders import models as order_models
from crm_graphql.domains.sales import models as sales_models
from crm_graphql.domains.users import models as user_models
from crm_graphql.modules import model_modules

BASE_CURRENCY = "USD"


def _enum(source: type[Enum]) -> Any:
    # An enum of its own with the model's members (the API registers the model's).
    return strawberry.enum(Enum(source.__name__, {m.name: m.value for m in source}))


Channel = _enum(interaction_models.Channel)
OrderStatus = _enum(order_models.OrderStatus)
OpportunityStage = _enum(sales_models.OpportunityStage)


@strawberry.enum
class CustomerOrderField(Enum):
    CREATED_AT = "created_at"
    LAST_NAME = "last_name"


@strawberry.enum
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input
class CustomerOrderBy:
    field: CustomerOrderField
    direction: SortDirection = SortDirection.ASC


T = TypeVar("T")


@strawberry.type
class Page(Generic[T]):
    nodes: list[T]


@strawberry.type
class User:
    name: str


@strawberry.type
class Company:
    name: str


@strawberry.type
class Product:
    name: str


@strawberry.type
class Interaction:
    channel: Channel
    subject: str
    occurred_at: datetime
    author_id: strawberry.Private[int | None]

    @strawberry.field
    async def author(self, info: strawberry.Info) -> User | None:
        if self.author_id is None:
            return None
        return await info.context["users"].load(self.author_id)


@strawberry.type
class OrderItem:
    quantity: int
    product_id: strawberry.Private[int]

    @strawberry.field
    async def product(self, info: strawberry.Info) -> Product:
        return await info.context["products"].load(self.product_id)


@strawberry.type
class Order:
    id: strawberry.Private[int]
    number: str
    status: OrderStatus
    total: Decimal
    currency: str

    @strawberry.field
    async def items(self, info: strawberry.Info) -> list[OrderItem]:
        return await info.context["order_items"].load(self.id)


@strawberry.type
class Opportunity:
    name: str
    stage: OpportunityStage
    amount: Decimal


@strawberry.type
class Customer:
    pk: strawberry.Private[int]
    first_name: str
    last_name: str
    email: str | None
    company_id: strawberry.Private[int | None]

    @strawberry.field
    def id(self) -> strawberry.ID:
        raw = f"Customer:{self.pk}".encode()
        return strawberry.ID(base64.urlsafe_b64encode(raw).decode().rstrip("="))

    @strawberry.field
    async def company(self, info: strawberry.Info) -> Company | None:
        if self.company_id is None:
            return None
        return await info.context["companies"].load(self.company_id)

    @strawberry.field
    async def lifetime_value(self, info: strawberry.Info) -> Decimal:
        return await info.context["lifetime_values"].load(self.pk)

    @strawberry.field
    async def interactions(self, info: strawberry.Info, first: int = 20) -> Page[Interaction]:
        return Page(nodes=(await info.context["interactions"].load(self.pk))[:first])

    @strawberry.field
    async def orders(self, info: strawberry.Info, first: int = 20) -> Page[Order]:
        return Page(nodes=(await info.context["orders"].load(self.pk))[:first])

    @strawberry.field
    async def opportunities(self, info: strawberry.Info, first: int = 20) -> Page[Opportunity]:
        return Page(nodes=(await info.context["opportunities"].load(self.pk))[:first])


@strawberry.type
class CustomerConnection:
    total_count: int
    nodes: list[Customer]


def _customer(row: customer_models.Customer) -> Customer:
    return Customer(
        pk=row.id,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        company_id=row.company_id,
    )


@strawberry.type
class Query:
    @strawberry.field
    async def customers(
        self, first: int = 20, order_by: list[CustomerOrderBy] | None = None
    ) -> CustomerConnection:
        ordering = [
            ("-" if key.direction == SortDirection.DESC else "") + key.field.value
            for key in order_by or []
        ] or ["-created_at"]
        ordering.append("-id" if ordering[-1].startswith("-") else "id")
        visible = customer_models.Customer.filter(deleted_at__isnull=True)
        rows = await visible.order_by(*ordering).limit(first)
        return CustomerConnection(
            total_count=await visible.count(), nodes=[_customer(row) for row in rows]
        )


# --------------------------------------------------------------------------- DataLoaders


def _by_id(model: Any, make: Callable[[Any], Any]) -> Callable[[list[int]], Awaitable[list]]:
    async def load(keys: list[int]) -> list[Any]:
        rows = {row.id: make(row) for row in await model.filter(id__in=keys)}
        return [rows.get(key) for key in keys]

    return load


def _children(
    model: Any, ordering: Sequence[str], make: Callable[[Any], Any], parent: str = "customer_id"
) -> Callable[[list[int]], Awaitable[list]]:
    async def load(keys: list[int]) -> list[list[Any]]:
        grouped: dict[int, list[Any]] = defaultdict(list)
        for row in await model.filter(**{f"{parent}__in": keys}).order_by(*ordering):
            grouped[getattr(row, parent)].append(make(row))
        return [grouped.get(key, []) for key in keys]

    return load


async def _lifetime_values(keys: list[int]) -> list[Decimal]:
    rows = (
        await order_models.Order.filter(
            customer_id__in=keys,
            status__in=order_models.REVENUE_STATUSES,
            currency=BASE_CURRENCY,
        )
        .annotate(value=Sum("total"))
        .group_by("customer_id")
        .values_list("customer_id", "value")
    )
    totals = {customer: Decimal(str(value)) for customer, value in rows}
    zero = Decimal("0.00")
    return [totals.get(key, zero).quantize(zero) for key in keys]


def context() -> dict[str, DataLoader]:
    """Fresh DataLoaders for one request."""
    return {
        "companies": DataLoader(
            _by_id(customer_models.Company, lambda row: Company(name=row.name))
        ),
        "users": DataLoader(_by_id(user_models.User, lambda row: User(name=row.name))),
        "products": DataLoader(_by_id(order_models.Product, lambda row: Product(name=row.name))),
        "lifetime_values": DataLoader(_lifetime_values),
        "interactions": DataLoader(
            _children(
                interaction_models.Interaction,
                ["-occurred_at", "-id"],
                lambda row: Interaction(
                    channel=row.channel,
                    subject=row.subject,
                    occurred_at=row.occurred_at,
                    author_id=row.author_id,
                ),
            )
        ),
        "orders": DataLoader(
            _children(
                order_models.Order,
                ["-created_at", "-id"],
                lambda row: Order(
                    id=row.id,
                    number=row.number,
                    status=row.status,
                    total=row.total,
                    currency=row.currency,
                ),
            )
        ),
        "order_items": DataLoader(
            _children(
                order_models.OrderItem,
                ["id"],
                lambda row: OrderItem(quantity=row.quantity, product_id=row.product_id),
                parent="order_id",
            )
        ),
        "opportunities": DataLoader(
            _children(
                sales_models.Opportunity,
                ["-created_at", "-id"],
                lambda row: Opportunity(name=row.name, stage=row.stage, amount=row.amount),
            )
        ),
    }


class TextbookGraphQL(GraphQL):
    async def get_context(self, request: Any, response: Any) -> dict[str, DataLoader]:
        return context()


schema = strawberry.Schema(query=Query)


def create_textbook_app(database_url: str, *, init_orm: bool = True) -> Starlette:
    """The app; ``init_orm=False`` when Tortoise is set up already (the test suite)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not init_orm:
            yield
            return
        async with RegisterTortoise(
            app, db_url=database_url, modules={"models": model_modules()}, use_tz=True
        ):
            yield

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/graphql", TextbookGraphQL(schema, graphql_ide=None), methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="The textbook Strawberry + Tortoise server.")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        create_textbook_app(args.database_url),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
