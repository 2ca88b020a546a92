"""Batch loads shared by every domain: rows by primary key, and related rows attached
to the rows of a page before their fields resolve.

A reference field (an interaction's ``author``) is resolved synchronously when the page
that produced the row has already attached the referenced row; that saves an await,
and so an asyncio task, per row. Rows reached another way fall back to a DataLoader,
which batches them all the same.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.exceptions import WrongNumberOfResultsReturned
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField
from tortoise.models import Model

from crm_graphql.api.columns import ATTACHED, select_by_keys
from crm_graphql.api.context import Info

M = TypeVar("M", bound=Model)

#: The row attribute holding the values :func:`attach` gave it (field name -> value).
_ATTACHED = ATTACHED


@dataclass(frozen=True)
class Reference:
    """A GraphQL field that returns the row a foreign key points to."""

    model: type[Model]
    column: str


def _by_id_loader(info: Info, model: type[M]) -> DataLoader[int, M | None]:
    return by_id_loader(info.context, model)


def by_id_loader(context: Any, model: type[M]) -> DataLoader[int, M | None]:
    """The request's (``context``'s) loader of ``model`` rows by primary key."""

    async def batch(keys: list[int]) -> list[Any]:
        rows = {row.pk: row for row in await model.filter(pk__in=keys)}
        return [rows.get(key) for key in keys]

    return context.loader(("by_id", model.__name__), batch)


#: What :func:`already_loaded` gives for a row this request has not loaded (yet).
NOT_LOADED = object()


def already_loaded(loader: DataLoader[int, Any], pk: int) -> Any:
    """The row ``pk`` when ``loader`` holds it already (None for a row that does not
    exist), else :data:`NOT_LOADED`."""
    future = loader.cache_map.get(pk)
    if (
        future is not None
        and future.done()
        and not future.cancelled()
        and future.exception() is None
    ):
        return future.result()
    return NOT_LOADED


async def load_by_id(info: Info, model: type[M], pk: int | None) -> M | None:
    """The row of ``model`` with primary key ``pk``, batched with every other such load."""
    if pk is None:
        return None
    return await _by_id_loader(info, model).load(pk)


async def preload(info: Info, model: type[Model], keys: Iterable[int | None]) -> None:
    """Load the rows of ``model`` with these primary keys in one statement (rows this
    request has loaded already are not read again), so that :func:`loaded` returns
    them without an await."""
    wanted = sorted({key for key in keys if key is not None})
    if wanted:
        await _by_id_loader(info, model).load_many(wanted)


def loaded(info: Info, model: type[M], pk: int | None) -> Any:
    """The row of ``model`` with primary key ``pk``: the row itself when this request
    has loaded it already (see :func:`preload`), else an awaitable batched load.

    Returning the row saves an await, hence an asyncio task, per resolved field.
    """
    if pk is None:
        return None
    row = already_loaded(_by_id_loader(info, model), pk)
    return load_by_id(info, model, pk) if row is NOT_LOADED else row


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


async def load_all(loader: DataLoader[K, V], keys: Sequence[K]) -> list[V]:
    """``loader.load_many(keys)``: the same values, the same single call of the batch
    function, kept by the loader for later loads of the same keys.

    When the loader knows none of the keys and has no batch waiting, the batch function
    is called here directly: each key gets a plain future in the loader's cache (so a
    load of it meanwhile waits for this call, and one afterwards finds its value), but
    no batch task, no callback and no gathering per key, which for a page of rows are
    most of what ``load_many`` costs. Otherwise ``load_many`` runs as usual.
    """
    cache = loader.cache_map if loader.cache else None
    pending = loader.batch
    if (
        cache is None
        or (pending is not None and not pending.dispatched and pending.tasks)
        or any(cache.get(key) is not None for key in keys)
    ):
        return await loader.load_many(keys)
    unique = list(dict.fromkeys(keys))
    loop = loader.loop
    futures = {key: loop.create_future() for key in unique}
    for key, future in futures.items():
        cache.set(key, future)
    try:
        values = list(await loader.load_fn(unique))
        if len(values) != len(unique):
            raise WrongNumberOfResultsReturned(expected=len(unique), received=len(values))
    except BaseException as error:
        for key, future in futures.items():
            if isinstance(error, Exception):
                future.set_exception(error)
                future.exception()  # retrieved here: nobody else may ever ask
            else:  # cancelled: whoever waits for a key is cancelled too, and it is forgotten
                future.cancel()
                cache.delete(key)
        raise
    failed: BaseException | None = None
    for future, value in zip(futures.values(), values, strict=True):
        if isinstance(value, BaseException):
            future.set_exception(value)
            future.exception()
            failed = failed or value
        else:
            future.set_result(value)
    if failed is not None:
        raise failed
    found: dict[K, Any] = dict(zip(unique, values, strict=True))
    return [found[key] for key in keys]


def attach(row: object, field: Hashable, value: Any) -> None:
    """Give ``row`` (a model instance, or a view's object) the value of ``field``, for
    its resolver to return without an await."""
    attributes = row.__dict__
    values = attributes.get(_ATTACHED)
    if values is None:
        values = attributes[_ATTACHED] = {}
    values[field] = value


def attached(root: object, field: str) -> tuple[bool, Any]:
    """``(True, value)`` when a page attached ``field`` to ``root``, else ``(False, None)``."""
    values = root.__dict__.get(_ATTACHED)
    if values is not None and field in values:
        return True, values[field]
    return False, None


def related(info: Info, root: Model, field: str, reference: Reference) -> Any:
    """Resolve a reference field: the attached row, or an awaitable batched load."""
    attached = root.__dict__.get(_ATTACHED)
    if attached is not None and field in attached:
        return attached[field]
    return load_by_id(info, reference.model, getattr(root, reference.column))


async def attach_references(
    info: Info,
    rows: Sequence[Model],
    references: Mapping[str, Reference],
    fields: Iterable[str],
    columns: Mapping[str, tuple[str, ...] | None] | None = None,
) -> None:
    """Load the rows that ``fields`` of ``rows`` refer to, one statement per field.

    Rows this request has loaded already are reused. A field given ``columns`` (see
    :func:`crm_graphql.api.references.reference_columns`) reads only those, as partial
    rows kept for the request per (model, columns); the others read whole rows, shared
    with the request's by-ID loaders.
    """
    for field in fields:
        reference = references[field]
        only = columns.get(field) if columns is not None else None
        loader = _by_id_loader(info, reference.model)
        partial: dict[int, Any] | None = None
        if only is not None:
            memo = info.context.memo
            partial_key = ("partial rows", reference.model, only)
            partial = memo.get(partial_key)
            if partial is None:
                partial = memo[partial_key] = {}
        found: dict[int, Any] = {}
        missing = []
        for pk in {getattr(row, reference.column) for row in rows} - {None}:
            known = loader.cache_map.get(pk)
            if known is not None and known.done() and known.exception() is None:
                found[pk] = known.result()
            elif partial is not None and pk in partial:
                found[pk] = partial[pk]
            else:
                missing.append(pk)
        if missing and partial is not None and only is not None:
            pk = reference.model._meta.pk_attr
            for target in await select_by_keys(reference.model, pk, missing, only):
                found[target.pk] = partial[target.pk] = target
        elif missing:
            for target in await reference.model.filter(pk__in=missing):
                found[target.pk] = target
                if loader.cache_map.get(target.pk) is None:
                    loader.prime(target.pk, target)
        column = reference.column
        for row in rows:
            attach(row, field, found.get(getattr(row, column)))


def selected_fields(info: Info, *path: str) -> frozenset[str]:
    """Names of the fields selected below ``path`` in the current field's selection.

    A path starting with ``nodes`` on a connection field also follows
    ``edges { node }``: ``("nodes",)`` gives the fields asked of each node, ``("nodes",
    "items")`` those asked of each node's items. Fragments are followed.
    """
    # The same field resolves once per parent row, and the same document again in later
    # requests: its selection depends on the document alone (see api.kept).
    raw = info._raw_info
    cache_key = ("selection", id(raw.field_nodes[0]), path)
    kept = info.context.kept(raw.operation)
    cached = kept.get(cache_key)
    if cached is not None:
        return cached
    names: set[str] = set()
    for field in info.selected_fields:
        _collect(field.selections, list(path), names)
        if path and path[0] == "nodes":
            _collect(field.selections, ["edges", "node", *path[1:]], names)
    result = kept[cache_key] = frozenset(names)
    return result


def _collect(selections: list[Any], path: list[str], names: set[str]) -> None:
    for selection in selections:
        if isinstance(selection, FragmentSpread | InlineFragment):
            _collect(selection.selections, path, names)
        elif isinstance(selection, SelectedField):
            if not path:
                names.add(selection.name)
            elif selection.name == path[0]:
                _collect(selection.selections, path[1:], names)
