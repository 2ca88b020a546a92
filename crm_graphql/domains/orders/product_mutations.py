"""Mutations of products: create, update, delete.

Decisions worth knowing:

- A product on any order cannot be deleted (IN_USE): deactivate it
  (``updateProduct(input: {active: false})``) so past orders keep their lines.
- Lines already ordered keep their price when the list price changes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.types.unset import UNSET
from tortoise.exceptions import IntegrityError

from crm_graphql.api import validation
from crm_graphql.api.context import Info
from crm_graphql.api.mutations import (
    Problems,
    UserError,
    UserErrorCode,
    changed_fields,
    given,
    run_mutation,
    update_versioned,
)
from crm_graphql.domains.orders.models import OrderItem as OrderItemModel
from crm_graphql.domains.orders.models import Product as ProductModel
from crm_graphql.domains.orders.shared_mutations import Path, _diff, _record, _unique
from crm_graphql.domains.orders.types import Product

#: Length limits of the product columns (the description is TEXT: a sane cap).
SKU_LENGTH = 64
NAME_LENGTH = 200
DESCRIPTION_LENGTH = 10_000


# --------------------------------------------------------------------------- inputs


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


@strawberry.type(description="The result of a product mutation.")
class ProductPayload:
    product: Product | None = strawberry.field(
        description="The product as saved (as it was, for a delete); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused; empty on success."
    )


async def _clean_product(
    problems: Problems, data: CreateProductInput | UpdateProductInput, own_pk: int | None
) -> dict[str, Any]:
    """Validated column values for the product fields given (all problems at once)."""
    out: dict[str, Any] = {}
    for name, limit in (("sku", SKU_LENGTH), ("name", NAME_LENGTH)):
        value = getattr(data, name)
        if given(value):
            out[name] = validation.text(
                problems, ["input", name], value, max_length=limit, required=True
            )
    if given(data.description):
        out["description"] = validation.text(
            problems, ["input", "description"], data.description, max_length=DESCRIPTION_LENGTH
        )
    if given(data.unit_price):
        out["unit_price"] = validation.money(problems, ["input", "unitPrice"], data.unit_price)
    if given(data.currency):
        out["currency"] = validation.currency(problems, ["input", "currency"], data.currency)
    if given(data.active):
        if data.active is None:
            problems.add(["input", "active"], "Must not be null.", UserErrorCode.REQUIRED)
        out["active"] = data.active
    if out.get("sku"):
        taken = ProductModel.filter(sku=out["sku"])
        if own_pk is not None:
            taken = taken.exclude(pk=own_pk)
        if await taken.exists():
            problems.add(["input", "sku"], "Another product has this SKU.", UserErrorCode.DUPLICATE)
    return out


async def _product(problems: Problems, global_id: str, path: Path) -> ProductModel:
    pk = problems.id_of(path, global_id, "Product")
    problems.check()
    product = await ProductModel.get_or_none(pk=pk)
    if product is None:
        problems.fail(path, "No such product.", UserErrorCode.NOT_FOUND)
    return product  # type: ignore[return-value]


DUPLICATE_SKU = "Another product has this SKU."


ProductIdArg = Annotated[
    strawberry.ID, strawberry.argument(description="Global ID of the product.")
]


def _product_payload(outcome: Any) -> ProductPayload:
    return ProductPayload(product=outcome.first, user_errors=outcome.errors)


@strawberry.type
class ProductMutations:
    @strawberry.mutation(description="Create a product. The SKU must be unique (DUPLICATE).")
    async def create_product(
        self,
        info: Info,
        input: Annotated[CreateProductInput, strawberry.argument(description="The product.")],
    ) -> ProductPayload:
        async def work(problems: Problems) -> ProductModel:
            problems.require_change(
                "Product", changed_fields(input), is_owner=False, path=["input"]
            )
            values = await _clean_product(problems, input, None)
            problems.check()
            async with _unique(problems, ["input", "sku"], DUPLICATE_SKU):
                product = await ProductModel.create(**values)
            await _record(info, "product.create", "Product", product.pk, changes=_diff(values))
            return product

        return _product_payload(await run_mutation(info, "createProduct", work))

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
        async def work(problems: Problems) -> ProductModel:
            product = await _product(problems, id, ["id"])
            problems.require_change(
                "Product", changed_fields(input), is_owner=False, path=["input"]
            )
            values = await _clean_product(problems, input, product.pk)
            problems.check()
            async with _unique(problems, ["input", "sku"], DUPLICATE_SKU):
                await update_versioned(problems, ProductModel, product.pk, input.version, values)
            await _record(info, "product.update", "Product", product.pk, changes=_diff(values))
            return await ProductModel.get(pk=product.pk)

        return _product_payload(await run_mutation(info, "updateProduct", work))

    @strawberry.mutation(
        description="Delete a product nobody ordered. A product on any order is refused with "
        "IN_USE: deactivate it instead (`updateProduct(input: {active: false})`)."
    )
    async def delete_product(self, info: Info, id: ProductIdArg) -> ProductPayload:
        async def work(problems: Problems) -> ProductModel:
            product = await _product(problems, id, ["id"])
            problems.require_change("Product", ["id"], is_owner=False, path=["id"])
            in_use = "The product is on orders; deactivate it instead."
            if await OrderItemModel.filter(product_id=product.pk).exists():
                problems.fail(["id"], in_use, UserErrorCode.IN_USE)
            try:
                await ProductModel.filter(pk=product.pk).delete()
            except IntegrityError:
                # An order took the product between the check and the delete.
                problems.fail(["id"], in_use, UserErrorCode.IN_USE)
            await _record(info, "product.delete", "Product", product.pk)
            return product

        return _product_payload(await run_mutation(info, "deleteProduct", work))
