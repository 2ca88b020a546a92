"""Reading GraphQL inputs: which fields a client gave (null counts as given)."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from typing import Any

from strawberry.types.unset import UNSET

from crm_graphql.api.filters import strawberry_name


def given(value: Any) -> bool:
    """True when an optional input field was sent (null counts as sent)."""
    return value is not UNSET


def input_field_names(input_type: type) -> list[str]:
    """The GraphQL names of every field of ``input_type`` (what a deletion changes)."""
    return [strawberry_name(field.name) for field in dataclass_fields(input_type)]


def changed_fields(data: Any) -> list[str]:
    """GraphQL names of the input fields given (what the caller wants to change)."""
    return [
        strawberry_name(field.name)
        for field in dataclass_fields(data)
        if field.name != "version" and given(getattr(data, field.name))
    ]
