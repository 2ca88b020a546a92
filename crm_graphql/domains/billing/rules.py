"""Who may read which invoices and payments: the row-level read rules of the domain.

- ADMIN, MANAGER and ANALYST read every invoice and payment.
- SALES reads those of the customers it owns.
- SUPPORT and MARKETING read none (the lists are guarded: a FORBIDDEN error); they see
  no amounts anywhere (every amount is a FINANCIAL field).
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q, Subquery

from crm_graphql.api.roles import Role
from crm_graphql.domains.billing.models import Invoice, Payment
from crm_graphql.domains.customers.models import Customer

#: No row has primary key 0: an always-false condition.
NOTHING = Q(pk__in=[0])
#: Roles that read every invoice and payment.
ALL_ROWS = frozenset({Role.ADMIN, Role.MANAGER, Role.ANALYST})


def customer_rows_readable_by(principal: Any) -> Q | None:
    """The invoices (or payments) ``principal`` may read (None: all)."""
    if principal is not None and principal.role in ALL_ROWS:
        return None
    if principal is not None and principal.role == Role.SALES and principal.user_id is not None:
        return Q(customer_id__in=Subquery(Customer.filter(owner_id=principal.user_id).values("id")))
    return NOTHING


def lines_readable_by(principal: Any) -> Q | None:
    """Invoice lines: those of the invoices ``principal`` may read."""
    condition = customer_rows_readable_by(principal)
    if condition is None or condition is NOTHING:
        return condition
    return Q(invoice_id__in=Subquery(Invoice.filter(condition).values("id")))


def allocations_readable_by(principal: Any) -> Q | None:
    """Payment allocations: those of the payments ``principal`` may read."""
    condition = customer_rows_readable_by(principal)
    if condition is None or condition is NOTHING:
        return condition
    return Q(payment_id__in=Subquery(Payment.filter(condition).values("id")))
