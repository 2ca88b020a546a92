"""Arguments every dashboard view shares: time zone, currency, date range, group limit,
and the role checks on money; all validated before any SQL runs."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import pycountry
import strawberry
from strawberry.types.unset import UNSET

from crm_graphql.api.aggregation.periods import local_midnight, time_zone
from crm_graphql.api.context import Info
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.filters import FilterInput
from crm_graphql.api.input_limits import check_date
from crm_graphql.api.roles import Role

TIME_ZONE_DESCRIPTION = (
    "IANA time zone (e.g. Europe/Berlin) in which days, weeks, months, "
    "quarters and years begin; dates of the range are days in this zone."
)
TimeZoneArg = Annotated[
    str, strawberry.argument(name="timeZone", description=TIME_ZONE_DESCRIPTION)
]
CurrencyArg = Annotated[
    str | None,
    strawberry.argument(
        description="ISO 4217 currency of the amounts (amounts of other currencies are not "
        "added in); the base currency (CRM_BASE_CURRENCY) when omitted."
    ),
]
GROUPS_FIRST_DESCRIPTION = (
    "At most this many groups (default 100, at most 1000 unless the server "
    "is configured otherwise); `hasMore` tells whether groups were left out."
)
GroupsFirstArg = Annotated[int | None, strawberry.argument(description=GROUPS_FIRST_DESCRIPTION)]


def role_of(info: Info) -> Role | None:
    """The caller's role (None only in public operations)."""
    principal = info.context.principal
    return principal.role if principal is not None else None


def may_read(info: Info, roles: frozenset[Role]) -> bool:
    """Whether the caller's role is one of ``roles``."""
    return role_of(info) in roles


def require_role(info: Info, roles: frozenset[Role], argument: str, what: str) -> None:
    """``FORBIDDEN`` for an argument value that would reveal what the role may not read
    (ranking by money reveals the order of the amounts)."""
    if not may_read(info, roles):
        raise CrmError(f"Your role may not rank by {what}.", ErrorCode.FORBIDDEN, argument=argument)


def currency_code(info: Info, value: str | None, argument: str = "currency") -> str:
    """An ISO 4217 code (upper case); the base currency when none is given."""
    if value is None:
        return info.context.settings.base_currency
    code = value.strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise CrmError(
            f"{value!r} is not an ISO 4217 currency code.",
            ErrorCode.BAD_USER_INPUT,
            argument=argument,
        )
    return code


@dataclasses.dataclass(frozen=True)
class LocalRange:
    """Whole local days ``first``..``last`` (both included) in ``zone``, and the UTC
    instants they span: ``start`` inclusive, ``end`` exclusive."""

    first: date
    last: date
    zone: ZoneInfo
    start: datetime
    end: datetime


def local_range(first: date, last: date, zone_name: str, *, argument: str = "to") -> LocalRange:
    """Validate a range of local days; ``to`` before ``from`` is ``BAD_USER_INPUT``."""
    zone = time_zone(zone_name)
    check_date(first, "from" if argument == "to" else argument)
    check_date(last, argument)
    if last < first:
        raise CrmError(
            "`to` must not be before `from`.", ErrorCode.BAD_USER_INPUT, argument=argument
        )
    start = local_midnight(first, zone).astimezone(UTC)
    end = local_midnight(last + timedelta(days=1), zone).astimezone(UTC)
    return LocalRange(first, last, zone, start, end)


def group_limit(info: Info, first: int | None) -> int:
    """The number of groups to return: ``first`` within the configured maximum."""
    settings = info.context.settings
    if first is None:
        return settings.analytics_default_groups
    if first < 0:
        raise CrmError("`first` must not be negative.", ErrorCode.BAD_USER_INPUT, argument="first")
    if first > settings.analytics_max_groups:
        raise CrmError(
            f"`first` may be at most {settings.analytics_max_groups}, got {first}.",
            ErrorCode.PAGINATION_LIMIT,
            argument="first",
            maximum=settings.analytics_max_groups,
        )
    return first


def filter_bounds(value: FilterInput | None, field: str) -> tuple[datetime | None, datetime | None]:
    """The range a filter puts on a timestamp field at its top level (None: open), so that
    period keys need only the time-zone offsets of that range."""
    condition = getattr(value, field, None) if value is not None else None
    if condition is None or condition is UNSET:
        return None, None

    def given(*names: str) -> list[datetime]:
        found = [getattr(condition, name, UNSET) for name in names]
        return [_utc(check_date(v, "filter")) for v in found if isinstance(v, datetime)]

    lows, highs = given("gt", "gte", "eq"), given("lt", "lte", "eq")
    return (max(lows) if lows else None), (min(highs) + timedelta(seconds=1) if highs else None)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
