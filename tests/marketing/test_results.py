"""Campaign results and campaignsAggregate: figures checked against values computed
here, money by role, one statement for the results of a whole page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crm_graphql.api.aggregation import rollups
from crm_graphql.api.roles import Role
from crm_graphql.domains.leads.models import Lead, LeadStatus
from crm_graphql.domains.marketing.members import rebuild_tally
from crm_graphql.domains.marketing.models import (
    Campaign,
    CampaignMember,
    CampaignStatus,
    CampaignType,
    MemberStatus,
)
from crm_graphql.domains.sales.models import OpportunityStage
from tests.factories import gid, make_customer, make_opportunity
from tests.helpers import count_statements

RESULTS = """query($id: ID!) { campaignResults(id: $id) {
  members sent opened clicked responded converted bounced unsubscribed
  openRate clickRate responseRate conversionRate leads convertedLeads leadConversionRate
  opportunities wonOpportunities
  currency pipelineAmount wonAmount cost costPerLead roi } }"""
LIST = """{ campaigns { nodes { name results {
  members converted opportunities leads convertedLeads costPerLead } } } }"""

STATUSES = [
    MemberStatus.TARGETED,
    MemberStatus.TARGETED,
    MemberStatus.SENT,
    MemberStatus.SENT,
    MemberStatus.OPENED,
    MemberStatus.CLICKED,
    MemberStatus.RESPONDED,
    MemberStatus.CONVERTED,
    MemberStatus.CONVERTED,
    MemberStatus.BOUNCED,
    MemberStatus.UNSUBSCRIBED,
]


async def _world() -> Campaign:
    campaign = await Campaign.create(
        name="Launch", type=CampaignType.EMAIL, currency="EUR", actual_cost=Decimal("300.00")
    )
    for status in STATUSES:
        await CampaignMember.create(
            campaign=campaign, customer=await make_customer(), status=status
        )
    buyer = await make_customer()
    for amount, stage, currency in [
        ("100.10", OpportunityStage.PROSPECTING, "EUR"),
        ("200.20", OpportunityStage.NEGOTIATION, "EUR"),
        ("1000.00", OpportunityStage.CLOSED_WON, "EUR"),
        ("500.00", OpportunityStage.CLOSED_WON, "USD"),
        ("700.00", OpportunityStage.CLOSED_LOST, "EUR"),
    ]:
        await make_opportunity(
            buyer, amount=Decimal(amount), stage=stage, currency=currency, campaign=campaign
        )
    await make_opportunity(buyer, amount=Decimal("9999"), currency="EUR")  # no campaign
    for status in (LeadStatus.NEW, LeadStatus.QUALIFIED, LeadStatus.CONVERTED):
        await Lead.create(last_name="Lead", status=status, campaign_id=campaign.pk)
    await Lead.create(last_name="Elsewhere", status=LeadStatus.CONVERTED)  # no campaign
    await rebuild_tally()  # members written here directly, not by the member writes
    return campaign


async def test_results_count_members_by_status_reached_and_attribute_money(gql_as, db):
    campaign = await _world()
    manager = await gql_as(Role.MANAGER)
    results = (await manager.data(RESULTS, {"id": gid(campaign)}))["campaignResults"]
    sent = sum(1 for s in STATUSES if s != MemberStatus.TARGETED)
    opened = sum(
        1
        for s in STATUSES
        if s
        in (
            MemberStatus.OPENED,
            MemberStatus.CLICKED,
            MemberStatus.RESPONDED,
            MemberStatus.CONVERTED,
        )
    )
    assert results == {
        "members": 11,
        "sent": sent,
        "opened": opened,
        "clicked": 4,
        "responded": 3,
        "converted": 2,
        "bounced": 1,
        "unsubscribed": 1,
        "openRate": pytest.approx(opened / sent),
        "clickRate": pytest.approx(4 / sent),
        "responseRate": pytest.approx(3 / 11),
        "conversionRate": pytest.approx(2 / 11),
        "leads": 3,
        "convertedLeads": 1,
        "leadConversionRate": pytest.approx(1 / 3),
        "opportunities": 5,
        "wonOpportunities": 2,
        "currency": "EUR",
        "pipelineAmount": "300.30",
        "wonAmount": "1000.00",
        "cost": "300.00",
        "costPerLead": "100.00",
        "roi": pytest.approx((1000 - 300) / 300),
    }


@pytest.mark.parametrize(
    ("role", "denied"),
    [
        (Role.MARKETING, {"pipelineAmount", "wonAmount", "roi"}),
        (Role.ANALYST, {"cost", "costPerLead", "roi"}),
        (Role.SALES, {"cost", "costPerLead", "roi"}),
    ],
)
async def test_money_in_results_follows_the_money_rules(gql_as, db, role, denied):
    campaign = await _world()
    client = await gql_as(role)
    body = await client.execute(RESULTS, {"id": gid(campaign)})
    results = body["data"]["campaignResults"]
    assert {name for name, value in results.items() if value is None} == denied
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    assert results["members"] == 11


async def test_a_campaign_without_members_or_cost_has_null_rates(gql_as, db):
    campaign = await Campaign.create(name="Empty", type=CampaignType.EVENT, currency="EUR")
    results = (await (await gql_as(Role.ADMIN)).data(RESULTS, {"id": gid(campaign)}))[
        "campaignResults"
    ]
    assert results["members"] == 0 and results["openRate"] is None
    assert results["roi"] is None and results["costPerLead"] is None
    assert results["wonAmount"] == "0.00"


async def test_the_list_view_reads_every_campaigns_results_in_the_same_statements(gql_as, db):
    client = await gql_as(Role.MARKETING)
    await _world()
    with count_statements() as few:
        await client.data(LIST)
    for n in range(5):
        other = await Campaign.create(name=f"C{n}", type=CampaignType.SOCIAL, currency="EUR")
        await CampaignMember.create(campaign=other, customer=await make_customer())
        await Lead.create(last_name=f"L{n}", campaign_id=other.pk)
    await rebuild_tally()
    with count_statements() as many:
        data = await client.data(LIST)
    assert len(data["campaigns"]["nodes"]) == 6
    assert len(many) == len(few)
    by_name = {n["name"]: n["results"] for n in data["campaigns"]["nodes"]}
    assert by_name["Launch"] == {
        "members": 11,
        "converted": 2,
        "opportunities": 5,
        "leads": 3,
        "convertedLeads": 1,
        "costPerLead": "100.00",
    }
    assert by_name["C0"] == {
        "members": 1,
        "converted": 0,
        "opportunities": 0,
        "leads": 1,
        "convertedLeads": 0,
        "costPerLead": None,
    }


async def test_campaigns_aggregate_groups_by_type_status_and_month(gql_as, db):
    for name, kind, status, starts, budget in [
        ("a", CampaignType.EMAIL, CampaignStatus.ACTIVE, date(2026, 3, 2), "100.00"),
        ("b", CampaignType.EMAIL, CampaignStatus.ACTIVE, date(2026, 3, 20), "50.50"),
        ("c", CampaignType.EVENT, CampaignStatus.PLANNED, date(2026, 4, 1), "10.00"),
    ]:
        campaign = await Campaign.create(
            name=name,
            type=kind,
            status=status,
            starts_on=starts,
            currency="EUR",
            budget=Decimal(budget),
        )
        # Written outside the API: counted in the rollups only when recorded there.
        await rollups.record(Campaign, None, campaign)
    manager = await gql_as(Role.MANAGER)
    data = await manager.data(
        """{ campaignsAggregate(filter: {currency: {eq: "EUR"}},
          groupBy: [{field: TYPE}, {field: STATUS},
              {field: STARTS_ON, granularity: MONTH}]) {
          groups { key { type status startsOn } count sum { budget } } } }"""
    )
    groups = [
        (g["key"]["type"], g["key"]["status"], g["key"]["startsOn"], g["count"], g["sum"]["budget"])
        for g in data["campaignsAggregate"]["groups"]
    ]
    assert sorted(groups) == [
        ("EMAIL", "ACTIVE", "2026-03-01", 2, "150.50"),
        ("EVENT", "PLANNED", "2026-04-01", 1, "10.00"),
    ]
    analyst = await gql_as(Role.ANALYST)
    body = await analyst.execute(
        '{ campaignsAggregate(filter: {currency: {eq: "EUR"}}) '
        "{ groups { count sum { budget } } } }"
    )
    assert body["data"]["campaignsAggregate"]["groups"][0]["count"] == 3
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
