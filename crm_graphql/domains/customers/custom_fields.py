"""Custom fields of customers: their definitions (ADMIN) and the check of values."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

import strawberry
from tortoise.exceptions import IntegrityError

from crm_graphql.api.context import Info
from crm_graphql.api.mutations import Problems, UserError, UserErrorCode, run_mutation
from crm_graphql.api.validation import Path
from crm_graphql.domains.audit import services as audit
from crm_graphql.domains.audit.services import meta_from
from crm_graphql.domains.customers.enums import CustomFieldType
from crm_graphql.domains.customers.models import CustomFieldDefinition as DefinitionModel

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_TEXT = 1000


@strawberry.type(description="An organisation-defined extra field of customers.")
class CustomFieldDefinition:
    key: str = strawberry.field(description="The key in `customFields`, e.g. `shoe_size`.")
    label: str = strawberry.field(description="The name shown to people.")
    type: CustomFieldType = strawberry.field(description="The type every value must have.")


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


def _fits(kind: CustomFieldType, value: Any) -> bool:
    if kind == CustomFieldType.TEXT:
        return isinstance(value, str) and len(value) <= MAX_TEXT
    if kind == CustomFieldType.NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == CustomFieldType.BOOLEAN:
        return isinstance(value, bool)
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


async def check_custom_fields(problems: Problems, path: Path, value: Any) -> dict[str, Any]:
    """The custom fields of a customer: a JSON object whose every key is defined and
    whose every value has its definition's type (null removes a field)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.add(path, "A JSON object.", UserErrorCode.INVALID)
        return {}
    definitions = {d.key: d.type for d in await DefinitionModel.filter(key__in=list(value))}
    cleaned: dict[str, Any] = {}
    for key, item in value.items():
        kind = definitions.get(key)
        if kind is None:
            problems.add([*path, key], "No custom field with this key.", UserErrorCode.NOT_FOUND)
        elif item is not None and not _fits(kind, item):
            problems.add([*path, key], f"Must be a {kind.value} value.", UserErrorCode.INVALID)
        elif item is not None:
            cleaned[key] = item
    return cleaned


@strawberry.type
class CustomFieldQueries:
    @strawberry.field(description="The custom fields customers may have, by key.")
    async def custom_field_definitions(self) -> list[CustomFieldDefinition]:
        return await DefinitionModel.all().order_by("key")  # type: ignore[return-value]


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
            if not _KEY.match(key):
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
            definition=outcome.first,  # type: ignore[arg-type]
            user_errors=outcome.errors,
        )
