"""``Writes``: the mutations of one entity, declared.

Every change of a record goes the same way, and this module is the one place that
knows it: find the record (``INVALID_ID`` / ``NOT_FOUND``), check that the caller may
change these fields of it (the entity's write rules and owner), run the domain's rules
(its ``services``: validation and the values to write, collecting every problem), write
(with the optimistic ``version`` check), record the audit event, all in one
transaction; after the commit, the registered hooks run (e.g. cached views go stale).
The payload carries the record or the ``userErrors``.

A domain declares one ``Writes`` per entity and its mutations become::

    OPPORTUNITY_WRITES = Writes(Opportunity, OpportunityPayload, field="opportunity")

    @strawberry.mutation(description="Change an opportunity: only the fields given change.")
    async def update_opportunity(self, info: Info, id: IdArg, input: ...) -> OpportunityPayload:
        return await OPPORTUNITY_WRITES.update(info, id, input, services.changes)

where ``services.changes(change)`` returns the column values to write.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from strawberry.types.unset import UNSET
from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from crm_graphql.api import audit
from crm_graphql.api.context import Info
from crm_graphql.api.entities import OWNED_PARENT, Entity, entity_of, entity_of_type
from crm_graphql.api.json import plain
from crm_graphql.api.mutations.changes import Changed, changed
from crm_graphql.api.mutations.inputs import changed_fields, given
from crm_graphql.api.mutations.problems import Path, Problems, UserErrorCode
from crm_graphql.api.mutations.transaction import Outcome, run_mutation, update_versioned
from crm_graphql.api.permissions import write_rule
from crm_graphql.api.references import foreign_key
from crm_graphql.settings import Settings

#: The field list of a deletion: it changes every field, so only a rule that allows
#: changing every field (not just some) allows it.
EVERY_FIELD = ("*",)


def _request_of(problems: Problems) -> Info:
    """The GraphQL request of a change made through :class:`Writes` (which always has
    one: only rules run from the command line have none)."""
    if problems.info is None:
        raise RuntimeError("a change made through Writes runs in a GraphQL request")
    return problems.info


@dataclass
class Change:
    """One change in progress, as the domain's rules see it."""

    problems: Problems
    #: The GraphQL input of the mutation (None when it has none).
    input: Any
    #: The record changed; None while it is being created.
    row: Any = None
    #: Where problems with the input are reported, e.g. ``["input"]``.
    path: Path = ("input",)
    #: Who will own a record being created, when the values do not say it directly.
    owner_id: int | None = None
    #: Extra values for the audit event (e.g. the stage a record moved from).
    audit: dict[str, Any] = field(default_factory=dict)
    #: What the rules found and the writes after need (e.g. validated order lines).
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def info(self) -> Info:
        return _request_of(self.problems)

    @property
    def settings(self) -> Settings:
        return self.info.context.settings

    @property
    def caller_id(self) -> int | None:
        """The signed-in user making the change (None for an API key)."""
        return self.problems.caller_id

    def at(self, *parts: str | int) -> list[str | int]:
        """The path of a part of the input, e.g. ``change.at("email")``."""
        return [*self.path, *parts]


#: The domain's rules for a change: validate (every problem into ``change.problems``)
#: and return the column values to write.
Prepare = Callable[[Change], Awaitable[dict[str, Any]]]
#: What else a change writes, in the same transaction (e.g. a history row).
After = Callable[[Change, Any, dict[str, Any]], Awaitable[None]]
#: Reads the record a mutation acts on (e.g. with a row lock); None when there is none.
Load = Callable[[int], Awaitable[Any]]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _python(graphql_name: str) -> str:
    """The Python attribute of a camelCase GraphQL input field."""
    return _snake(graphql_name)


class Writes:
    """The create, update, delete and state-change mutations of one entity."""

    def __init__(
        self,
        node: type,
        payload: type,
        *,
        field: str,
        action: str | None = None,
        load: Load | None = None,
        unique: Mapping[str, str] | None = None,
    ) -> None:
        """``node``: the entity's GraphQL type; ``payload``: its payload type, whose
        ``field`` holds the record (next to ``user_errors``); ``action``: the prefix
        of its audit actions (``opportunity`` gives ``opportunity.create``...);
        ``load``: how a mutation reads the record (default: by primary key);
        ``unique``: input fields with a unique column -> the DUPLICATE message (a
        concurrent write of the same value ends as that user error, not a fault)."""
        self._node = node
        self.payload = payload
        self.field = field
        self._action = action
        self._load = load
        self.unique = dict(unique or {})

    @property
    def entity(self) -> Entity:
        return entity_of_type(self._node)

    @property
    def action(self) -> str:
        return self._action or _snake(self.entity.name)

    def respond(self, outcome: Outcome) -> Any:
        """The payload of an outcome: the record, or the user errors."""
        return self.payload(**{self.field: outcome.first, "user_errors": outcome.errors})

    # ------------------------------------------------------------------ the steps

    async def find(
        self, problems: Problems, global_id: str, path: Path = ("id",), *, hidden: bool = False
    ) -> Any:
        """The record behind ``global_id``; stops with INVALID_ID or NOT_FOUND. Records
        the entity hides (soft-deleted) count as missing unless ``hidden``."""
        entity = self.entity
        pk = problems.id_of(path, global_id, entity.name)
        problems.check()
        assert pk is not None
        row = await (self._load(pk) if self._load else entity.model.get_or_none(pk=pk))
        if row is None or (not hidden and not entity.is_visible(row)):
            problems.fail(path, f"No such {entity.name}.", UserErrorCode.NOT_FOUND)
        return row

    async def require(
        self, problems: Problems, row: Any, fields: Sequence[str], path: Path
    ) -> None:
        """Stop with FORBIDDEN unless the caller may change ``fields`` of ``row``."""
        entity = self.entity
        owner = await entity.owner_of(row)
        problems.require_change(
            entity.name,
            fields,
            is_owner=problems.owns(owner),
            is_unowned=entity.owner is not None and owner is None,
            path=path,
        )

    async def record(
        self,
        problems: Problems,
        verb: str,
        pk: Any,
        changes: Mapping[str, Any] | None = None,
        *,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """The audit event of a change, and the announcement to the change hooks
        (:mod:`.changes`), in its transaction; ``before`` and ``after`` are the row
        before and after the change."""
        diff = {name: plain(value) for name, value in (changes or {}).items()}
        await audit.record(
            f"{self.action}.{verb}",
            audit.meta_from(_request_of(problems).context),
            entity_type=self.entity.name,
            entity_id=pk,
            changes=diff,
        )
        await changed(
            Changed(self.entity, verb, pk, before, after, diff, actor_id=problems.caller_id)
        )

    @asynccontextmanager
    async def _duplicates(self, problems: Problems, change: Change) -> AsyncIterator[None]:
        """A unique-key violation of the write becomes DUPLICATE at the field given.

        The domain's rules look the value up first and answer the usual case; this
        catches the race where another transaction commits the same value in between.
        """
        try:
            yield
        except IntegrityError:
            for name, message in self.unique.items():
                if change.input is not None and given(getattr(change.input, _python(name), UNSET)):
                    problems.fail(change.at(name), message, UserErrorCode.DUPLICATE)
            raise

    async def reload(self, pk: Any) -> Any:
        return await self.entity.model.get(pk=pk)

    async def transaction(self, info: Info, work: Callable[[Problems], Awaitable[Any]]) -> Any:
        """A mutation with steps of its own (built from :meth:`find`, :meth:`require`,
        :meth:`record`), in one transaction, answered with this entity's payload."""
        return self.respond(await run_mutation(info, info.field_name, work))

    # ------------------------------------------------------------------ the mutations

    async def create(
        self,
        info: Info,
        input: Any,
        prepare: Prepare,
        *,
        after: After | None = None,
        fields: Sequence[str] = (),
    ) -> Any:
        """Create one record from ``input``: ``prepare`` gives its column values.

        ``fields``: GraphQL fields a creation always sets besides those given.
        """

        async def work(problems: Problems) -> Model | None:
            row = await self.create_in(problems, input, prepare, after=after, fields=fields)
            problems.check()
            return row

        return self.respond(await run_mutation(info, info.field_name, work))

    async def create_many(
        self,
        info: Info,
        inputs: Sequence[Any],
        prepare: Prepare,
        *,
        limit: int,
        after: After | None = None,
        fields: Sequence[str] = (),
    ) -> Outcome:
        """Create up to ``limit`` records at once, all or none; the problems of the
        ``i``-th input are reported under ``["inputs", i, ...]``."""

        async def work(problems: Problems) -> list[Model]:
            if len(inputs) > limit:
                problems.fail(["inputs"], f"At most {limit} at once.", UserErrorCode.TOO_MANY)
            created = [
                await self.create_in(
                    problems, data, prepare, after=after, fields=fields, path=("inputs", i)
                )
                for i, data in enumerate(inputs)
            ]
            problems.check()
            return [row for row in created if row is not None]

        return await run_mutation(info, info.field_name, work)

    async def create_in(
        self,
        problems: Problems,
        input: Any,
        prepare: Prepare,
        *,
        after: After | None = None,
        fields: Sequence[str] = (),
        path: Path = ("input",),
    ) -> Model | None:
        """The steps of :meth:`create` inside a running mutation (for bulk creations):
        None when ``input`` has problems (they are in ``problems``)."""
        change = Change(problems, input, path=path)
        values = await prepare(change)
        entity = self.entity
        owner = change.owner_id
        if owner is None and isinstance(entity.owner, str):
            owner = values.get(entity.owner)
        problems.require_change(
            entity.name,
            [*changed_fields(input), *fields],
            is_owner=problems.owns(owner),
            is_unowned=entity.owner is not None and owner is None,
            path=path,
        )
        if problems.errors:
            return None
        await _require_parents(problems, entity, values, path)
        async with self._duplicates(problems, change):
            row = await entity.model.create(**values)
        if after is not None:
            await after(change, row, values)
        await self.record(problems, "create", row.pk, {**values, **change.audit}, after=row)
        return row

    async def update(
        self,
        info: Info,
        global_id: str,
        input: Any,
        prepare: Prepare,
        *,
        after: After | None = None,
    ) -> Any:
        """Change the fields given in ``input`` (which carries the ``version`` read)."""

        async def work(problems: Problems) -> Model:
            row = await self.find(problems, global_id)
            await self.require(problems, row, changed_fields(input), ["input"])
            change = Change(problems, input, row)
            values = await prepare(change)
            problems.check()
            async with self._duplicates(problems, change):
                await update_versioned(problems, self.entity.model, row.pk, input.version, values)
            if after is not None:
                await after(change, row, values)
            saved = await self.reload(row.pk)
            await self.record(
                problems, "update", row.pk, {**values, **change.audit}, before=row, after=saved
            )
            return saved

        return self.respond(await run_mutation(info, info.field_name, work))

    async def delete(
        self,
        info: Info,
        global_id: str,
        *,
        before: Callable[[Change], Awaitable[None]] | None = None,
        audit_values: Callable[[Any], Mapping[str, Any]] | None = None,
        in_use: str | None = None,
        soft: bool = True,
    ) -> Any:
        """Delete a record: soft (the entity's deleted flag, restorable) when the entity
        has one and ``soft``, else for good. ``before`` checks and removes what goes with
        it; ``in_use``: the IN_USE message when other records still refer to it (a
        foreign key refuses the delete)."""

        async def work(problems: Problems) -> Model:
            entity = self.entity
            row = await self.find(problems, global_id)
            await self.require(problems, row, EVERY_FIELD, ["id"])
            change = Change(problems, None, row, path=("id",))
            if before is not None:
                await before(change)
            problems.check()
            changes = dict(audit_values(row)) if audit_values else {}
            if entity.deleted_flag is not None and soft:
                flag = {entity.deleted_flag: datetime.now(UTC)}
                await update_versioned(problems, entity.model, row.pk, row.version, flag)
                saved = await self.reload(row.pk)
                await self.record(problems, "delete", row.pk, changes, before=row, after=saved)
                return saved
            try:
                await row.delete()
            except IntegrityError:
                if in_use is None:
                    raise
                problems.fail(change.path, in_use, UserErrorCode.IN_USE)
            await self.record(problems, "delete", row.pk, changes, before=row)
            return row

        return self.respond(await run_mutation(info, info.field_name, work))

    async def restore(self, info: Info, global_id: str) -> Any:
        """Bring back a soft-deleted record."""
        flag = self.entity.deleted_flag
        assert flag is not None, f"{self.entity.name} is not soft-deleted"

        async def work(problems: Problems) -> Model:
            row = await self.find(problems, global_id, hidden=True)
            await self.require(problems, row, EVERY_FIELD, ["id"])
            await update_versioned(problems, self.entity.model, row.pk, row.version, {flag: None})
            saved = await self.reload(row.pk)
            await self.record(problems, "restore", row.pk, before=row, after=saved)
            return saved

        return self.respond(await run_mutation(info, info.field_name, work))

    async def act(
        self,
        info: Info,
        global_id: str,
        verb: str,
        fields: Sequence[str],
        work: Prepare,
        *,
        version: int | None,
        input: Any = None,
        after: After | None = None,
        path: Path = ("id",),
        id_path: Path = ("id",),
    ) -> Any:
        """A named change of a record (a state transition, ...): ``work`` applies the
        domain's rules and returns the column values to write with the ``version``
        read; with ``version=None`` it writes itself (and bumps the version)."""

        async def run(problems: Problems) -> Model:
            row = await self.find(problems, global_id, id_path)
            await self.require(problems, row, fields, path)
            change = Change(problems, input, row, path=path)
            values = await work(change)
            problems.check()
            if version is not None:
                await update_versioned(problems, self.entity.model, row.pk, version, values)
            if after is not None:
                await after(change, row, values)
            saved = await self.reload(row.pk)
            await self.record(
                problems, verb, row.pk, {**change.audit, **values}, before=row, after=saved
            )
            return saved

        return self.respond(await run_mutation(info, info.field_name, run))


async def _require_parents(
    problems: Problems, entity: Entity, values: Mapping[str, Any], path: Path
) -> None:
    """The write rule's conditions on the records a new one is attached to (SALES adds
    opportunities only to the customers it owns, interactions to any it may read)."""
    principal = problems.info.context.principal if problems.info is not None else None
    if principal is None:
        return  # the command line and services acting for the system
    rule = write_rule(principal.role, entity.name)
    for name, need in rule.parents if rule is not None else ():
        reference = foreign_key(entity.model, name)
        parent_id = values.get(reference.column)
        target = entity_of(reference.model)
        if parent_id is None or target is None:
            continue
        rows = reference.model.filter(target.visible_q, target.readable_q(principal), pk=parent_id)
        allowed = await rows.exists()
        if allowed and need == OWNED_PARENT:
            parent = await reference.model.get(pk=parent_id)
            allowed = problems.owns(await target.owner_of(parent))
        if not allowed:
            problems.fail(
                [*path, name],
                f"Your role may not add this to that {target.name}.",
                UserErrorCode.FORBIDDEN,
            )
