"""A measure's decoder (its branches taken once per page) decodes as ``Measure.decode``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from crm_graphql.api.aggregation.core import Measure

MEASURES = [
    Measure("count", "count"),
    Measure("count_x", "count", "x"),
    *(Measure(f"{f}_n", f, "n") for f in ("sum", "avg", "min", "max")),  # type: ignore[arg-type]
    *(Measure(f"{f}_m", f, "m", money=True) for f in ("sum", "avg", "min", "max")),  # type: ignore[arg-type]
    Measure("sum_w", "sum", "m", money=True, weight="p"),
    Measure("days", "avg_days", "a", until="b"),
]
VALUES: list[Any] = [None, 0, 1, 7, 12345, 2.5, 0.125, Decimal("10.005"), Decimal("-3.10"), "42"]


@pytest.mark.parametrize("mysql", [True, False])
@pytest.mark.parametrize("measure", MEASURES, ids=lambda m: m.alias)
def test_decoder_decodes_as_decode(measure: Measure, mysql: bool) -> None:
    decode = measure.decoder(mysql)
    for value in VALUES:
        try:
            expected = measure.decode(value, mysql)
        except (ValueError, TypeError, ArithmeticError) as error:
            with pytest.raises(type(error)):
                decode(value)
            continue
        found = decode(value)
        assert type(found) is type(expected), (measure.alias, value)
        assert found == expected, (measure.alias, value)
