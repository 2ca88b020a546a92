"""Opaque, stable global IDs: base64url of ``TypeName:primaryKey``."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated

import strawberry

from crm_graphql.api.errors import CrmError, ErrorCode

#: The largest primary key (signed 64-bit columns on every backend).
MAX_PRIMARY_KEY = 2**63 - 1
_TYPE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_PRIMARY_KEY = re.compile(r"[1-9][0-9]{0,18}", re.ASCII)

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
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CrmError(f"{global_id!r} is not a valid ID.", ErrorCode.INVALID_ID) from None
    # Only the form this server writes: ASCII digits without sign, separators or leading
    # zeros (``int`` alone also takes "+1", "1_0" and other scripts' digits), encoded
    # exactly as ``to_global_id`` does (base64 decoding skips stray characters).
    if not _TYPE_NAME.fullmatch(type_name) or not _PRIMARY_KEY.fullmatch(raw_pk):
        raise CrmError(f"{global_id!r} is not a valid ID.", ErrorCode.INVALID_ID)
    pk = int(raw_pk)
    if pk > MAX_PRIMARY_KEY:
        raise CrmError(
            f"{global_id!r} is not a valid ID: the number in an ID is at most "
            f"{MAX_PRIMARY_KEY} (2^63 - 1).",
            ErrorCode.INVALID_ID,
            maximum=str(MAX_PRIMARY_KEY),
        )
    if to_global_id(type_name, pk) != global_id:
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
