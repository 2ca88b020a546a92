"""A record as a webhook body carries it: every column an ADMIN can read, with global
IDs for the record and its references, and no secrets."""

from __future__ import annotations

import re
from typing import Any

from tortoise.fields.relational import ForeignKeyFieldInstance
from tortoise.models import Model

from crm_graphql.api.ids import to_global_id
from crm_graphql.api.json import plain

#: Columns never sent: credentials and their hashes.
SECRET_COLUMNS = re.compile(r"(password|secret|token|hash)", re.IGNORECASE)


def camel(name: str) -> str:
    """``lifetime_value`` -> ``lifetimeValue`` (GraphQL's field names)."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def record_of(row: Model, type_name: str) -> dict[str, Any]:
    """``row`` as JSON-friendly data: ``id`` and references as global IDs."""
    meta = row._meta
    references = {
        field.source_field: field
        for field in meta.fields_map.values()
        if isinstance(field, ForeignKeyFieldInstance)
    }
    record: dict[str, Any] = {"id": to_global_id(type_name, row.pk)}
    for name in sorted(meta.db_fields):
        if name == meta.pk_attr or SECRET_COLUMNS.search(name):
            continue
        value = getattr(row, name, None)
        fk = references.get(name)
        if fk is not None:
            target = fk.related_model.__name__
            record[camel(fk.model_field_name)] = (
                None if value is None else to_global_id(target, value)
            )
            continue
        record[camel(name)] = plain(value)
    return record
