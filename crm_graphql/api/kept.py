"""What a request works out from its document alone, kept for the next requests of the
same document and caller.

A client repeats its queries: the same text, so the same parsed document (Strawberry's
``ParserCache`` returns one object per query text). Much of what the read path prepares
for a field depends only on that document, the caller and the field's argument values:
the fields selected below a list, the columns its rows need, a nested list's page
request (order, size, cursors, the entity's row rule, columns). :class:`KeptPreparation`
keeps those per operation of a document (held weakly: an operation the parser cache
drops takes its entries with it) and per caller (the :class:`Principal`, its role and
IDs: row rules and field rules depend on it), so that the next request of the same
document by the same caller looks them up instead of working them out again.

Only values that are a function of those inputs are kept; anything that depends on the
time (a filter such as ``overdue``) or on the data is worked out per request, as before.
A preparation that fails (a bad argument) is never kept: every request reports its own
error.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from enum import Enum
from typing import Any
from weakref import ref

#: Callers kept per operation (least recently used dropped first).
CALLERS_KEPT = 32


class KeptPreparation:
    """Per operation (weakly) and caller: a dictionary of prepared values."""

    def __init__(self, callers_kept: int = CALLERS_KEPT) -> None:
        self._callers_kept = callers_kept
        # By the operation's identity, held weakly: graphql-core's syntax nodes hash
        # by their whole tree, every node and location, on every lookup.
        self._by_operation: dict[int, tuple[ref[Any], OrderedDict[Hashable, Any]]] = {}

    def of(self, operation: Any, caller: Hashable) -> dict[Hashable, Any]:
        """The values kept for ``operation`` (a parsed operation's node) and ``caller``."""
        found = self._by_operation.get(id(operation))
        if found is not None and found[0]() is operation:
            callers = found[1]
        else:
            callers = OrderedDict()
            self._by_operation[id(operation)] = (ref(operation, self._forget), callers)
        kept = callers.get(caller)
        if kept is None:
            kept = callers[caller] = {}
            while len(callers) > self._callers_kept:
                callers.popitem(last=False)
        else:
            callers.move_to_end(caller)
        return kept

    def _forget(self, gone: ref[Any]) -> None:
        """Drop what was kept for an operation the parser cache let go."""
        for key, (held, _) in list(self._by_operation.items()):
            if held is gone:
                del self._by_operation[key]


class Unfrozen(Exception):
    """A value :func:`frozen` does not turn into a key."""


_PLAIN = frozenset({type(None), bool, int, float, str})


def frozen(value: Any) -> Hashable:
    """A key for GraphQL argument values as graphql-core gives them to resolvers
    (plain values, enum members, lists and input objects of those), with their types
    (``1`` and ``True`` are different keys). Raises :class:`Unfrozen` for anything else."""
    kind = type(value)
    if kind in _PLAIN or isinstance(value, Enum):
        return (kind, value)
    if kind is list or kind is tuple:
        return (list, tuple(frozen(item) for item in value))
    if kind is dict:
        return (dict, tuple((name, frozen(item)) for name, item in value.items()))
    raise Unfrozen
