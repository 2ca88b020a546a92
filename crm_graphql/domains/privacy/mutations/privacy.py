"""``exportPersonalData`` and ``erasePersonalData`` (ADMIN only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from tortoise.transactions import in_transaction

from crm_graphql.api import audit
from crm_graphql.api.auth import allow_roles
from crm_graphql.api.context import Info
from crm_graphql.api.entities import entity_of_type
from crm_graphql.api.mutations.changes import Changed, changed
from crm_graphql.api.mutations.problems import Problems, UserError, UserErrorCode
from crm_graphql.api.roles import Role
from crm_graphql.domains.customers.models import Customer as CustomerModel
from crm_graphql.domains.customers.types import Customer
from crm_graphql.domains.privacy import services
from crm_graphql.domains.privacy.types import ErasureSummary

#: The longest reason kept with an erasure.
MAX_REASON = 500


@strawberry.type(description="The result of exportPersonalData.")
class PersonalDataExportPayload:
    document: dict[str, Any] | None = strawberry.field(
        graphql_type=JSON | None,
        description="Everything the CRM holds about the person as one JSON document "
        "(layout in docs/privacy.md); null when refused.",
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused.")


@strawberry.type(description="The result of erasePersonalData.")
class ErasePersonalDataPayload:
    customer: CustomerModel | None = strawberry.field(
        description="The customer as it is after the erasure; null when refused.",
        graphql_type=Customer | None,
    )
    erased: ErasureSummary | None = strawberry.field(
        description="What was changed; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused.")


CustomerIdArg = Annotated[
    strawberry.ID, strawberry.argument(description="Global ID of the customer.")
]


def _counts(held: services.Holdings) -> dict[str, int]:
    return {name: len(value) for name, value in held.__dict__.items() if isinstance(value, list)}


@strawberry.type
class PrivacyMutations:
    @strawberry.mutation(
        description="Everything the CRM holds about a person, as one JSON document: profile, "
        "consent, interactions, orders, opportunities, tickets and comments, tasks, campaign "
        "memberships, invoices and payments, leads with their e-mail and the audit events "
        "about them (a right-of-access request). Audited. ADMIN only.",
        extensions=allow_roles(Role.ADMIN),
    )
    async def export_personal_data(
        self, info: Info, customer_id: CustomerIdArg
    ) -> PersonalDataExportPayload:
        problems = Problems(info)
        pk = problems.id_of(["customerId"], customer_id, "Customer")
        if pk is None:
            return PersonalDataExportPayload(document=None, user_errors=problems.errors)
        async with in_transaction():
            held = await services.holdings(pk)
            if held is None:
                problems.add(["customerId"], "No such customer.", UserErrorCode.NOT_FOUND)
                return PersonalDataExportPayload(document=None, user_errors=problems.errors)
            document = services.export_document(held, datetime.now(UTC))
            await audit.record(
                "customer.export_personal_data",
                audit.meta_from(info.context),
                entity_type="Customer",
                entity_id=pk,
                changes={"records": _counts(held)},
            )
        return PersonalDataExportPayload(document=document, user_errors=[])

    @strawberry.mutation(
        description="Erase a person's personal data for good (a right-to-erasure request): "
        "names, contact details, address and birth date of the customer, the bodies of their "
        "interactions, their tickets' descriptions and comments, the leads with their e-mail, "
        "and every copy in audit diffs, events and webhook deliveries. Orders, invoices, "
        "amounts, stages and dates stay, so aggregates do not change. Refused with "
        "RETENTION_PERIOD while the customer has an invoice issued within "
        "CRM_INVOICE_RETENTION_YEARS. Irreversible; audited with who, when and the reason. "
        "ADMIN only.",
        extensions=allow_roles(Role.ADMIN),
    )
    async def erase_personal_data(
        self,
        info: Info,
        customer_id: CustomerIdArg,
        reason: Annotated[
            str,
            strawberry.argument(
                description="Why (e.g. the request's reference), kept in the audit log; up to "
                "500 characters. The person's own values are removed from it."
            ),
        ],
    ) -> ErasePersonalDataPayload:
        problems = Problems(info)
        pk = problems.id_of(["customerId"], customer_id, "Customer")
        if not reason.strip():
            problems.add(["reason"], "Give the reason for the erasure.", UserErrorCode.REQUIRED)
        elif len(reason) > MAX_REASON:
            problems.add(["reason"], f"At most {MAX_REASON} characters.", UserErrorCode.TOO_LONG)
        if pk is None or problems.errors:
            return ErasePersonalDataPayload(customer=None, erased=None, user_errors=problems.errors)
        settings = info.context.settings
        async with in_transaction():
            locked = await CustomerModel.filter(pk=pk).select_for_update().first()
            if locked is None:
                problems.add(["customerId"], "No such customer.", UserErrorCode.NOT_FOUND)
                return _refused(problems)
            retained = await services.retained_invoices(
                pk, settings.invoice_retention_years, datetime.now(UTC).date()
            )
            if retained:
                problems.add(
                    ["customerId"],
                    f"{len(retained)} invoice(s) must be kept until "
                    f"{settings.invoice_retention_years} years after their issue date "
                    f"({', '.join(retained[:5])}); erase after that.",
                    UserErrorCode.RETENTION_PERIOD,
                )
                return _refused(problems)
            held = await services.holdings(pk)
            assert held is not None
            counts = await services.erase(held)
            changes: dict[str, Any] = {
                "reason": services.scrub_reason(held, reason.strip()),
                "erased": counts.as_dict(),
            }
            await audit.record(
                "customer.erase_personal_data",
                audit.meta_from(info.context),
                entity_type="Customer",
                entity_id=pk,
                changes=changes,
            )
            customer = await CustomerModel.get(pk=pk)
            # Announced like any change (a `customer.updated` event for webhooks, with the
            # record as it is now): receivers learn to erase their copies too.
            await changed(
                Changed(
                    entity_of_type(Customer),
                    "erase_personal_data",
                    pk,
                    locked,
                    customer,
                    {column: audit.REDACTED for column in services.ERASED_CUSTOMER_COLUMNS},
                    actor_id=problems.caller_id,
                )
            )
        return ErasePersonalDataPayload(
            customer=customer, erased=ErasureSummary.of(counts), user_errors=[]
        )


def _refused(problems: Problems) -> ErasePersonalDataPayload:
    return ErasePersonalDataPayload(customer=None, erased=None, user_errors=problems.errors)
