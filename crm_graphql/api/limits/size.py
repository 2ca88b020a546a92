"""The expanded size of a document: how many selections (fields, fragment spreads and
inline fragments) it has once every fragment spread is replaced by the fragment's own.

A document of a few hundred bytes can expand to billions of fields: each fragment
spreads the previous one twice (``fragment F1 on Query {...F0 ...F0}``, ..., ``{...F30}``).
Every pass that walks a document through its fragments (validation rules, the depth
and alias limiters, the cost planner, the root-field check of authentication) then
does that much work, synchronously. The size is measured here in one pass over the
document, each fragment's size computed once and reused for every spread of it, and a
document over ``CRM_MAX_QUERY_FIELDS`` is refused before any other rule looks at it: the
later passes then walk at most that many fields.

Spreads and inline fragments count as well as fields: a walk through fragments visits
each of them, and a long chain of fragments each spreading the next would otherwise
cost its length for every field at its end.

The walk uses an explicit stack (no recursion): deeply nested documents cannot exhaust
Python's recursion limit here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


class FragmentCycle(ValueError):
    """A fragment spreads itself, directly or through others: it never ends."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Cannot spread fragment {name!r} within itself.")
        self.name = name


@dataclass(frozen=True)
class _Shape:
    """What one definition selects by itself: its own selections (at every depth), and
    the fragments it spreads (once per spread)."""

    fields: int
    spreads: tuple[str, ...]


def _shape(selection_set: SelectionSetNode) -> _Shape:
    fields = 0
    spreads: list[str] = []
    stack = [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode):
                fields += 1
                if selection.selection_set is not None:
                    stack.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                fields += 1
                stack.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fields += 1
                spreads.append(selection.name.value)
    return _Shape(fields, tuple(spreads))


def _fragment_sizes(shapes: dict[str, _Shape], cap: int) -> dict[str, int]:
    """Each fragment's expanded size (at most ``cap + 1``: past the limit, how far past
    does not matter), in one depth-first pass over the spreads. Raises
    :class:`FragmentCycle` for a fragment that spreads itself."""
    sizes: dict[str, int] = {}
    in_progress: set[str] = set()
    for start in shapes:
        if start in sizes:
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(shapes[start].spreads))]
        in_progress.add(start)
        while stack:
            name, pending = stack[-1]
            for spread in pending:
                if spread in in_progress:
                    raise FragmentCycle(spread)
                if spread in shapes and spread not in sizes:
                    in_progress.add(spread)
                    stack.append((spread, iter(shapes[spread].spreads)))
                    break
            else:
                stack.pop()
                in_progress.discard(name)
                shape = shapes[name]
                # Unknown fragments count as empty: validation reports them.
                total = shape.fields + sum(sizes.get(spread, 0) for spread in shape.spreads)
                sizes[name] = min(total, cap + 1)
    return sizes


def expanded_size(document: DocumentNode, cap: int) -> int:
    """The number of selections of the document's operations, fragments expanded
    (counted up to ``cap + 1``; ``cap + 1`` also when one fragment alone expands past
    ``cap``). Linear in the document's length.

    Raises :class:`FragmentCycle` when a fragment spreads itself.
    """
    shapes: dict[str, _Shape] = {}
    operations: list[_Shape] = []
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            shapes.setdefault(definition.name.value, _shape(definition.selection_set))
        elif isinstance(definition, OperationDefinitionNode):
            operations.append(_shape(definition.selection_set))
    sizes = _fragment_sizes(shapes, cap)
    # A fragment no operation uses is still walked by validation: it counts too.
    if any(size > cap for size in sizes.values()):
        return cap + 1
    total = 0
    for operation in operations:
        total += operation.fields + sum(sizes.get(spread, 0) for spread in operation.spreads)
        if total > cap:
            return cap + 1
    return total
