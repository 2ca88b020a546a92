"""Who may read which tickets and comments: the row-level read rules of the domain.

- ADMIN, MANAGER and SUPPORT read every ticket and every comment.
- SALES reads the tickets of the customers it owns, and only their public replies.
- MARKETING and ANALYST read no ticket (the lists are guarded: a FORBIDDEN error);
  they see counts through ``ticketsAggregate`` and the support dashboards.
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import Q, Subquery

from crm_graphql.api.loaders import load_by_id
from crm_graphql.api.roles import SUPPORT_STAFF, Role
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.support.models import Ticket

#: No row has primary key 0: an always-false condition.
NOTHING = Q(pk__in=[0])


def _own_customers(user_id: int) -> Subquery:
    return Subquery(Customer.filter(owner_id=user_id).values("id"))


def tickets_readable_by(principal: Any) -> Q | None:
    """The tickets ``principal`` may read (None: all)."""
    if principal is not None and principal.role in SUPPORT_STAFF:
        return None
    if principal is not None and principal.role == Role.SALES and principal.user_id is not None:
        return Q(customer_id__in=_own_customers(principal.user_id))
    return NOTHING


def comments_readable_by(principal: Any) -> Q | None:
    """The comments ``principal`` may read (None: all): SALES only public replies on the
    tickets of its own customers."""
    if principal is not None and principal.role in SUPPORT_STAFF:
        return None
    if principal is not None and principal.role == Role.SALES and principal.user_id is not None:
        tickets = Ticket.filter(customer_id__in=_own_customers(principal.user_id))
        return Q(public=True, ticket_id__in=Subquery(tickets.values("id")))
    return NOTHING


async def readable_ticket(info: Any, pk: int | None) -> Ticket | None:
    """The ticket ``pk`` when the caller may read it (the rule of
    :func:`tickets_readable_by`, through the request's batched loaders): for a reference
    to a ticket from another record (a task about it)."""
    if pk is None:
        return None
    principal = info.context.principal
    if principal is None or (principal.role not in SUPPORT_STAFF and principal.role != Role.SALES):
        return None
    ticket = await load_by_id(info, Ticket, pk)
    if ticket is None or principal.role in SUPPORT_STAFF:
        return ticket
    customer = await load_by_id(info, Customer, ticket.customer_id)
    owned = customer is not None and customer.owner_id == principal.user_id
    return ticket if owned and principal.user_id is not None else None
