"""Consent per channel: grant or withdraw, audited."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from crm_graphql.api import validation
from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import UserError
from crm_graphql.api.mutations.writes import Change, Writes
from crm_graphql.domains.customers.types import Customer
from crm_graphql.domains.marketing import members
from crm_graphql.domains.marketing.enums import ConsentChannel
from crm_graphql.domains.marketing.models import ConsentChannel as Channel


@strawberry.type(description="The result of `setCustomerConsent`.")
class CustomerConsentPayload:
    customer: Customer | None = strawberry.field(
        description="The customer, with its consents; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the change was refused; empty on success."
    )


CONSENT = Writes(Customer, CustomerConsentPayload, field="customer")


@strawberry.type
class ConsentMutations:
    @strawberry.mutation(
        description="Grant or withdraw a customer's consent to be contacted on one channel; "
        "recorded with when and where the answer came from, and audited "
        "(`customer.consent`)."
    )
    async def set_customer_consent(
        self,
        info: Info,
        customer_id: Annotated[
            strawberry.ID, strawberry.argument(description="Global ID of the customer.")
        ],
        channel: Annotated[ConsentChannel, strawberry.argument(description="The channel.")],
        granted: Annotated[
            bool, strawberry.argument(description="true: granted; false: withdrawn.")
        ],
        source: Annotated[
            str,
            strawberry.argument(
                description="Where the answer came from, e.g. `web form`, `phone call` "
                "(1-100 characters)."
            ),
        ],
    ) -> CustomerConsentPayload:
        async def work(change: Change) -> dict[str, Any]:
            text = validation.text(
                change.problems, ["source"], source, max_length=100, required=True
            )
            change.problems.check()
            assert text is not None
            await members.set_consent(
                [change.row.pk], Channel(channel.value), granted, text, meta=None
            )
            change.audit.update(channel=channel.value, granted=granted, source=text)
            return {}

        return await CONSENT.act(
            info,
            customer_id,
            "consent",
            ["consents"],
            work,
            version=None,
            path=["customerId"],
            id_path=["customerId"],
        )
