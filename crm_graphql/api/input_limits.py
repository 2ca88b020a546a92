"""Bounds on what one argument may hold, checked before any SQL is built.

Inputs past them are not wrong in GraphQL's eyes, but end as database faults (a
DATETIME out of MySQL's range, SQLite's LIKE pattern limit of 50,000 bytes, an
expression tree too deep for the SQL builder's recursion) or as work out of
proportion. Each is refused with ``BAD_USER_INPUT`` naming the limit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeVar

from crm_graphql.api.errors import CrmError, ErrorCode

#: Dates and times from year 1000 to 9998: MySQL's DATETIME range with a year to
#: spare for time-zone offsets and for the period after the last one.
EARLIEST_DATE = date(1000, 1, 1)
LATEST_DATE = date(9998, 12, 31)
#: Characters of a free-text search.
MAX_SEARCH_LENGTH = 200
#: Characters of one text condition of a filter (eq, contains, startsWith, in items).
MAX_TEXT_CONDITION_LENGTH = 1000
#: Conditions in one filter, counting every nested and/or/not and every `in` value.
MAX_FILTER_CONDITIONS = 200
#: Nesting of and/or/not inside one filter.
MAX_FILTER_NESTING = 10


D = TypeVar("D", bound=date)


def check_date(value: D, argument: str) -> D:
    """``value`` (a date or a datetime) within the supported range."""
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise CrmError(
            f"`{argument}` must be between {EARLIEST_DATE.isoformat()} and "
            f"{LATEST_DATE.isoformat()}, got {value.isoformat()}.",
            ErrorCode.BAD_USER_INPUT,
            argument=argument,
            minimum=EARLIEST_DATE.isoformat(),
            maximum=LATEST_DATE.isoformat(),
        )
    return value


def check_text(value: str, argument: str, maximum: int) -> str:
    """``value`` of at most ``maximum`` characters."""
    if len(value) > maximum:
        raise CrmError(
            f"`{argument}` may be at most {maximum} characters, got {len(value)}.",
            ErrorCode.BAD_USER_INPUT,
            argument=argument,
            maximum=maximum,
        )
    return value


def too_many_conditions(argument: str) -> CrmError:
    """The error of a filter with more than :data:`MAX_FILTER_CONDITIONS` conditions."""
    return CrmError(
        f"`{argument}` may hold at most {MAX_FILTER_CONDITIONS} conditions (every and/or/not "
        "branch and every `in` value counts).",
        ErrorCode.BAD_USER_INPUT,
        argument=argument,
        maximum=MAX_FILTER_CONDITIONS,
    )


def too_deep(argument: str) -> CrmError:
    """The error of a filter nested deeper than :data:`MAX_FILTER_NESTING`."""
    return CrmError(
        f"`{argument}` may nest and/or/not at most {MAX_FILTER_NESTING} deep.",
        ErrorCode.BAD_USER_INPUT,
        argument=argument,
        maximum=MAX_FILTER_NESTING,
    )
