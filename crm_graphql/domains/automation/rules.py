"""Checks of rule inputs: the conditions (the lists' filter inputs), triggers and
actions, each problem a user error at its field."""

from __future__ import annotations

import string
from typing import Any

from crm_graphql.api.errors import CrmError
from crm_graphql.api.filters import FilterInput
from crm_graphql.api.mutations.problems import Path, Problems, UserErrorCode
from crm_graphql.domains.automation.conditions import (
    InvalidCondition,
    condition_json,
    condition_q,
)
from crm_graphql.domains.automation.emitting import field_name
from crm_graphql.domains.automation.models import AutomationEntity
from crm_graphql.domains.automation.services import ENTITIES, SETTABLE


def condition(
    problems: Problems, path: Path, entity: AutomationEntity | type[FilterInput], value: Any
) -> dict:
    """The JSON of a condition given as the entity's filter input (or the filter input
    class given), checked by building its ORM condition (unknown IDs, bad values:
    INVALID)."""
    if value is None:
        return {}
    filter_cls = ENTITIES[entity][1] if isinstance(entity, AutomationEntity) else entity
    data = condition_json(value)
    try:
        condition_q(filter_cls, data)
    except (CrmError, InvalidCondition, ValueError) as exc:
        problems.add(path, f"Not a valid condition: {exc}", UserErrorCode.INVALID)
    return data


def fields_of(entity: AutomationEntity) -> set[str]:
    """The GraphQL names of the fields whose changes are events."""
    model = ENTITIES[entity][0]
    return {field_name(name) for name in model._meta.db_fields} | {
        field_name(name) for name in model._meta.fk_fields
    }


def template(problems: Problems, path: Path, entity: AutomationEntity, value: str) -> str:
    """A task title template naming only fields of the record."""
    known = {name for name in ENTITIES[entity][0]._meta.fields} | {"name"}
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(value) if name is not None]
    except ValueError as exc:
        problems.add(path, f"Not a template: {exc}", UserErrorCode.INVALID)
        return value
    unknown = [name for name in names if name not in known]
    if unknown:
        problems.add(path, f"Unknown fields: {', '.join(unknown)}.", UserErrorCode.INVALID)
    if not value.strip() or len(value) > 200:
        problems.add(path, "1-200 characters.", UserErrorCode.INVALID)
    return value


def settable(
    problems: Problems, path: Path, entity: AutomationEntity, field: str | None, value: str | None
) -> tuple[str | None, Any]:
    """A field SET_FIELD may set, and its value read as the field's type."""
    allowed = SETTABLE[entity]
    if field not in allowed:
        problems.add(path, f"One of: {', '.join(sorted(allowed))}.", UserErrorCode.INVALID)
        return None, None
    _, kind = allowed[field]
    try:
        converted = kind(value)
    except (ValueError, TypeError):
        problems.add(path, f"Not a valid value for {field}.", UserErrorCode.INVALID)
        return field, None
    return field, getattr(converted, "value", converted)


def strawberry_camel(name: str) -> str:
    """camelCase of a snake_case input field name."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
