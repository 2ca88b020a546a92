"""Campaign members in bulk: added by one ``INSERT ... SELECT`` (never a loop over
customers), responses applied by one ``UPDATE`` per status, consent withdrawn in bulk.

Every function runs in the caller's transaction (a mutation's) and takes a constant
number of statements, whatever the number of rows.

The members per campaign and status are also kept in ``campaign_member_tally``, which
the results read instead of every member: each write here adds what it changed to it
(one upsert), in the same transaction, so the tally is exact. A member written by any
other way (a bulk load) needs :func:`rebuild_tally` (``crm-graphql
rebuild-campaign-tally``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.models import Model

from crm_graphql.api.audit import AuditMeta
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.marketing.models import (
    Campaign,
    CampaignMember,
    CampaignMemberTally,
    CampaignType,
    ConsentChannel,
    CustomerConsent,
    MemberStatus,
)

#: How far each status is along the way; a response only ever moves a member forward,
#: so a batch reported twice changes nothing the second time.
STATUS_RANK = {
    MemberStatus.TARGETED: 0,
    MemberStatus.SENT: 1,
    MemberStatus.BOUNCED: 2,
    MemberStatus.OPENED: 3,
    MemberStatus.CLICKED: 4,
    MemberStatus.RESPONDED: 5,
    MemberStatus.CONVERTED: 6,
    MemberStatus.UNSUBSCRIBED: 7,
}


def _is_mysql(model: type[Model]) -> bool:
    return model._meta.db.capabilities.dialect == "mysql"


#: Changes of the tally: (campaign, status) -> members more (or fewer).
TallyChanges = dict[tuple[int, MemberStatus], int]


async def add_to_tally(changes: TallyChanges) -> None:
    """Add ``changes`` to the tally in one upsert (in the caller's transaction: the
    rows it touches stay locked until the member writes commit)."""
    rows = sorted((key, count) for key, count in changes.items() if count)
    if not rows:
        return
    db = CampaignMemberTally._meta.db
    mysql = _is_mysql(CampaignMemberTally)
    mark = "%s" if mysql else "?"
    values = ", ".join(f"({mark}, {mark}, {mark})" for _ in rows)
    params: list[Any] = []
    for (campaign_id, status), count in rows:
        params += [campaign_id, status.value, count]
    table = CampaignMemberTally._meta.db_table
    if mysql:
        upsert = "ON DUPLICATE KEY UPDATE members = members + VALUES(members)"
    else:
        upsert = (
            "ON CONFLICT (campaign_id, status) DO UPDATE SET members = members + excluded.members"
        )
    await db.execute_query(
        f"INSERT INTO {table} (campaign_id, status, members) VALUES {values} {upsert}", params
    )


async def rebuild_tally(campaign_ids: Sequence[int] | None = None) -> int:
    """Count the members of ``campaign_ids`` (every campaign when None) again and
    replace their tally (for members written outside this module, e.g. a bulk load).
    Two statements; run it inside a transaction. Returns the tally rows written."""
    db = CampaignMemberTally._meta.db
    mark = "%s" if _is_mysql(CampaignMemberTally) else "?"
    table = CampaignMemberTally._meta.db_table
    where, params = "", list(campaign_ids or [])
    if campaign_ids is not None:
        if not campaign_ids:
            return 0
        where = f" WHERE campaign_id IN ({', '.join(mark for _ in campaign_ids)})"
    await db.execute_query(f"DELETE FROM {table}{where}", params)
    written, _ = await db.execute_query(
        f"INSERT INTO {table} (campaign_id, status, members) "
        f"SELECT campaign_id, status, COUNT(*) FROM campaign_member{where} "
        "GROUP BY campaign_id, status",
        params,
    )
    return int(written)


def email_consent_q() -> Q:
    """Customers who may be e-mailed: an address, and e-mail consent granted."""
    consenting = CustomerConsent.filter(channel=ConsentChannel.EMAIL, granted=True).values(
        "customer_id"
    )
    return Q(email__isnull=False) & Q(id__in=Subquery(consenting))


async def add_members(campaign: Campaign, customers: Q, now: datetime | None = None) -> int:
    """Add the customers matching ``customers`` to ``campaign`` in one ``INSERT ...
    SELECT``: those already in it are skipped, and an EMAIL campaign takes only
    customers with e-mail consent (enforced in the same statement). Returns how many
    were added."""
    now = now or datetime.now(UTC)
    already = CampaignMember.filter(campaign_id=campaign.pk).values("customer_id")
    where = customers & ~Q(id__in=Subquery(already))
    if campaign.type == CampaignType.EMAIL:
        where &= email_consent_q()
    select = Customer.filter(where).values_list("id", flat=True)
    select._choose_db_if_not_chosen()
    select._make_query()
    sub_sql, sub_params = select.query.get_parameterized_sql()
    db = CampaignMember._meta.db
    mysql = _is_mysql(CampaignMember)
    mark = "%s" if mysql else "?"
    column = "`0`" if mysql else '"0"'
    stamp = CampaignMember._meta.fields_map["created_at"].to_db_value(now, CampaignMember)
    sql = (
        f"INSERT {'IGNORE' if mysql else 'OR IGNORE'} INTO campaign_member "
        "(campaign_id, customer_id, status, created_at, updated_at, version) "
        f"SELECT {mark}, picked.{column}, {mark}, {mark}, {mark}, 1 FROM ({sub_sql}) picked"
    )
    params = [campaign.pk, MemberStatus.TARGETED.value, stamp, stamp, *sub_params]
    added, _ = await db.execute_query(sql, params)
    # The rows really inserted (those skipped as members already are not counted).
    await add_to_tally({(campaign.pk, MemberStatus.TARGETED): int(added)})
    return int(added)


async def remove_member(member_id: int) -> CampaignMember | None:
    """Delete one member (locked first, so that its status cannot move meanwhile) and
    take it off the tally; None when it is gone already."""
    member = (
        await CampaignMember.filter(pk=member_id)
        .select_for_update()
        .only("id", "campaign_id", "customer_id", "status")
        .first()
    )
    if member is None:
        return None
    await CampaignMember.filter(pk=member_id).delete()
    await add_to_tally({(member.campaign_id, member.status): -1})
    return member


@dataclass(frozen=True)
class Response:
    """One reported response, resolved to its member."""

    member_id: int
    customer_id: int
    status: MemberStatus
    at: datetime


async def apply_responses(responses: Sequence[Response]) -> tuple[int, list[int]]:
    """Move members forward to the reported statuses: for each member the furthest
    status of the batch, written only where it is further than the stored one (the
    members read and locked in one statement, one ``UPDATE`` per status, one upsert of
    the tally). Returns how many members changed and the customers who became
    UNSUBSCRIBED."""
    furthest: dict[int, Response] = {}
    for response in responses:
        known = furthest.get(response.member_id)
        if known is None or STATUS_RANK[response.status] > STATUS_RANK[known.status]:
            furthest[response.member_id] = response
    if not furthest:
        return 0, []
    db = CampaignMember._meta.db
    mysql = _is_mysql(CampaignMember)
    mark = "%s" if mysql else "?"
    ids = sorted(furthest)
    stored = await db.execute_query_dict(
        f"SELECT id, campaign_id, status FROM campaign_member "
        f"WHERE id IN ({', '.join(mark for _ in ids)}){' FOR UPDATE' if mysql else ''}",
        ids,
    )
    tally: TallyChanges = {}
    by_status: dict[MemberStatus, list[Response]] = {}
    for row in stored:
        response = furthest[int(row["id"])]
        before = MemberStatus(row["status"])
        if STATUS_RANK[response.status] <= STATUS_RANK[before]:
            continue
        by_status.setdefault(response.status, []).append(response)
        campaign_id = int(row["campaign_id"])
        tally[(campaign_id, before)] = tally.get((campaign_id, before), 0) - 1
        tally[(campaign_id, response.status)] = tally.get((campaign_id, response.status), 0) + 1
    changed = 0
    unsubscribed: list[int] = [
        r.customer_id for r in furthest.values() if r.status == MemberStatus.UNSUBSCRIBED
    ]
    field = CampaignMember._meta.fields_map["status_at"]
    now = field.to_db_value(datetime.now(UTC), CampaignMember)
    for status, group in by_status.items():
        lower = [s.value for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[status]]
        moving = [r.member_id for r in group]
        cases = " ".join(f"WHEN {mark} THEN {mark}" for _ in group)
        params: list[Any] = []
        for r in group:
            params += [r.member_id, field.to_db_value(r.at, CampaignMember)]
        sql = (
            f"UPDATE campaign_member SET status = {mark}, status_at = CASE id {cases} END, "
            f"updated_at = {mark}, version = version + 1 "
            f"WHERE id IN ({', '.join(mark for _ in moving)}) "
            f"AND status IN ({', '.join(mark for _ in lower)})"
        )
        count, _ = await db.execute_query(sql, [status.value, *params, now, *moving, *lower])
        changed += int(count)
    await add_to_tally(tally)
    return changed, unsubscribed


async def set_consent(
    customer_ids: Iterable[int],
    channel: ConsentChannel,
    granted: bool,
    source: str,
    meta: AuditMeta | None,
    at: datetime | None = None,
    *,
    sync_flag: bool = True,
) -> int:
    """Grant or withdraw consent on ``channel`` for customers (upsert: one update, one
    insert, one audit insert for all). Customers whose consent already says so keep
    their row untouched. EMAIL consent also sets ``Customer.marketing_consent`` (one
    update; ``sync_flag`` False when the caller wrote it). Returns how many customers
    changed. ``meta`` None: the caller audits the change itself."""
    at = at or datetime.now(UTC)
    wanted = sorted(set(customer_ids))
    if not wanted:
        return 0
    rows = await CustomerConsent.filter(customer_id__in=wanted, channel=channel).values_list(
        "customer_id", "granted"
    )
    current = dict(rows)
    to_update = [pk for pk in wanted if pk in current and bool(current[pk]) != granted]
    to_insert = [pk for pk in wanted if pk not in current]
    if to_update:
        await CustomerConsent.filter(customer_id__in=to_update, channel=channel).update(
            granted=granted, changed_at=at, source=source, updated_at=at
        )
    if to_insert:
        await CustomerConsent.bulk_create(
            [
                CustomerConsent(
                    customer_id=pk, channel=channel, granted=granted, changed_at=at, source=source
                )
                for pk in to_insert
            ]
        )
    changed = [*to_update, *to_insert]
    if channel == ConsentChannel.EMAIL and sync_flag:
        # Customer.marketing_consent is the EMAIL consent: written together with it.
        await (
            Customer.filter(id__in=wanted)
            .exclude(marketing_consent=granted)
            .update(marketing_consent=granted, updated_at=at)
        )
    if changed and meta is not None:
        action = "customer.consent_granted" if granted else "customer.consent_withdrawn"
        await AuditEvent.bulk_create(
            [
                AuditEvent(
                    occurred_at=at,
                    action=action,
                    actor_user_id=meta.actor_user_id,
                    actor_api_key_id=meta.actor_api_key_id,
                    actor_label=meta.actor_label[:200] if meta.actor_label else None,
                    entity_type="Customer",
                    entity_id=str(pk),
                    changes={"channel": channel.value, "granted": granted, "source": source},
                    client_address=meta.client_address[:45] if meta.client_address else None,
                    request_id=meta.request_id,
                )
                for pk in changed
            ]
        )
    return len(changed)
