"""One transaction per mutation, optimistic versions, idempotency keys, and the hooks
that run once a change is committed."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.expressions import F
from tortoise.models import Model
from tortoise.transactions import in_transaction

from crm_graphql.api.availability import is_deadlock
from crm_graphql.api.context import Context, Info
from crm_graphql.api.mutations.problems import Problems, Rejected, UserError, UserErrorCode
from crm_graphql.db.values import column_values

#: How long a repeated ``Idempotency-Key`` returns the first result.
IDEMPOTENCY_WINDOW = timedelta(hours=24)

#: How many times a mutation's transaction runs when MySQL keeps choosing it to break a
#: deadlock, and the longest pause (seconds) before the first repeat (then 2x, 3x...).
DEADLOCK_ATTEMPTS = 4
DEADLOCK_PAUSE_SECONDS = 0.02

#: Called after every mutation that committed a change (e.g. to make cached views fresh).
AfterCommit = Callable[[Context], Awaitable[None]]
_AFTER_COMMIT: list[AfterCommit] = []


def after_commit(hook: AfterCommit) -> AfterCommit:
    """Register ``hook`` to run after every committed mutation (a domain's decorator)."""
    _AFTER_COMMIT.append(hook)
    return hook


async def update_versioned(
    problems: Problems,
    model: type[Model],
    pk: int,
    expected_version: int,
    changes: dict[str, Any],
) -> None:
    """Write ``changes`` only if the row still has ``expected_version`` (and bump it).

    The version condition is part of the UPDATE itself, so of two concurrent updates
    from the same version exactly one wins; the other gets ``CONFLICT``.
    """
    changes = {**changes, "updated_at": datetime.now(UTC)}
    updated = await model.filter(pk=pk, version=expected_version).update(
        **changes, version=F("version") + 1
    )
    if not updated:
        current = await column_values(model.filter(pk=pk), "version")
        problems.add(
            ["version"],
            "The record was changed by someone else; read it again.",
            UserErrorCode.CONFLICT,
            current_version=current[0] if current else None,
        )
        problems.check()


@dataclass
class Outcome:
    """What a mutation produced: its rows (for the payload) and its user errors."""

    rows: list[Any]
    errors: list[UserError]

    @property
    def first(self) -> Any:
        """The one row of a single-record mutation; None when it was refused."""
        return self.rows[0] if self.rows else None


async def run_mutation(
    info: Info, name: str, work: Callable[[Problems], Awaitable[Model | list[Model] | None]]
) -> Outcome:
    """Run ``work`` in one transaction; honour the request's ``Idempotency-Key``."""
    context = info.context
    key = _idempotency_key(context, name)
    if key is not None:
        repeated = await _stored_outcome(key)
        if repeated is not None:
            return repeated
        await _forget_expired()
    for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
        problems = Problems(info)
        try:
            async with in_transaction():
                result = await work(problems)
                rows = result if isinstance(result, list) else ([result] if result else [])
                if key is not None:
                    await _store_outcome(key, rows)
            break
        except Rejected as rejected:
            return Outcome(rows=[], errors=rejected.errors)
        except (IntegrityError, OperationalError) as error:
            if key is not None:
                # The same key committed by a concurrent request a moment ago (a duplicate
                # key, or on MySQL possibly a deadlock between the two inserts).
                repeated = await _stored_outcome(key)
                if repeated is not None:
                    return repeated
            if not is_deadlock(error) or attempt == DEADLOCK_ATTEMPTS:
                raise
        # MySQL rolled the whole transaction back to break a deadlock: nothing of it was
        # written, so it runs again from the start, after a pause that lets the other
        # transaction through.
        await asyncio.sleep(random.uniform(0.0, DEADLOCK_PAUSE_SECONDS * attempt))
    for hook in _AFTER_COMMIT:
        await hook(context)
    return Outcome(rows=rows, errors=[])


# --------------------------------------------------------------------------- idempotency


def _idempotency_key(context: Context, name: str) -> str | None:
    request = context.request
    if request is None:
        return None
    given = request.headers.get("idempotency-key")
    if not given:
        return None
    principal = context.principal
    who = (
        f"u{principal.user_id}"
        if principal and principal.user_id is not None
        else f"k{principal.api_key_id if principal else ''}"
    )
    # Scoped to the caller and the mutation: one client's key cannot replay another's.
    return hashlib.sha256(f"{who}:{name}:{given}".encode()).hexdigest()


async def _stored_outcome(key: str) -> Outcome | None:
    from crm_graphql.db.idempotency import IdempotencyRecord

    since = datetime.now(UTC) - IDEMPOTENCY_WINDOW
    record = await IdempotencyRecord.get_or_none(key=key, created_at__gte=since)
    if record is None:
        return None
    stored = json.loads(record.result) if isinstance(record.result, str) else record.result
    model = _model_named(stored["model"]) if stored.get("model") else None
    rows: list[Any] = []
    if model is not None and stored["ids"]:
        by_pk = {row.pk: row for row in await model.filter(pk__in=stored["ids"])}
        rows = [by_pk[pk] for pk in stored["ids"] if pk in by_pk]
    return Outcome(rows=rows, errors=[])


async def _store_outcome(key: str, rows: list[Any]) -> None:
    from crm_graphql.db.idempotency import IdempotencyRecord

    result = {
        "model": type(rows[0]).__name__ if rows else None,
        "ids": [row.pk for row in rows],
    }
    await IdempotencyRecord.create(key=key, result=result)


async def _forget_expired() -> None:
    # Outside the mutation's transaction: a range delete there would hold gap locks
    # that make concurrent requests with keys deadlock on MySQL.
    from crm_graphql.db.idempotency import IdempotencyRecord

    await IdempotencyRecord.filter(created_at__lt=datetime.now(UTC) - IDEMPOTENCY_WINDOW).delete()


def _model_named(name: str) -> type[Model] | None:
    from tortoise import Tortoise

    for model in Tortoise.apps.get_models_iterable():
        if model.__name__ == name:
            return model
    return None
