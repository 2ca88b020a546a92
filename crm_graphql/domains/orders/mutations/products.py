"""Mutations of products: create, update, delete.

Decisions worth knowing:

- A product on any order cannot be deleted (IN_USE): deactivate it
  (``updateProduct(input: {active: false})``) so past orders keep their lines.
- Lines already ordered keep their price when the list price changes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import UserError
from crm_graphql.api.mutations.writes import Writes
from crm_graphql.domains.orders import services
from crm_graphql.domains.orders.types import Product


@strawberry.input(description="A new product.")
class CreateProductInput:
    sku: str = strawberry.field(description="Stock-keeping unit (1-64 characters), unique.")
    name: str = strawberry.field(description="Product name (1-200 characters).")
    description: str | None = strawberry.field(
        default=None, description="Longer description (at most 10,000 characters)."
    )
    unit_price: Decimal = strawberry.field(
        description="List price per unit, at most two decimals, not negative."
    )
    currency: str = strawberry.field(description="ISO 4217 currency code of the price.")
    active: bool = strawberry.field(default=True, description="Whether it is sold.")
    tax_rate: Decimal | None = strawberry.field(
        default=None,
        description="Tax rate in percent (0-100, e.g. 19) invoices apply to it; null: the "
        "invoice's default.",
    )


@strawberry.input(description="Changes to a product: only the fields given change.")
class UpdateProductInput:
    version: int = strawberry.field(
        description="The `version` read; a stale one answers CONFLICT and changes nothing."
    )
    sku: str | None = strawberry.field(default=UNSET, description="Stock-keeping unit.")
    name: str | None = strawberry.field(default=UNSET, description="Product name.")
    description: str | None = strawberry.field(
        default=UNSET, description="Longer description; null clears."
    )
    unit_price: Decimal | None = strawberry.field(
        default=UNSET, description="List price; lines already ordered keep their price."
    )
    currency: str | None = strawberry.field(default=UNSET, description="ISO 4217 code.")
    active: bool | None = strawberry.field(
        default=UNSET, description="False stops selling it (the way to retire a product)."
    )
    tax_rate: Decimal | None = strawberry.field(
        default=UNSET, description="Tax rate in percent for new invoices; null clears."
    )


@strawberry.type(description="The result of a product mutation.")
class ProductPayload:
    product: Product | None = strawberry.field(
        description="The product as saved (as it was, for a delete); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


PRODUCT = Writes(Product, ProductPayload, field="product", unique={"sku": services.DUPLICATE_SKU})

ProductIdArg = Annotated[
    strawberry.ID, strawberry.argument(description="Global ID of the product.")
]


@strawberry.type
class ProductMutations:
    @strawberry.mutation(description="Create a product. The SKU must be unique (DUPLICATE).")
    async def create_product(
        self,
        info: Info,
        input: Annotated[CreateProductInput, strawberry.argument(description="The product.")],
    ) -> ProductPayload:
        return await PRODUCT.create(info, input, services.product_fields)

    @strawberry.mutation(
        description="Change a product: only the fields given change. Lines already ordered "
        "keep their price."
    )
    async def update_product(
        self,
        info: Info,
        id: ProductIdArg,
        input: Annotated[UpdateProductInput, strawberry.argument(description="The changes.")],
    ) -> ProductPayload:
        return await PRODUCT.update(info, id, input, services.product_fields)

    @strawberry.mutation(
        description="Delete a product nobody ordered. A product on any order is refused with "
        "IN_USE: deactivate it instead (`updateProduct(input: {active: false})`)."
    )
    async def delete_product(self, info: Info, id: ProductIdArg) -> ProductPayload:
        return await PRODUCT.delete(
            info, id, before=services.product_unused, in_use=services.PRODUCT_IN_USE
        )
