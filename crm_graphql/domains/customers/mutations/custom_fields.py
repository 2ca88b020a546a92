"""Definitions of custom fields of customers (ADMIN only): they are no records of the
CRM (no ``Node``), so their one mutation runs its steps itself."""

from __future__ import annotations

from typing import Annotated

import strawberry
from tortoise.exceptions import IntegrityError

from crm_graphql.api import audit
from crm_graphql.api.audit import meta_from
from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import Problems, UserError, UserErrorCode
from crm_graphql.api.mutations.transaction import run_mutation
from crm_graphql.domains.customers.custom_fields import KEY
from crm_graphql.domains.customers.enums import CustomFieldType
from crm_graphql.domains.customers.models import CustomFieldDefinition as DefinitionModel
from crm_graphql.domains.customers.types import CustomFieldDefinition


@strawberry.input(description="A new custom field of customers.")
class DefineCustomFieldInput:
    key: str = strawberry.field(description="Lower-case letters, digits and _; unique.")
    label: str = strawberry.field(description="The name shown to people (1-120 characters).")
    type: CustomFieldType = strawberry.field(description="The type of the values.")


@strawberry.type(description="The result of `defineCustomField`.")
class CustomFieldPayload:
    definition: CustomFieldDefinition | None = strawberry.field(
        description="The definition; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused.")


@strawberry.type
class CustomFieldMutations:
    @strawberry.mutation(description="Define a custom field of customers. ADMIN only.")
    async def define_custom_field(
        self,
        info: Info,
        input: Annotated[DefineCustomFieldInput, strawberry.argument(description="The new field.")],
    ) -> CustomFieldPayload:
        async def work(problems: Problems) -> DefinitionModel:
            problems.require_change(
                "CustomFieldDefinition", ["key", "label", "type"], is_owner=False, path=["input"]
            )
            key = input.key.strip()
            label = input.label.strip()
            if not KEY.match(key):
                problems.add(
                    ["input", "key"], "Lower-case letters, digits and _.", UserErrorCode.INVALID
                )
            if not label or len(label) > 120:
                problems.add(["input", "label"], "1 to 120 characters.", UserErrorCode.INVALID)
            if await DefinitionModel.filter(key=key).exists():
                problems.add(["input", "key"], "Already defined.", UserErrorCode.DUPLICATE)
            problems.check()
            try:
                definition = await DefinitionModel.create(key=key, label=label, type=input.type)
            except IntegrityError:
                problems.fail(["input", "key"], "Already defined.", UserErrorCode.DUPLICATE)
            await audit.record(
                "custom_field.define",
                meta_from(info.context),
                entity_type="CustomFieldDefinition",
                entity_id=definition.pk,
                changes={"key": key, "type": input.type.value},
            )
            return definition

        outcome = await run_mutation(info, "defineCustomField", work)
        return CustomFieldPayload(
            definition=outcome.first,
            user_errors=outcome.errors,
        )
