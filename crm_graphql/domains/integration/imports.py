"""CSV import jobs for customers, companies, leads and interactions (see
docs/integration.md).

An upload is streamed to a file (hashing it and checking its encoding on the way), a job
row is made for (entity, file hash, options) — the same file with the same options is
the same job — and an ``import.requested`` event starts it on the worker. The job reads
the file as a stream, in batches of ``CRM_IMPORT_BATCH_ROWS`` rows; each batch is one
transaction: one SELECT finds the existing records its rows match, one multi-row INSERT
creates the new ones, one UPDATE fills the matched ones (policy UPDATE), one INSERT
records the refused rows, one the events, one UPDATE the job's progress. A job that stops
(a worker killed) goes on after its last committed batch when it runs again.

Every row goes through the same validation as the mutations (see :mod:`.import_kinds`);
its problems become the row's errors, with the CSV column they came from.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import csv
import hashlib
import io
import json
import os
import tempfile
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from tortoise import connections
from tortoise.models import Model
from tortoise.transactions import in_transaction

from crm_graphql.api.json import plain
from crm_graphql.domains.customers.models import (
    Company,
    Customer,
    CustomerLifecycleChange,
    LifecycleStage,
)
from crm_graphql.domains.integration.event_types import ENTITY_PREFIXES, event_type_of
from crm_graphql.domains.integration.hooks import field_name
from crm_graphql.domains.integration.import_kinds import (
    ENTITIES,
    KINDS,
    TARGETS,
    Kind,
    RowResult,
    check_mapping,
    match_keys,
    resolve_references,
    suggest_mapping,
    validate_row,
)
from crm_graphql.domains.integration.models import (
    DuplicatePolicy,
    ImportJob,
    ImportRowError,
    ImportStatus,
    WebhookEndpoint,
)
from crm_graphql.domains.integration.payloads import record_of
from crm_graphql.domains.leads.models import Lead, LeadStatus
from crm_graphql.domains.marketing.services import record_marketing_flags
from crm_graphql.events import NewEvent, emit, emit_many
from crm_graphql.events.sql import is_mysql, placeholders, sql
from crm_graphql.settings import Settings, load_settings

__all__ = [
    "ENTITIES",
    "TARGETS",
    "check_mapping",
    "match_keys",
    "suggest_mapping",
    "validate_row",
]

#: The event that starts (or resumes) an import job.
IMPORT_REQUESTED = "import.requested"
#: Refused rows kept per job (all are counted in ``failed``).
MAX_STORED_ERRORS = 10_000
#: Bytes read at once from an upload or a file.
CHUNK_BYTES = 1 << 16
SNIFF_BYTES = 1 << 16

_settings: Settings | None = None


def configure(settings: Settings | None) -> None:
    """The settings import jobs use in this process (default: the environment's)."""
    global _settings
    _settings = settings


def current_settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = load_settings()
    return _settings


class ImportRefused(ValueError):
    """An upload that cannot become a job (the message says why)."""


# --------------------------------------------------------------------------- files


@dataclass
class StoredFile:
    """An upload written to disk."""

    path: Path
    sha256: str
    encoding: str
    size: int


async def store_upload(chunks: AsyncIterator[bytes], folder: str) -> StoredFile:
    """Write an upload to ``folder`` as it arrives: its SHA-256, and its encoding (UTF-8,
    with or without BOM, when every byte decodes; cp1252, Excel's, otherwise)."""
    os.makedirs(folder, exist_ok=True)
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    first = b""
    size = 0
    handle, name = tempfile.mkstemp(prefix="import-", suffix=".csv", dir=folder)
    with os.fdopen(handle, "wb") as out:
        async for chunk in chunks:
            if not chunk:
                continue
            if len(first) < 3:
                first += chunk[: 3 - len(first)]
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    encoding = ("utf-8-sig" if first.startswith(codecs.BOM_UTF8) else "utf-8") if utf8 else "cp1252"
    return StoredFile(Path(name), digest.hexdigest(), encoding, size)


def sniff(path: Path, encoding: str) -> tuple[str, list[str]]:
    """The delimiter (``csv.Sniffer`` over the start of the file) and the header."""
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        sample = handle.read(SNIFF_BYTES)
    if not sample.strip():
        raise ImportRefused("the file is empty")
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    header = next(csv.reader(io.StringIO(sample), delimiter=delimiter), [])
    header = [column.strip() for column in header]
    if not any(header):
        raise ImportRefused("the file has no header row")
    return delimiter, header


def read_rows(job: ImportJob) -> Iterator[list[str]]:
    """The data rows of a job's file (after the header), as a stream."""
    with open(job.file_path, encoding=job.encoding, errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=job.delimiter)
        next(reader, None)
        yield from reader


# --------------------------------------------------------------------------- jobs


def options_key(dry_run: bool, policy: DuplicatePolicy, mapping: Mapping[str, str]) -> str:
    """What makes two uploads of one file the same job besides the file."""
    text = json.dumps([dry_run, policy.value, sorted(mapping.items())])
    return hashlib.sha256(text.encode()).hexdigest()


async def start_job(
    entity: str,
    stored: StoredFile,
    *,
    file_name: str | None,
    dry_run: bool,
    policy: DuplicatePolicy,
    mapping: Mapping[str, str] | None,
    created_by_id: int | None,
) -> ImportJob:
    """The job of an upload: a new one (started by an event in the same transaction),
    or the existing job of the same file with the same options (the upload is dropped).
    Raises :class:`ImportRefused`."""
    if entity not in KINDS:
        _drop(stored.path)
        raise ImportRefused(f"{entity!r} cannot be imported: one of {', '.join(ENTITIES)}")
    try:
        delimiter, header = sniff(stored.path, stored.encoding)
        chosen = dict(mapping) if mapping else suggest_mapping(entity, header)
        problems = check_mapping(entity, header, chosen)
        if problems:
            raise ImportRefused("; ".join(problems))
    except ImportRefused:
        _drop(stored.path)
        raise
    key = options_key(dry_run, policy, chosen)
    async with in_transaction():
        existing = await ImportJob.get_or_none(
            entity=entity, file_sha256=stored.sha256, options_key=key
        )
        if existing is not None:
            _drop(stored.path)
            return existing
        job = await ImportJob.create(
            entity=entity,
            file_sha256=stored.sha256,
            options_key=key,
            file_name=(file_name or "")[:255] or None,
            file_path=str(stored.path),
            encoding=stored.encoding,
            delimiter=delimiter,
            mapping=chosen,
            duplicate_policy=policy,
            dry_run=dry_run,
            created_by_id=created_by_id,
        )
        await emit(IMPORT_REQUESTED, entity="import_job", entity_id=job.pk, actor_id=created_by_id)
    return job


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0


async def _existing(
    kind: Kind, keys: set[tuple[str, str]]
) -> tuple[dict[tuple[str, str], int], set[int]]:
    """The visible records with any of ``keys`` (one SELECT: a UNION of one indexed
    lookup per matched column), and those of them that an import may not change
    (converted leads)."""
    if not keys:
        return {}, set()
    by_column: dict[str, list[str]] = {}
    for column, value in keys:
        by_column.setdefault(column, []).append(value)
    connection = connections.get("default")
    mysql = is_mysql(connection)
    meta = kind.model._meta
    table = _quote(connection, meta.db_table)
    status = kind.model is Lead
    selected = ["id", *kind.match_on, *(["status"] if status else [])]
    projection = ", ".join(_quote(connection, name) for name in selected)
    # Deleted customers and companies merged into another (soft-deleted) never match.
    visible = " AND deleted_at IS NULL" if kind.model in (Customer, Company) else ""
    parts: list[str] = []
    params: list[Any] = []
    for column, values in by_column.items():
        quoted = _quote(connection, column)
        # MySQL's collation ignores case (and keeps the index); SQLite compares lower case.
        target = quoted if mysql or column in ("phone", "external_id") else f"LOWER({quoted})"
        parts.append(
            f"SELECT {projection} FROM {table} "
            f"WHERE {target} IN ({placeholders(len(values))}){visible}"
        )
        params.extend(values)
    statement = " UNION ".join(parts) + " ORDER BY 1"
    _, rows = await connection.execute_query(sql(connection, statement), params)
    found: dict[tuple[str, str], int] = {}
    fixed: set[int] = set()
    for row in rows:
        record = dict(row) if not isinstance(row, dict) else row
        pk = int(record["id"])
        if status and record["status"] == LeadStatus.CONVERTED.value:
            fixed.add(pk)
        for column in by_column:
            if record.get(column):
                text = str(record[column])
                key = text if column in ("phone", "external_id") else text.lower()
                found.setdefault((column, key), pk)
    return found, fixed


#: Fields whose values go to the database as they are (the import's validation has
#: checked their lengths); every other field converts through ``to_db_value``.
_PLAIN_FIELDS = frozenset({"CharField", "TextField", "IntField", "SmallIntField", "BigIntField"})
#: Most rows in one INSERT (SQLite allows 32,766 parameters in a statement).
_MAX_PARAMETERS = 30_000


@dataclass(frozen=True)
class _Columns:
    """The columns an INSERT of a model writes: name, default, converter (None: none)."""

    names: tuple[str, ...]
    plan: tuple[tuple[str, Any, Any], ...]


_INSERT_COLUMNS: dict[type[Model], _Columns] = {}


def _columns(model: type[Model]) -> _Columns:
    found = _INSERT_COLUMNS.get(model)
    if found is None:
        meta = model._meta
        names = tuple(sorted(name for name in meta.db_fields if name != meta.pk_attr))
        plan = []
        for name in names:
            column = meta.fields_map[name]
            plain_field = type(column).__name__ in _PLAIN_FIELDS
            plan.append((name, column.default, None if plain_field else column.to_db_value))
        found = _INSERT_COLUMNS[model] = _Columns(names=names, plan=tuple(plan))
    return found


async def _insert(
    model: type[Model], rows: list[dict[str, Any]], *, returning: bool = True
) -> list[int]:
    """Multi-row INSERTs (one per batch unless it has more values than a statement
    takes); the new IDs in order (``RETURNING`` on SQLite and MariaDB; one INSERT per
    row on MySQL, which has no ``RETURNING``). Values are converted by the model's own
    fields; columns not given get their defaults."""
    if not rows:
        return []
    connection = connections.get("default")
    meta = model._meta
    columns = _columns(model)
    now = datetime.now(UTC)
    fixed: dict[str, Any] = {"created_at": now, "updated_at": now, "version": 1}
    defaults = {}
    for name, default, _ in columns.plan:
        if name in fixed:
            defaults[name] = fixed[name]
        elif not callable(default):
            defaults[name] = default
    records: list[list[Any]] = []
    for values in rows:
        record = []
        for name, default, convert in columns.plan:
            if name in fixed:
                value: Any = fixed[name]
            elif name in values:
                value = values[name]
            elif name in defaults:
                value = defaults[name]
            else:
                value = default()
            record.append(value if convert is None else convert(value, None))
        records.append(record)
    names = ", ".join(_quote(connection, meta.fields_db_projection[n]) for n in columns.names)
    table = _quote(connection, meta.db_table)
    width = len(columns.names)
    if returning and is_mysql(connection) and not await _is_mariadb(connection):
        return [
            await connection.execute_insert(
                f"INSERT INTO {table} ({names}) VALUES ({placeholders(width)})", record
            )
            for record in records
        ]
    pk = _quote(connection, meta.pk.source_field or meta.pk_attr)
    ids: list[int] = []
    step = max(1, _MAX_PARAMETERS // width)
    for start in range(0, len(records), step):
        part = records[start : start + step]
        statement = f"INSERT INTO {table} ({names}) VALUES {placeholders(len(part), width)}"
        flat = [value for record in part for value in record]
        if not returning:
            await connection.execute_query(sql(connection, statement), flat)
            continue
        _, result = await connection.execute_query(
            sql(connection, f"{statement} RETURNING {pk}"), flat
        )
        ids.extend(
            int(row[0]) if not isinstance(row, dict) else int(next(iter(row.values())))
            for row in result
        )
    return ids


async def _update_many(model: type[Model], updates: list[tuple[int, dict[str, Any]]]) -> None:
    """Write different values into many rows in one UPDATE; a row keeps the columns it
    does not set, and a record named twice takes, per column, the first value given.
    Bumps ``version`` and ``updated_at``.

    MySQL/MariaDB: the rows' values as a derived table joined on the primary key (one
    lookup per row); SQLite: ``CASE id WHEN ...`` per column."""
    merged: dict[int, dict[str, Any]] = {}
    for pk, values in updates:
        if values:
            row = merged.setdefault(pk, {})
            for name, value in values.items():
                row.setdefault(name, value)
    if not merged:
        return
    connection = connections.get("default")
    meta = model._meta
    columns: list[str] = []
    for values in merged.values():
        columns.extend(name for name in values if name not in columns)
    convert = {name: meta.fields_map[name].to_db_value for name in columns}
    table = _quote(connection, meta.db_table)
    pk_column = _quote(connection, meta.pk.source_field or meta.pk_attr)
    updated = _quote(connection, meta.fields_db_projection["updated_at"])
    version = _quote(connection, "version")
    now = meta.fields_map["updated_at"].to_db_value(datetime.now(UTC), cast(Any, None))
    quoted = {name: _quote(connection, meta.fields_db_projection[name]) for name in columns}
    params: list[Any] = []
    if is_mysql(connection):
        # A column a row does not set is NULL in the derived table: COALESCE keeps the
        # record's value (an import never writes an empty value over one).
        width = len(columns) + 1
        heads = ", ".join(["%s AS id", *(f"%s AS {quoted[name]}" for name in columns)])
        rest = " UNION ALL SELECT " + ", ".join(["%s"] * width)
        derived = f"SELECT {heads}" + rest * (len(merged) - 1)
        for pk, values in merged.items():
            params.append(pk)
            params.extend(
                convert[name](values[name], cast(Any, None)) if name in values else None
                for name in columns
            )
        sets = [f"t.{q} = COALESCE(v.{q}, t.{q})" for q in (quoted[name] for name in columns)]
        statement = (
            f"UPDATE {table} AS t JOIN ({derived}) AS v ON t.{pk_column} = v.id "
            f"SET {', '.join(sets)}, t.{updated} = %s, t.{version} = t.{version} + 1"
        )
        params.append(now)
        await connection.execute_query(statement, params)
        return
    parts: list[str] = []
    for name in columns:
        pairs = [(pk, values[name]) for pk, values in merged.items() if name in values]
        cases = " ".join(["WHEN %s THEN %s"] * len(pairs))
        column = quoted[name]
        parts.append(f"{column} = CASE {pk_column} {cases} ELSE {column} END")
        for pk, value in pairs:
            params.extend([pk, convert[name](value, cast(Any, None))])
    parts.append(f"{updated} = %s")
    parts.append(f"{version} = {version} + 1")
    params.append(now)
    params.extend(merged)
    statement = (
        f"UPDATE {table} SET {', '.join(parts)} WHERE {pk_column} IN ({placeholders(len(merged))})"
    )
    await connection.execute_query(sql(connection, statement), params)


def _quote(connection: Any, name: str) -> str:
    return f"`{name}`" if is_mysql(connection) else f'"{name}"'


_MARIADB: dict[int, bool] = {}


async def _is_mariadb(connection: Any) -> bool:
    key = id(connections)
    if key not in _MARIADB:
        _, rows = await connection.execute_query("SELECT VERSION() AS v")
        _MARIADB[key] = (
            "mariadb" in str(rows[0][0] if not isinstance(rows[0], dict) else rows[0]["v"]).lower()
        )
    return _MARIADB[key]


async def _subscribed(kind: Kind) -> set[str]:
    """The event types of ``kind``'s records an import writes: those some enabled
    webhook endpoint receives (a file of a million rows makes no million events nobody
    reads), and the ones the kind always writes (new leads, for automation)."""
    prefix = f"{ENTITY_PREFIXES[kind.model.__name__]}."
    types: set[str] = set(kind.always_emit)
    for endpoint in await WebhookEndpoint.filter(enabled=True).only("id", "event_types"):
        types.update(t for t in endpoint.event_types or [] if t.startswith(prefix))
    return types


def _cells(row: Sequence[str], columns: Sequence[tuple[int, str]]) -> dict[str, str]:
    return {target: (row[index] if index < len(row) else "") for index, target in columns}


async def run_job(job_id: int, settings: Settings | None = None) -> None:
    """Run import job ``job_id`` from where it stopped (see the module doc)."""
    settings = settings or current_settings()
    job = await ImportJob.get_or_none(pk=job_id)
    if job is None or job.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED):
        return
    try:
        _, header = sniff(Path(job.file_path), job.encoding)
    except (OSError, ImportRefused) as exc:
        await ImportJob.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            error=f"the file cannot be read: {exc}",
            finished_at=datetime.now(UTC),
        )
        return
    if job.status == ImportStatus.QUEUED:
        total = sum(1 for _ in read_rows(job))
        await ImportJob.filter(pk=job.pk).update(status=ImportStatus.RUNNING, total=total)
        job.total = total
    columns = [
        (header.index(column), target) for column, target in job.mapping.items() if column in header
    ]
    kind = KINDS[job.entity]
    events = set() if job.dry_run else await _subscribed(kind)
    counts = Counts(job.created, job.updated, job.skipped, job.failed)
    processed = job.processed
    seen: dict[tuple[str, str], int] = {}
    rows = read_rows(job)
    for _ in range(processed):
        next(rows, None)
    # Validating a batch (CPU) overlaps with writing the one before (mostly waiting for
    # the database): each batch is validated while the previous batch's write runs.
    writing: asyncio.Task[int] | None = None
    try:
        chunk: list[tuple[int, list[str]]] = []
        last = processed
        for number, row in enumerate(rows, start=processed + 1):
            last = number
            if not any(cell.strip() for cell in row):
                continue
            chunk.append((number, row))
            if len(chunk) >= settings.import_batch_rows:
                results = await _validate(job, chunk, columns, settings)
                if writing is not None:
                    await writing
                writing = asyncio.create_task(_write(job, results, last, counts, events, seen))
                chunk = []
        results = await _validate(job, chunk, columns, settings)
        if writing is not None:
            await writing
        writing = None
        processed = await _write(job, results, last, counts, events, seen)
    finally:
        if writing is not None and not writing.done():
            writing.cancel()
            with contextlib.suppress(BaseException):
                await writing
    await ImportJob.filter(pk=job.pk).update(
        status=ImportStatus.SUCCEEDED, finished_at=datetime.now(UTC), processed=processed
    )
    _drop(job.file_path)


async def _validate(
    job: ImportJob,
    chunk: list[tuple[int, list[str]]],
    columns: Sequence[tuple[int, str]],
    settings: Settings,
) -> list[RowResult]:
    """Every row of a batch through the mutations' validation (letting the write of the
    previous batch go on every few rows), then the batch's references resolved."""
    results = []
    for index, (number, row) in enumerate(chunk):
        results.append(await validate_row(job.entity, number, _cells(row, columns), settings))
        if index % 50 == 49:
            await asyncio.sleep(0)
    if any(result.references for result in results):
        await resolve_references(results, job.created_by_id)
    return results


async def _write(
    job: ImportJob,
    results: list[RowResult],
    processed: int,
    counts: Counts,
    events: set[str],
    seen: dict[tuple[str, str], int],
) -> int:
    """Write one validated batch in one transaction (or only count it, for a dry run);
    ``processed``: the data rows of the file done once it is written."""
    kind = KINDS[job.entity]
    entity = kind.entity
    wanted = {key for r in results if not r.errors for key in match_keys(entity, r.values)}
    existing, fixed = await _existing(kind, wanted - seen.keys()) if wanted else ({}, set())
    creates: list[RowResult] = []
    updates: list[tuple[int, dict[str, Any]]] = []
    errors: list[ImportRowError] = []
    pending: dict[tuple[str, str], int] = {}
    policy = job.duplicate_policy
    for result in results:
        if result.errors:
            counts.failed += 1
            errors.extend(
                ImportRowError(job_id=job.pk, row=result.number, column=_column(job, c), message=m)
                for c, m in result.errors
            )
            continue
        keys = match_keys(entity, result.values)
        match = next(
            (existing.get(k) or seen.get(k) for k in keys if existing.get(k) or seen.get(k)), None
        )
        in_file = next((pending[k] for k in keys if k in pending), None)
        if policy != DuplicatePolicy.CREATE and (match is not None or in_file is not None):
            if (
                policy == DuplicatePolicy.UPDATE
                and match is not None
                and in_file is None
                and match not in fixed
            ):
                values = {k: v for k, v in result.values.items() if v not in (None, [], {})}
                updates.append((match, values))
                counts.updated += 1
            else:
                counts.skipped += 1
            continue
        for key in keys:
            pending.setdefault(key, result.number)
        creates.append(result)
        counts.created += 1
    stored = max(0, MAX_STORED_ERRORS - (counts.failed - len([r for r in results if r.errors])))
    async with in_transaction():
        if not job.dry_run:
            owner = job.created_by_id if kind.owned else None
            ids = await _insert(
                kind.model,
                [
                    {**kind.defaults, **({"owner_id": owner} if kind.owned else {}), **r.values}
                    for r in creates
                ],
            )
            for result, new_id in zip(creates, ids, strict=True):
                for key in match_keys(entity, result.values):
                    seen[key] = new_id
            if kind.model is Customer and ids:
                await _record_stages(creates, ids, owner)
            await _update_many(kind.model, updates)
            if kind.model is Customer:
                await _record_consent(creates, ids, updates)
            await _emit(kind, events, creates, ids, updates, job.created_by_id)
        else:
            for result in creates:
                for key in match_keys(entity, result.values):
                    seen[key] = -result.number
        if errors and stored:
            await ImportRowError.bulk_create(errors[:stored], batch_size=1000)
        await ImportJob.filter(pk=job.pk).update(
            processed=processed,
            created=counts.created,
            updated=counts.updated,
            skipped=counts.skipped,
            failed=counts.failed,
        )
    return processed


def _column(job: ImportJob, target: str | None) -> str | None:
    """The CSV column a field's problem came from."""
    if target is None:
        return None
    for column, name in job.mapping.items():
        if name == target or name.replace(".", "").lower() == target.replace(".", "").lower():
            return column
    return target


async def _record_consent(
    creates: list[RowResult], ids: list[int], updates: list[tuple[int, dict[str, Any]]]
) -> None:
    """The EMAIL consent of the customers whose ``marketing_consent`` the batch set: kept
    in step with the flag, in the batch's transaction."""
    flags = {
        pk: True
        for result, pk in zip(creates, ids, strict=True)
        if result.values.get("marketing_consent")
    }
    for pk, values in updates:
        if values.get("marketing_consent") is not None:
            flags[pk] = bool(values["marketing_consent"])
    if flags:
        await record_marketing_flags(flags)


async def _record_stages(creates: list[RowResult], ids: list[int], actor: int | None) -> None:
    """The first lifecycle stage of every created customer (as the mutation records it)."""
    now = datetime.now(UTC)
    await _insert(
        CustomerLifecycleChange,
        [
            {
                "customer_id": pk,
                "stage": result.values.get("lifecycle_stage") or LifecycleStage.LEAD,
                "changed_at": now,
                "changed_by_id": actor,
            }
            for result, pk in zip(creates, ids, strict=True)
        ],
        returning=False,
    )


async def _emit(
    kind: Kind,
    events: set[str],
    creates: list[RowResult],
    ids: list[int],
    updates: list[tuple[int, dict[str, Any]]],
    actor: int | None,
) -> None:
    """The events of a batch, one INSERT (only the types of :func:`_subscribed`), with
    the data a mutation's change event has."""
    model = kind.model
    type_name = model.__name__
    created_type = event_type_of(type_name, "create")
    updated_type = event_type_of(type_name, "update")
    out: list[NewEvent] = []
    if created_type in events:
        for result, pk in zip(creates, ids, strict=True):
            row = model(**{**kind.defaults, **result.values})
            row.pk = pk
            out.append(
                NewEvent(
                    created_type,
                    type_name.lower(),
                    pk,
                    {
                        "object": record_of(row, type_name),
                        "changes": result.values,
                        "verb": "create",
                        "changed": {},
                    },
                    actor,
                )
            )
    if updated_type in events and updates:
        rows = {row.pk: row for row in await model.filter(pk__in=[pk for pk, _ in updates])}
        for pk, values in updates:
            if pk in rows:
                out.append(
                    NewEvent(
                        updated_type,
                        type_name.lower(),
                        pk,
                        {
                            "object": record_of(rows[pk], type_name),
                            "changes": values,
                            "verb": "update",
                            "changed": {field_name(c): plain(v) for c, v in values.items()},
                        },
                        actor,
                    )
                )
    if out:
        await emit_many(out)


def _drop(path: str | Path) -> None:
    """Remove a file that is no longer needed (gone already is fine)."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)
