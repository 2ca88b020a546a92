"""mergeCustomers and mergeCompanies: one survivor absorbs its duplicates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry
from tortoise.expressions import F

from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import Problems, UserError, UserErrorCode
from crm_graphql.api.mutations.transaction import update_versioned
from crm_graphql.api.mutations.writes import EVERY_FIELD, Change, Writes
from crm_graphql.domains.customers import services as customer_services
from crm_graphql.domains.customers.models import Customer as CustomerModel
from crm_graphql.domains.customers.types import Company, Customer
from crm_graphql.domains.duplicates import services
from crm_graphql.domains.duplicates.enums import CompanyMergeField, CustomerMergeField
from crm_graphql.domains.duplicates.services import MAX_MERGED, MergeField, MoveRecords


@strawberry.input(description="Take one field's value from one of the records merged.")
class CustomerFieldChoice:
    field: CustomerMergeField = strawberry.field(
        description="The field (ADDRESS: the whole address)."
    )
    record: strawberry.ID = strawberry.field(
        description="The survivor or one of the merged customers: its value is kept."
    )


@strawberry.input(description="Take one field's value from one of the records merged.")
class CompanyFieldChoice:
    field: CompanyMergeField = strawberry.field(
        description="The field (ADDRESS: the whole address)."
    )
    record: strawberry.ID = strawberry.field(
        description="The survivor or one of the merged companies: its value is kept."
    )


@strawberry.type(description="The result of `mergeCustomers`.")
class MergeCustomersPayload:
    customer: Customer | None = strawberry.field(
        description="The survivor as saved; null when the merge was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the merge was refused (nothing changed); empty on success."
    )


@strawberry.type(description="The result of `mergeCompanies`.")
class MergeCompaniesPayload:
    company: Company | None = strawberry.field(
        description="The survivor as saved; null when the merge was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the merge was refused (nothing changed); empty on success."
    )


CUSTOMER = Writes(Customer, MergeCustomersPayload, field="customer")
COMPANY = Writes(Company, MergeCompaniesPayload, field="company")


@dataclass(frozen=True)
class MergeKind:
    """How records of one entity are merged."""

    writes: Writes
    fields: Sequence[MergeField]
    move: MoveRecords


CUSTOMERS = MergeKind(CUSTOMER, services.CUSTOMER_FIELDS, services.move_customer_records)
COMPANIES = MergeKind(COMPANY, services.COMPANY_FIELDS, services.move_company_records)


def _ids(
    problems: Problems, name: str, survivor_id: str, merged_ids: Sequence[str]
) -> tuple[int | None, list[tuple[int, int]]]:
    """The survivor's primary key and the merged ones (with their index in the input)."""
    survivor = problems.id_of(["survivorId"], survivor_id, name)
    if not merged_ids:
        problems.add(["mergedIds"], "Name at least one record to merge.", UserErrorCode.REQUIRED)
    if len(merged_ids) > MAX_MERGED:
        problems.add(
            ["mergedIds"], f"At most {MAX_MERGED} records at once.", UserErrorCode.TOO_MANY
        )
    merged: list[tuple[int, int]] = []
    for index, global_id in enumerate(merged_ids):
        pk = problems.id_of(["mergedIds", index], global_id, name)
        if pk is None:
            continue
        if pk == survivor:
            problems.add(
                ["mergedIds", index],
                "The survivor is not merged into itself.",
                UserErrorCode.INVALID,
            )
        elif any(pk == seen for seen, _ in merged):
            problems.add(["mergedIds", index], "Named twice.", UserErrorCode.INVALID)
        else:
            merged.append((pk, index))
    return survivor, merged


def _choices(
    problems: Problems, name: str, choices: Sequence[Any], allowed: set[int | None]
) -> dict[str, int]:
    """The record each chosen field is taken from."""
    picked: dict[str, int] = {}
    for index, choice in enumerate(choices):
        field = choice.field.value
        pk = problems.id_of(["fieldChoices", index, "record"], choice.record, name)
        if field in picked:
            problems.add(["fieldChoices", index, "field"], "Chosen twice.", UserErrorCode.INVALID)
        elif pk is not None and pk not in allowed:
            problems.add(
                ["fieldChoices", index, "record"],
                "Not the survivor or one of the records merged.",
                UserErrorCode.INVALID,
            )
        elif pk is not None:
            picked[field] = pk
    return picked


async def merge(
    info: Info,
    kind: MergeKind,
    survivor_id: str,
    merged_ids: Sequence[str],
    choices: Sequence[Any],
) -> Any:
    """Merge ``merged_ids`` into ``survivor_id`` (see :mod:`.services`)."""
    writes = kind.writes
    entity = writes.entity
    model = entity.model

    async def work(problems: Problems) -> Any:
        survivor_pk, merged = _ids(problems, entity.name, survivor_id, merged_ids)
        allowed = {survivor_pk, *(pk for pk, _ in merged)}
        picked = _choices(problems, entity.name, choices, allowed)
        problems.check()
        assert survivor_pk is not None
        merged_pks = [pk for pk, _ in merged]
        # Locked: a concurrent change or merge of one of them waits for this one.
        locked = model.filter(pk__in=[survivor_pk, *merged_pks]).select_for_update()
        rows = {row.pk: row for row in await locked}
        paths: list[tuple[int, list[str | int]]] = [(survivor_pk, ["survivorId"])]
        paths += [(pk, ["mergedIds", index]) for pk, index in merged]
        for pk, path in paths:
            if pk not in rows or not entity.is_visible(rows[pk]):
                problems.add(path, f"No such {entity.name}.", UserErrorCode.NOT_FOUND)
        problems.check()
        for pk, path in paths:
            await writes.require(problems, rows[pk], EVERY_FIELD, path)
        survivor: Any = rows[survivor_pk]
        absorbed = [rows[pk] for pk in merged_pks]
        values = services.chosen_values(
            kind.fields, survivor, absorbed, {field: rows[pk] for field, pk in picked.items()}
        )
        moved = await kind.move(survivor_pk, merged_pks)
        now = datetime.now(UTC)
        await model.filter(pk__in=merged_pks).update(
            deleted_at=now, merged_into_id=survivor_pk, version=F("version") + 1, updated_at=now
        )
        await update_versioned(problems, model, survivor_pk, survivor.version, values)
        if model is CustomerModel:
            change = Change(problems, None, survivor, path=("fieldChoices",))
            await customer_services.record_new_stage(change, survivor, values)
        saved = {row.pk: row for row in await model.filter(pk__in=[survivor_pk, *merged_pks])}
        await writes.record(
            problems,
            "merge",
            survivor_pk,
            {**values, "merged": merged_pks, "moved": moved},
            before=survivor,
            after=saved[survivor_pk],
        )
        for row in absorbed:
            await writes.record(
                problems,
                "merged",
                row.pk,
                {"merged_into_id": survivor_pk},
                before=row,
                after=saved[row.pk],
            )
        return saved[survivor_pk]

    return await writes.transaction(info, work)


SurvivorArg = Annotated[
    strawberry.ID, strawberry.argument(description="The record that stays and absorbs the others.")
]
MergedArg = Annotated[
    list[strawberry.ID],
    strawberry.argument(
        description=f"The records merged into the survivor (1-{MAX_MERGED}): they stay, "
        "soft-deleted, with `mergedInto`."
    ),
]


@strawberry.type
class MergeMutations:
    @strawberry.mutation(
        description="Merge duplicate customers into one, all or nothing: their interactions, "
        "orders, opportunities, tickets, tasks, invoices, payments, converted leads, campaign "
        "memberships and consents move to the survivor (one membership per campaign and one "
        "consent per channel are kept); the survivor keeps its field values, gaps filled "
        "from the merged customers in the order given, unless `fieldChoices` says otherwise; "
        "the merged customers are soft-deleted with `mergedInto`, and `node(id:)` of their "
        "IDs gives the survivor. One audit event per record. The caller must be allowed to "
        "change (and delete) every customer named."
    )
    async def merge_customers(
        self,
        info: Info,
        survivor_id: SurvivorArg,
        merged_ids: MergedArg,
        field_choices: Annotated[
            list[CustomerFieldChoice] | None,
            strawberry.argument(description="Fields taken from a given record."),
        ] = None,
    ) -> MergeCustomersPayload:
        return await merge(info, CUSTOMERS, survivor_id, merged_ids, field_choices or [])

    @strawberry.mutation(
        description="Merge duplicate companies into one, all or nothing: their people, "
        "opportunities and SLA policies move to the survivor; fields as in `mergeCustomers`; "
        "the merged companies are soft-deleted with `mergedInto` and `node(id:)` of their "
        "IDs gives the survivor. One audit event per record."
    )
    async def merge_companies(
        self,
        info: Info,
        survivor_id: SurvivorArg,
        merged_ids: MergedArg,
        field_choices: Annotated[
            list[CompanyFieldChoice] | None,
            strawberry.argument(description="Fields taken from a given record."),
        ] = None,
    ) -> MergeCompaniesPayload:
        return await merge(info, COMPANIES, survivor_id, merged_ids, field_choices or [])
