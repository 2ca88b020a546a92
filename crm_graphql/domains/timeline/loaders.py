"""The customer timeline in SQL: one ``UNION ALL`` of every kind of entry, ordered by one
key (time, kind, id) newest first, paged with keyset cursors.

Each branch is an ORM query of its table with the entity's row rule applied (a SUPPORT
user gets no invoices, SALES only the tickets of customers it owns, internal ticket notes
only for support staff), reduced to four columns: the time, the kind's rank, the row's
primary key and the record it belongs to (the order of a status change, the opportunity
of a stage change, the ticket of a comment). One statement reads a page whatever its
size; the records of the page are then loaded by primary key, one statement per kind.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise import connections
from tortoise.expressions import F, Q, RawSQL, Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet

from crm_graphql.api.context import Info
from crm_graphql.api.entities import readable_q
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.roles import ALL_ROLES, FINANCIAL, SUPPORT_READERS, Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.billing.models import Invoice, Payment
from crm_graphql.domains.interactions.models import Interaction
from crm_graphql.domains.marketing.models import CampaignMember, MemberStatus
from crm_graphql.domains.orders.models import Order
from crm_graphql.domains.sales.models import Opportunity, OpportunityStageChange
from crm_graphql.domains.support.models import Ticket, TicketComment
from crm_graphql.domains.tasks.models import Task
from crm_graphql.domains.timeline.enums import KIND_OF_RANK, RANK, TimelineKind
from crm_graphql.events.sql import from_db_time, is_mysql, sql

#: The audit action of an order's status change (``Writes.act`` with the verb ``status``).
ORDER_STATUS_ACTION = "order.status"
#: Campaign statuses that are the member's own response.
RESPONSES = (
    MemberStatus.OPENED,
    MemberStatus.CLICKED,
    MemberStatus.RESPONDED,
    MemberStatus.CONVERTED,
    MemberStatus.UNSUBSCRIBED,
)
_CURSOR_PREFIX = "timeline:"


@dataclass(frozen=True)
class Branch:
    """One kind of entry: who may read it and the query of its rows for a customer."""

    kind: TimelineKind
    readers: frozenset[Role]
    model: type[Model]
    rows: Callable[[int], QuerySet[Any]]
    at: Any
    ref: Any = None


def _branches() -> dict[TimelineKind, Branch]:
    def branch(
        kind: TimelineKind,
        model: type[Model],
        rows: Callable[[int], QuerySet[Any]],
        at: Any,
        ref: Any = None,
        readers: frozenset[Role] = ALL_ROLES,
    ) -> Branch:
        return Branch(kind, readers, model, rows, at, ref)

    K = TimelineKind
    return {
        b.kind: b
        for b in (
            branch(
                K.INTERACTION,
                Interaction,
                lambda c: Interaction.filter(customer_id=c),
                F("occurred_at"),
            ),
            branch(
                K.ORDER,
                Order,
                lambda c: Order.filter(customer_id=c),
                RawSQL("COALESCE(placed_at, created_at)"),
            ),
            branch(
                K.ORDER_STATUS_CHANGE,
                AuditEvent,
                _status_changes,
                F("occurred_at"),
                F("entity_id"),
            ),
            branch(
                K.OPPORTUNITY_STAGE_CHANGE,
                OpportunityStageChange,
                lambda c: OpportunityStageChange.filter(
                    opportunity_id__in=Subquery(Opportunity.filter(customer_id=c).values("id"))
                ),
                F("changed_at"),
                F("opportunity_id"),
            ),
            branch(
                K.TICKET,
                Ticket,
                lambda c: Ticket.filter(customer_id=c),
                F("created_at"),
                readers=SUPPORT_READERS,
            ),
            branch(
                K.TICKET_COMMENT,
                TicketComment,
                lambda c: TicketComment.filter(
                    ticket_id__in=Subquery(Ticket.filter(customer_id=c).values("id"))
                ),
                F("created_at"),
                F("ticket_id"),
                readers=SUPPORT_READERS,
            ),
            branch(K.TASK, Task, lambda c: Task.filter(customer_id=c), F("created_at")),
            branch(
                K.CAMPAIGN_RESPONSE,
                CampaignMember,
                lambda c: CampaignMember.filter(
                    customer_id=c, status__in=RESPONSES, status_at__isnull=False
                ),
                F("status_at"),
                F("campaign_id"),
            ),
            branch(
                K.INVOICE,
                Invoice,
                lambda c: Invoice.filter(customer_id=c),
                RawSQL("COALESCE(issued_at, created_at)"),
                readers=FINANCIAL,
            ),
            branch(
                K.PAYMENT,
                Payment,
                lambda c: Payment.filter(customer_id=c),
                F("received_at"),
                readers=FINANCIAL,
            ),
        )
    }


def _status_changes(customer_id: int) -> QuerySet[Any]:
    # The audit log keys records by text; the customer's orders are a subquery of text ids.
    ids = RawSQL(
        f"(SELECT CAST(id AS {'CHAR' if _mysql() else 'TEXT'}) FROM crm_order "
        f"WHERE customer_id = {int(customer_id)})"
    )
    return AuditEvent.filter(entity_type="Order", action=ORDER_STATUS_ACTION).filter(
        Q(entity_id__in=ids)
    )


def _mysql() -> bool:
    return is_mysql(connections.get("default"))


BRANCHES = _branches()


@dataclass(frozen=True)
class TimelineRow:
    """One entry of a page: its time, kind, primary key and the record it belongs to."""

    at: datetime
    kind: TimelineKind
    pk: int
    ref: int | None
    #: The time as the database returned it (the cursor keeps it exactly).
    raw_at: Any


def encode_cursor(row: TimelineRow) -> str:
    raw = row.raw_at.isoformat() if isinstance(row.raw_at, datetime) else str(row.raw_at)
    payload = json.dumps([raw, RANK[row.kind], row.pk], separators=(",", ":"))
    return base64.urlsafe_b64encode((_CURSOR_PREFIX + payload).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, int, int]:
    """The (time, rank, id) a cursor points at; INVALID_CURSOR when it is none of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError("not a timeline cursor")
        raw, rank, pk = json.loads(text[len(_CURSOR_PREFIX) :])
        if not isinstance(raw, str) or rank not in KIND_OF_RANK or not isinstance(pk, int):
            raise ValueError("malformed timeline cursor")
        at = datetime.fromisoformat(raw)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as bad:
        raise CrmError(
            "`after` is not a cursor of this timeline.", ErrorCode.INVALID_CURSOR
        ) from bad
    # MySQL compares datetimes (naive UTC); SQLite the text exactly as stored.
    return (at.replace(tzinfo=None) if _mysql() else raw), rank, pk


def kinds_for(role: Role | None, wanted: Sequence[TimelineKind] | None) -> list[TimelineKind]:
    """The kinds a page shows: those asked for (all by default) that the role may read.

    Asking for a kind the role may not read is FORBIDDEN; without ``types`` those kinds
    are left out.
    """
    if wanted is not None:
        refused = [kind.value for kind in wanted if role not in BRANCHES[kind].readers]
        if refused:
            raise CrmError(
                f"Your role may not read these timeline entries: {', '.join(refused)}.",
                ErrorCode.FORBIDDEN,
                kinds=refused,
            )
        return sorted(set(wanted), key=RANK.__getitem__)
    return [kind for kind in TimelineKind if role in BRANCHES[kind].readers]


def _branch_sql(branch: Branch, customer_id: int, principal: Any) -> tuple[str, list[Any]]:
    query = (
        branch.rows(customer_id)
        .filter(readable_q(branch.model, principal))
        .annotate(
            tl_at=branch.at,
            tl_kind=RawSQL(str(RANK[branch.kind])),
            tl_ref=branch.ref if branch.ref is not None else RawSQL("NULL"),
        )
        .values("tl_at", "tl_kind", "id", "tl_ref")
    )
    query._choose_db_if_not_chosen()
    query._make_query()
    text, params = query.query.get_parameterized_sql()
    return text, list(params)


async def timeline_page(
    info: Info,
    customer_id: int,
    *,
    first: int | None,
    after: str | None,
    kinds: Sequence[TimelineKind] | None,
) -> tuple[list[TimelineRow], bool]:
    """One page of the customer's timeline, newest first, and whether more follow."""
    settings = info.context.settings
    size = settings.default_page_size if first is None else first
    if size < 0:
        raise CrmError("`first` must not be negative.", ErrorCode.BAD_USER_INPUT)
    if size > settings.max_page_size:
        raise CrmError(
            f"`first` may be at most {settings.max_page_size}, got {size}.",
            ErrorCode.PAGINATION_LIMIT,
            maximum=settings.max_page_size,
        )
    principal = info.context.principal
    role = principal.role if principal is not None else None
    shown = kinds_for(role, kinds)
    position = decode_cursor(after) if after else None
    if not shown or size == 0:
        return [], False
    parts = [_branch_sql(BRANCHES[kind], customer_id, principal) for kind in shown]
    union = " UNION ALL ".join(text for text, _ in parts)
    params = [param for _, branch_params in parts for param in branch_params]
    where = ""
    if position is not None:
        at, rank, pk = position
        where = sql(
            connections.get("default"),
            " WHERE tl.tl_at < %s OR (tl.tl_at = %s AND (tl.tl_kind < %s OR "
            "(tl.tl_kind = %s AND tl.id < %s)))",
        )
        params += [at, at, rank, rank, pk]
    limit = sql(
        connections.get("default"), " ORDER BY tl.tl_at DESC, tl.tl_kind DESC, tl.id DESC LIMIT %s"
    )
    statement = f"SELECT tl.tl_at, tl.tl_kind, tl.id, tl.tl_ref FROM ({union}) tl{where}{limit}"
    params.append(size + 1)
    _, found = await connections.get("default").execute_query(statement, params)
    rows = [
        TimelineRow(
            at=_aware(row["tl_at"]),
            kind=KIND_OF_RANK[int(row["tl_kind"])],
            pk=int(row["id"]),
            ref=None if row["tl_ref"] is None else int(row["tl_ref"]),
            raw_at=row["tl_at"],
        )
        for row in found
    ]
    return rows[:size], len(rows) > size


def _aware(value: Any) -> datetime:
    found = from_db_time(value)
    assert found is not None
    return found
