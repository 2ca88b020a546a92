"""Statements that select rows by a list of keys (``WHERE key IN (...)``), built
without pypika's work per key.

pypika builds an ``IN`` list term by term, and that cost grows with the keys: about
20 µs a key, so the 500 order IDs of a customer-360 page's items cost more than the
rest of the statement. :func:`keyed_statement` builds the statement with a single
stand-in key and writes one placeholder per key in its place: the same SQL text and
parameters pypika writes for the whole list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

#: The stand-in key: an integer no key of a page is.
STAND_IN = -4_611_686_018_427_387_904 + 7

#: Builds the statement (SQL text, parameters) for a list of keys.
Build = Callable[[list[Any]], tuple[str, list[Any]]]

_PLACEHOLDERS = ("%s", "?")


def keyed_statement(build: Build, keys: Sequence[Any]) -> tuple[str, list[Any]]:
    """``build(list(keys))``, built once with the stand-in key and expanded when the
    keys are plain integers (anything else is built as given)."""
    if keys and all(type(key) is int for key in keys):
        sql, params = build([STAND_IN])
        expanded = _expand(sql, params, keys)
        if expanded is not None:
            return expanded
    return build(list(keys))


def _expand(sql: str, params: list[Any], keys: Sequence[int]) -> tuple[str, list[Any]] | None:
    """The statement with the stand-in's placeholder repeated once per key, and the
    keys in the stand-in's place among the parameters (None: not recognised)."""
    positions = [i for i, value in enumerate(params) if type(value) is int and value == STAND_IN]
    if len(positions) != 1:
        return None
    position = positions[0]
    for placeholder in _PLACEHOLDERS:
        parts = sql.split(placeholder)
        if len(parts) == len(params) + 1:
            break
    else:
        return None
    if f"({placeholder})" not in parts[position][-1:] + placeholder + parts[position + 1][:1]:
        return None
    repeated = ",".join([placeholder] * len(keys))
    text = (
        placeholder.join(parts[: position + 1]) + repeated + placeholder.join(parts[position + 1 :])
    )
    return text, [*params[:position], *keys, *params[position + 1 :]]
