"""Demo data of the marketing domain: consent per channel, a few saved segments,
campaigns with their members and responses, and opportunities attributed to them.

``seed`` runs :func:`seed_campaigns` after the core records. The number of campaigns
is the seed option ``campaigns`` (``crm-graphql seed --campaigns N``; by default one per
:data:`CUSTOMERS_PER_CAMPAIGN` customers, at least 3) with about
``members_per_campaign`` members each (default :data:`MEMBERS_PER_CAMPAIGN`, at most the
customers there are). EMAIL campaigns take only customers with e-mail consent, as the
API does. Rows are written in bulk.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from crm_graphql.api.roles import Role
from crm_graphql.domains.marketing.members import rebuild_tally
from crm_graphql.domains.marketing.models import (
    Campaign,
    CampaignMember,
    CampaignStatus,
    CampaignType,
    ConsentChannel,
    CustomerConsent,
    MemberStatus,
    Segment,
)

CUSTOMERS_PER_CAMPAIGN = 200
MEMBERS_PER_CAMPAIGN = 300
#: Campaigns go back this far from the demo's "now".
HISTORY_DAYS = 2 * 365
#: Share of customers with an answer per channel, and of those who granted.
CONSENT = {
    ConsentChannel.EMAIL: (0.8, 0.75),
    ConsentChannel.SMS: (0.3, 0.5),
    ConsentChannel.PHONE: (0.3, 0.6),
    ConsentChannel.POST: (0.2, 0.8),
}
TYPES = (
    (CampaignType.EMAIL, 50),
    (CampaignType.WEBINAR, 12),
    (CampaignType.EVENT, 10),
    (CampaignType.ADVERTISING, 10),
    (CampaignType.SOCIAL, 10),
    (CampaignType.DIRECT_MAIL, 8),
)
THEMES = (
    "Spring launch", "Summer sale", "Product webinar", "Customer conference", "Renewal drive",
    "Win-back", "Newsletter", "Partner event", "Holiday offer", "New feature tour",
)  # fmt: skip
#: How far members of a sent campaign go: (status, weight).
FUNNEL = (
    (MemberStatus.SENT, 40),
    (MemberStatus.OPENED, 25),
    (MemberStatus.CLICKED, 12),
    (MemberStatus.RESPONDED, 6),
    (MemberStatus.CONVERTED, 3),
    (MemberStatus.BOUNCED, 3),
    (MemberStatus.UNSUBSCRIBED, 1),
)
SEGMENTS = (
    ("Leads", "People not yet qualified.", {"lifecycleStage": {"eq": "LEAD"}}),
    ("Prospects and customers", "Everyone in an active relationship.",
     {"lifecycleStage": {"in": ["PROSPECT", "CUSTOMER"]}}),
    ("Churned", "Former customers to win back.", {"lifecycleStage": {"eq": "CHURNED"}}),
)  # fmt: skip


class Run(Protocol):
    """What the seed's demo run gives a step (see ``crm_graphql.demo.steps.DemoRun``)."""

    seed: int
    customer_ids: list[int]
    staff: dict[Role, list[int]]
    batch_size: int
    now: datetime
    options: Mapping[str, float]

    def rng(self, name: str) -> random.Random: ...


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


class _Rows:
    """Rows of one table to insert, as tuples in column order."""

    def __init__(self, table: str, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0

    async def flush(self, connection: Any, mysql: bool, batch: int) -> None:
        quote, mark = ("`", "%s") if mysql else ('"', "?")
        names = ", ".join(f"{quote}{column}{quote}" for column in self.columns)
        marks = ", ".join([mark] * len(self.columns))
        sql = f"INSERT INTO {quote}{self.table}{quote} ({names}) VALUES ({marks})"
        for start in range(0, len(self.rows), batch):
            await connection.execute_many(sql, self.rows[start : start + batch])
        self.written += len(self.rows)
        self.rows = []


async def sync_marketing_flags(connection: Any, customer_ids: list[int], mysql: bool) -> None:
    """Set ``Customer.marketing_consent`` of ``customer_ids`` from their EMAIL consent
    (one ``UPDATE`` per batch of customers)."""
    quote, mark = ("`", "%s") if mysql else ('"', "?")
    granted = (
        "EXISTS (SELECT 1 FROM customer_consent k WHERE k.customer_id = customer.id "
        f"AND k.channel = {mark} AND k.granted = {mark})"
    )
    for start in range(0, len(customer_ids), 1000):
        batch = customer_ids[start : start + 1000]
        await connection.execute_query(
            f"UPDATE {quote}customer{quote} SET marketing_consent = "
            f"CASE WHEN {granted} THEN 1 ELSE 0 END "
            f"WHERE id IN ({', '.join(mark for _ in batch)})",
            [ConsentChannel.EMAIL.value, True, *batch],
        )


async def seed_campaigns(run: Run) -> dict[str, int]:
    """Write the demo consent, segments, campaigns and members; returns rows per table."""
    customers = run.customer_ids
    if not customers:
        return {}
    default_count = max(3, len(customers) // CUSTOMERS_PER_CAMPAIGN)
    count = int(run.options.get("campaigns", default_count))
    size = int(run.options.get("members_per_campaign", MEMBERS_PER_CAMPAIGN))
    rng = run.rng("marketing")
    connection = get_connection("default")
    mysql = connection.capabilities.dialect == "mysql"

    def stamp(moment: datetime) -> Any:
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if mysql else str(moment)

    now = run.now.replace(microsecond=0)
    planners = run.staff.get(Role.MARKETING, []) + run.staff.get(Role.MANAGER, [])[:1]

    consents = _Rows(
        CustomerConsent._meta.db_table,
        ("customer_id", "channel", "granted", "changed_at", "source", "version", "created_at",
         "updated_at"),
    )  # fmt: skip
    emailable: list[int] = []
    for pk in customers:
        for channel, (asked, granted_share) in CONSENT.items():
            if rng.random() >= asked:
                continue
            granted = rng.random() < granted_share
            if granted and channel == ConsentChannel.EMAIL:
                emailable.append(pk)
            at = stamp(now - timedelta(days=rng.randint(1, HISTORY_DAYS)))
            source = rng.choice(("web form", "import", "event sign-up", "phone call"))
            consents.rows.append((pk, channel.value, int(granted), at, source, 1, at, at))

    async with in_transaction("default") as transaction:
        await consents.flush(transaction, mysql, run.batch_size)
        # The customers' marketing_consent flags were drawn on their own: make them say
        # what the EMAIL consent says, as the API keeps them.
        await sync_marketing_flags(transaction, customers, mysql)
        for name, description, customer_filter in SEGMENTS:
            await Segment.create(
                name=name,
                description=description,
                customer_filter=customer_filter,
                owner_id=planners[0] if planners else None,
                using_db=transaction,
            )

    members = _Rows(
        CampaignMember._meta.db_table,
        ("campaign_id", "customer_id", "status", "status_at", "version", "created_at",
         "updated_at"),
    )  # fmt: skip
    for index in range(count):
        kind = _pick(rng, TYPES)
        starts = now - timedelta(days=rng.randint(0, HISTORY_DAYS))
        ends = starts + timedelta(days=rng.choice((7, 14, 30, 60)))
        if starts > now - timedelta(days=7):
            status = rng.choice((CampaignStatus.PLANNED, CampaignStatus.ACTIVE))
        elif ends > now:
            status = CampaignStatus.ACTIVE
        else:
            status = CampaignStatus.ABORTED if rng.random() < 0.05 else CampaignStatus.COMPLETED
        budget = Decimal(rng.randrange(500, 50_000, 50))
        cost = (
            None
            if status == CampaignStatus.PLANNED
            else (budget * Decimal(rng.uniform(0.6, 1.1))).quantize(Decimal("0.01"))
        )
        async with in_transaction("default") as transaction:
            campaign = await Campaign.create(
                name=f"{rng.choice(THEMES)} {starts.year}-{index + 1:03d}",
                type=kind,
                status=status,
                starts_on=starts.date(),
                ends_on=ends.date(),
                budget=budget,
                actual_cost=cost,
                currency="USD",
                expected_response=rng.choice((2, 5, 10, 15)),
                description="Demo campaign.",
                owner_id=rng.choice(planners) if planners else None,
                using_db=transaction,
            )
            pool = emailable if kind == CampaignType.EMAIL else customers
            chosen = rng.sample(pool, min(size, len(pool)))
            converted: list[int] = []
            for pk in chosen:
                member_status = MemberStatus.TARGETED
                at = None
                if status != CampaignStatus.PLANNED:
                    member_status = _pick(rng, FUNNEL)
                    at = starts + timedelta(hours=rng.randint(1, 24 * 14))
                if member_status == MemberStatus.CONVERTED:
                    converted.append(pk)
                created = stamp(starts - timedelta(days=1))
                members.rows.append(
                    (campaign.pk, pk, member_status.value, stamp(at) if at else None, 1,
                     created, created)
                )  # fmt: skip
            await members.flush(transaction, mysql, run.batch_size)
            # Written in bulk here, not by the member writes: count them into the tally.
            await rebuild_tally([campaign.pk])
            if converted:
                # The converted members' deals opened since the start came from it.
                quote, mark = ("`", "%s") if mysql else ('"', "?")
                marks = ", ".join(mark for _ in converted)
                await transaction.execute_query(
                    f"UPDATE {quote}opportunity{quote} SET campaign_id = {mark} "
                    f"WHERE campaign_id IS NULL AND customer_id IN ({marks}) "
                    f"AND created_at >= {mark}",
                    [campaign.pk, *converted, stamp(starts)],
                )
    return {
        CustomerConsent._meta.db_table: consents.written,
        Segment._meta.db_table: len(SEGMENTS),
        Campaign._meta.db_table: count,
        CampaignMember._meta.db_table: members.written,
    }


#: One lead in this many created while a campaign ran came from it.
LEADS_PER_CAMPAIGN_SHARE = 3
#: Leads keep coming from a campaign this long after its end.
LEAD_TAIL_DAYS = 14


async def attribute_leads(run: Run) -> dict[str, int]:
    """Attribute the demo leads to the campaigns they came from: a share of the leads
    created while each campaign ran (or shortly after), one ``UPDATE`` per campaign; and
    the opportunities their conversions created. Runs after the leads are written."""
    connection = get_connection("default")
    mysql = connection.capabilities.dialect == "mysql"
    quote, mark = ("`", "%s") if mysql else ('"', "?")
    modulo = "%%" if mysql else "%"  # the driver's parameter marks use "%" on MySQL
    campaigns = await Campaign.filter(starts_on__isnull=False).order_by("starts_on", "id")
    async with in_transaction("default") as transaction:
        for campaign in campaigns:
            assert campaign.starts_on is not None
            ends = campaign.ends_on or campaign.starts_on
            begin = datetime.combine(campaign.starts_on, datetime.min.time())
            end = datetime.combine(ends, datetime.min.time()) + timedelta(days=LEAD_TAIL_DAYS)
            # Naive UTC text compares with the stored times on both databases.
            stamps = [begin.strftime("%Y-%m-%d %H:%M:%S"), end.strftime("%Y-%m-%d %H:%M:%S")]
            share = campaign.pk % LEADS_PER_CAMPAIGN_SHARE
            await transaction.execute_query(
                f"UPDATE {quote}lead{quote} SET campaign_id = {mark} "
                f"WHERE campaign_id IS NULL AND created_at >= {mark} AND created_at < {mark} "
                f"AND id {modulo} {LEADS_PER_CAMPAIGN_SHARE} = {share}",
                [campaign.pk, *stamps],
            )
    # Rows changed, none added: nothing to report per table.
    return {}
