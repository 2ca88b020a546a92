"""GraphQL types of duplicate detection and merging."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import strawberry

from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.node import Node
from crm_graphql.api.pagination.types import Connection, PageInfo
from crm_graphql.domains.duplicates.enums import DuplicateReason
from crm_graphql.domains.duplicates.matching import ScoredPair, sort_key


@strawberry.type(
    description="Two records that may be the same person or organisation, with how "
    "likely that is and why. The records show the fields the caller may read."
)
class DuplicateCandidate:
    score: float = strawberry.field(
        description="How likely the two are the same, from 0 to 1 (1 - the product of "
        "(1 - weight) over the reasons; see docs/data-management.md)."
    )
    reasons: list[DuplicateReason] = strawberry.field(
        description="Why they may be the same, strongest evidence first."
    )
    # ORM rows, resolved to their entity's type through the Node interface.
    first: Any = strawberry.field(graphql_type=Node, description="The record with the smaller ID.")
    second: Any = strawberry.field(graphql_type=Node, description="The record with the larger ID.")
    _pair: strawberry.Private[ScoredPair]


def encode_position(pair: ScoredPair) -> str:
    """The cursor of a pair: its place in the order (score, then IDs)."""
    raw = json.dumps(list(sort_key(pair)), separators=(",", ":"))
    return base64.urlsafe_b64encode(f"dup:{raw}".encode()).decode()


def decode_position(cursor: str) -> tuple[float, int, int]:
    """The place a cursor of :func:`encode_position` stands for; INVALID_CURSOR else."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not text.startswith("dup:"):
            raise ValueError(text)
        score, first, second = json.loads(text[4:])
        if not isinstance(score, int | float) or not isinstance(first, int):
            raise ValueError(text)
        if not isinstance(second, int):
            raise ValueError(text)
        return (float(score), first, second)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        raise CrmError(
            "Not a cursor of this list.", ErrorCode.INVALID_CURSOR, argument="after"
        ) from error


def candidate_page(
    candidates: list[DuplicateCandidate], *, total: int, has_next: bool, has_previous: bool
) -> Connection[DuplicateCandidate]:
    """One page of candidates as a connection."""

    def cursor_of(candidate: Any) -> str:
        return encode_position(candidate._pair)

    async def count() -> int:
        return total

    ends = (candidates[0], candidates[-1]) if candidates else None
    return Connection(
        nodes=candidates,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=has_previous,
            _ends=ends,
            _cursor_of=cursor_of,
        ),
        _cursor_of=cursor_of,
        _count=count,
    )
