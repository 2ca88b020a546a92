"""Opaque, stable global IDs: base64url of ``TypeName:primaryKey``."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

import strawberry

from crm_graphql.api.errors import CrmError, ErrorCode

#: ``id:`` argument of a single-record field.
IdArg = Annotated[strawberry.ID, strawberry.argument(description="Global ID of the record.")]


def to_global_id(type_name: str, pk: int) -> str:
    """Encode a row's primary key as the global ID of its GraphQL type."""
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def parse_global_id(global_id: str) -> tuple[str, int]:
    """Split a global ID into its type name and primary key.

    Raises a ``CrmError`` with code ``INVALID_ID`` when it is not one of ours.
    """
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, raw_pk = base64.urlsafe_b64decode(padded).decode().partition(":")
        pk = int(raw_pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CrmError(f"{global_id!r} is not a valid ID.", ErrorCode.INVALID_ID) from None
    if not type_name or pk < 1 or pk > 2**63:
        raise CrmError(f"{global_id!r} is not a valid ID.", ErrorCode.INVALID_ID)
    return type_name, pk


def decode_id(global_id: str, expected_type: str, argument: str = "id") -> int:
    """The primary key behind a global ID that must belong to ``expected_type``."""
    type_name, pk = parse_global_id(global_id)
    if type_name != expected_type:
        raise CrmError(
            f"Argument {argument!r} expects a {expected_type} ID, got a {type_name} ID.",
            ErrorCode.INVALID_ID,
        )
    return pk
