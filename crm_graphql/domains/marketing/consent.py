"""``Customer.marketingConsent`` and the per-channel EMAIL consent say the same thing, and
are written together in one transaction, whichever side changes.

- A consent change (``setCustomerConsent``, responses, the unsubscribe link) sets the
  customer's flag in :func:`~.members.set_consent`.
- A change of the flag on the customer (``createCustomer``, ``updateCustomer``, a lead
  conversion: every change announced to the change hooks) grants or withdraws EMAIL
  consent in :func:`follow_customer_flag`; bulk writes of the flag (the CSV import) call
  :func:`record_flags`.

A customer whose flag was never set and who has no EMAIL answer was never asked: no row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_graphql.api.mutations.changes import Changed, on_change
from crm_graphql.domains.marketing.members import set_consent
from crm_graphql.domains.marketing.models import ConsentChannel

#: What the consent row says the answer came from when the customer's flag was set.
SOURCE = "customer record"
#: Changes that write the consent themselves.
OWN_VERBS = frozenset({"consent"})


async def record_flags(flags: Mapping[int, bool], source: str = SOURCE) -> None:
    """Customers' ``marketing_consent`` as just written (customer ID -> flag) into their
    EMAIL consent: one grant and one withdrawal for all (a constant number of statements).
    A new customer without the flag needs no row: leave it out."""
    for granted in (True, False):
        ids = [pk for pk, flag in flags.items() if flag is granted]
        if ids:
            await set_consent(ids, ConsentChannel.EMAIL, granted, source, None, sync_flag=False)


def _flag(row: Any) -> bool | None:
    value = getattr(row, "marketing_consent", None) if row is not None else None
    return None if value is None else bool(value)


@on_change
async def follow_customer_flag(change: Changed) -> None:
    """A customer's ``marketing_consent`` set or changed: the EMAIL consent follows, in
    the change's transaction."""
    if change.entity.name != "Customer" or change.verb in OWN_VERBS or change.after is None:
        return
    after, before = _flag(change.after), _flag(change.before)
    if after is None or after == (before or False):
        return
    await record_flags({int(change.pk): after})
