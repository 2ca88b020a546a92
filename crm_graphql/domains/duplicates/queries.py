"""Root query fields of duplicate detection (ADMIN and MANAGER)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from crm_graphql.api.auth import allow_roles
from crm_graphql.api.context import Info
from crm_graphql.api.entities import entity_named
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.pagination.types import Connection
from crm_graphql.api.roles import Role
from crm_graphql.domains.duplicates.enums import DuplicateEntity
from crm_graphql.domains.duplicates.matching import MATCHINGS, after_position, find_duplicates
from crm_graphql.domains.duplicates.types import (
    DuplicateCandidate,
    candidate_page,
    decode_position,
)

#: Most pairs of one page.
MAX_PAGE = 100


@strawberry.type
class DuplicateQueries:
    @strawberry.field(
        description="Pairs of records that may be duplicates, most likely first: found by "
        "blocking keys in SQL (e-mail, phone, name within a company, domain) and scored "
        "by name similarity. Soft-deleted (and merged) records are left out. ADMIN and "
        "MANAGER only. Each page searches the whole table again (seconds for 100,000 "
        "customers; see docs/data-management.md).",
        extensions=allow_roles(Role.ADMIN, Role.MANAGER),
    )
    async def duplicate_candidates(
        self,
        info: Info,
        entity: Annotated[
            DuplicateEntity, strawberry.argument(description="The kind of record searched.")
        ],
        first: Annotated[
            int, strawberry.argument(description=f"How many pairs (1-{MAX_PAGE}).")
        ] = 20,
        after: Annotated[
            str | None,
            strawberry.argument(description="The `cursor` of the pair to continue after."),
        ] = None,
        min_score: Annotated[
            float, strawberry.argument(description="Only pairs scoring at least this (0-1).")
        ] = 0.5,
    ) -> Connection[DuplicateCandidate]:
        if not 1 <= first <= MAX_PAGE:
            raise CrmError(
                f"`first` must be between 1 and {MAX_PAGE}.",
                ErrorCode.PAGINATION_LIMIT,
                argument="first",
            )
        if not 0 <= min_score <= 1:
            raise CrmError(
                "`minScore` must be between 0 and 1.",
                ErrorCode.BAD_USER_INPUT,
                argument="minScore",
            )
        position = decode_position(after) if after is not None else None
        matching = MATCHINGS[entity]
        registered = entity_named(matching.type_name)
        assert registered is not None, matching.type_name
        condition = registered.visible_q & registered.readable_q(info.context.principal)
        pairs = await find_duplicates(matching, condition, min_score=min_score)
        start = after_position(pairs, position) if position is not None else 0
        page = pairs[start : start + first]
        ids = {pk for pair in page for pk in (pair.first_id, pair.second_id)}
        rows = {row.pk: row for row in await matching.model.filter(pk__in=ids)} if ids else {}
        candidates = [
            DuplicateCandidate(
                score=pair.score,
                reasons=list(pair.reasons),
                first=rows[pair.first_id],
                second=rows[pair.second_id],
                _pair=pair,
            )
            for pair in page
        ]
        return candidate_page(
            candidates,
            total=len(pairs),
            has_next=start + first < len(pairs),
            has_previous=start > 0,
        )
