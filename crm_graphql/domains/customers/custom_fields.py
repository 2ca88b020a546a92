"""Custom fields of customers: the definitions' rules and the check of values."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from crm_graphql.api.mutations.problems import Path, Problems, UserErrorCode
from crm_graphql.domains.customers.enums import CustomFieldType
from crm_graphql.domains.customers.models import CustomFieldDefinition

#: A custom field's key: lower-case letters, digits and _, starting with a letter.
KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_TEXT = 1000


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
    definitions = {d.key: d.type for d in await CustomFieldDefinition.filter(key__in=list(value))}
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
