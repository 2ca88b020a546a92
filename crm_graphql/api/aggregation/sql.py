"""SQL expressions of the aggregation core that differ between MySQL/MariaDB and SQLite.

Each is a Tortoise ``Expression``: it is resolved against the model's table when the
query is built, picks the dialect of the model's connection, and wraps every value in a
parameter. Column names come from the model's own field declarations.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pypika_tortoise.terms import Case as SqlCase
from pypika_tortoise.terms import Function as SqlFunction
from pypika_tortoise.terms import LiteralValue, Term, ValueWrapper
from pypika_tortoise.utils import format_alias_sql
from tortoise.expressions import Expression, ResolveContext, ResolveResult

from crm_graphql.api.aggregation.periods import Granularity, Shift

#: Up to this many offset intervals are tested oldest first with one bound each.
FEW_SHIFTS = 8


def _is_mysql(context: ResolveContext) -> bool:
    return context.model._meta.db.capabilities.dialect == "mysql"


def _column(context: ResolveContext, field: str) -> Term:
    return context.table[context.model._meta.fields_db_projection[field]]


def _fn(name: str, *args: Any) -> SqlFunction:
    return SqlFunction(name, *args)


def _value(value: Any) -> ValueWrapper:
    return ValueWrapper(value)


class _ExtractYearMonth(Term):
    """``EXTRACT(YEAR_MONTH FROM term)``: 202603 for any time in March 2026 (MySQL)."""

    def __init__(self, term: Term) -> None:
        super().__init__()
        self.term = term

    def get_sql(self, ctx: Any) -> str:
        sql = f"EXTRACT(YEAR_MONTH FROM {self.term.get_sql(ctx)})"
        return format_alias_sql(sql, self.alias, ctx)


class _CastInteger(Term):
    """``CAST(term AS INTEGER)`` (SQLite)."""

    def __init__(self, term: Term) -> None:
        super().__init__()
        self.term = term

    def get_sql(self, ctx: Any) -> str:
        sql = f"CAST({self.term.get_sql(ctx)} AS INTEGER)"
        return format_alias_sql(sql, self.alias, ctx)


def _offset_case(column: Term, shifts: list[Shift], value: Any) -> Term:
    """The value for the offset of the interval ``column`` falls in: a CASE over the
    intervals (none when there is only one)."""
    if len(shifts) == 1:
        return _value(value(shifts[0].seconds))
    case = SqlCase()
    if len(shifts) <= FEW_SHIFTS:
        for shift in shifts[:-1]:
            case = case.when(column < _value(shift.end), _value(value(shift.seconds)))
        return case.else_(_value(value(shifts[-1].seconds)))
    # A range without bounds spans many years of changes: test the intervals nearest to
    # now first, where most rows are, each with both of its bounds.
    now = datetime.now(UTC)

    def distance(shift: Shift) -> timedelta:
        if shift.start is not None and shift.start > now:
            return shift.start - now
        if shift.end is not None and shift.end <= now:
            return now - shift.end
        return timedelta(0)

    for shift in sorted(shifts, key=distance):
        bounds = []
        if shift.start is not None:
            bounds.append(column >= _value(shift.start))
        if shift.end is not None:
            bounds.append(column < _value(shift.end))
        condition = bounds[0] if len(bounds) == 1 else bounds[0] & bounds[1]
        case = case.when(condition, _value(value(shift.seconds)))
    return case.else_(_value(value(shifts[0].seconds)))  # NULL timestamps


class LocalPeriod(Expression):
    """The local period a timestamp (or date) column falls in, as a sortable key that
    :func:`~crm_graphql.api.aggregation.periods.decode_period` turns into its first day.

    ``shifts`` are the zone's UTC offsets (see ``periods.offset_shifts``); none for a
    DATE column, which has no time zone.
    """

    def __init__(self, field: str, granularity: Granularity, shifts: list[Shift]) -> None:
        self.field = field
        self.granularity = granularity
        self.shifts = shifts

    def resolve(self, resolve_context: ResolveContext) -> ResolveResult:
        column = _column(resolve_context, self.field)
        term = self._mysql(column) if _is_mysql(resolve_context) else self._sqlite(column)
        return ResolveResult(term=term)

    def _mysql(self, column: Term) -> Term:
        local: Term = column
        if self.shifts and any(shift.seconds for shift in self.shifts):
            offset = _offset_case(column, self.shifts, int)
            local = _fn("TIMESTAMPADD", LiteralValue("SECOND"), offset, column)
        granularity = self.granularity
        if granularity is Granularity.DAY:
            return _fn("DATE", local)
        if granularity is Granularity.WEEK:
            return _fn("YEARWEEK", local, _value(3))  # mode 3: ISO weeks, from Monday
        if granularity is Granularity.MONTH:
            return _ExtractYearMonth(local)
        if granularity is Granularity.QUARTER:
            return _fn("YEAR", local) * _value(10) + _fn("QUARTER", local)
        return _fn("YEAR", local)

    def _sqlite(self, column: Term) -> Term:
        # SQLite's date functions read the stored ISO text (offset included) and apply
        # modifiers such as '+3600 seconds' in order.
        modifiers: list[Term] = []
        if self.shifts and any(shift.seconds for shift in self.shifts):
            modifiers.append(_offset_case(column, self.shifts, lambda s: f"{s:+d} seconds"))
        granularity = self.granularity
        if granularity is Granularity.DAY:
            return _fn("date", column, *modifiers)
        if granularity is Granularity.WEEK:
            return _fn("date", column, *modifiers, _value("weekday 0"), _value("-6 days"))
        if granularity is Granularity.MONTH:
            return _fn("strftime", _value("%Y%m"), column, *modifiers)
        if granularity is Granularity.QUARTER:
            year = _fn("strftime", _value("%Y"), column, *modifiers)
            month = _fn("strftime", _value("%m"), column, *modifiers)
            # Integer division: months 1-3 give 1, 4-6 give 2, ...
            return year * _value(10) + (month + _value(2)) / _value(3)
        return _fn("strftime", _value("%Y"), column, *modifiers)


class MoneyValue(Expression):
    """A money column to sum exactly, optionally times an integer column (a weight).

    MySQL sums DECIMAL exactly. SQLite reads DECIMAL columns as floating point, so there
    the amount is summed in whole cents (an integer sum is exact); see :func:`money_of`.
    """

    def __init__(self, field: str, weight: str | None = None) -> None:
        self.field = field
        self.weight = weight

    def resolve(self, resolve_context: ResolveContext) -> ResolveResult:
        term: Term = _column(resolve_context, self.field)
        if not _is_mysql(resolve_context):
            term = _fn("ROUND", term * _value(100))
        if self.weight is not None:
            term = term * _column(resolve_context, self.weight)
        return ResolveResult(term=term)


class MicrosBetween(Expression):
    """Whole microseconds from one timestamp column to another, an integer to sum exactly.

    MySQL/MariaDB: ``TIMESTAMPDIFF(MICROSECOND, ...)``, exact. SQLite keeps time to the
    millisecond (``julianday``): the difference in whole milliseconds, times 1000
    (``rollups.micros_between`` gives the same in Python)."""

    def __init__(self, start: str, end: str) -> None:
        self.start = start
        self.end = end

    def resolve(self, resolve_context: ResolveContext) -> ResolveResult:
        start = _column(resolve_context, self.start)
        end = _column(resolve_context, self.end)
        if _is_mysql(resolve_context):
            return ResolveResult(term=_fn("TIMESTAMPDIFF", LiteralValue("MICROSECOND"), start, end))
        days = _fn("julianday", end) - _fn("julianday", start)
        millis = _CastInteger(_fn("ROUND", days * _value(86400000)))
        return ResolveResult(term=millis * _value(1000))
