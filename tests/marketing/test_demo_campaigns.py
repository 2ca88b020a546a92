"""The demo step of the marketing module: consent, segments, campaigns and members that
read back through the API and follow the API's own rules."""

from __future__ import annotations

from crm_graphql.demo.seed import generate
from crm_graphql.domains.leads.models import Lead
from crm_graphql.domains.marketing.models import (
    Campaign,
    CampaignMember,
    CampaignType,
    ConsentChannel,
    CustomerConsent,
    Segment,
)


async def test_seed_writes_campaigns_with_members_who_may_be_contacted(gql, db):
    report = await generate(
        80, 5, batch_size=500, progress=False,
        options={"tickets": 0, "campaigns": 6, "members_per_campaign": 30, "leads": 300},
    )  # fmt: skip
    assert report.rows["campaign"] == await Campaign.all().count() == 6
    assert report.rows["campaign_member"] == await CampaignMember.all().count() > 0
    assert await Segment.all().count() == 3
    consenting = set(
        await CustomerConsent.filter(channel=ConsentChannel.EMAIL, granted=True).values_list(
            "customer_id", flat=True
        )
    )
    email_members = await CampaignMember.filter(campaign__type=CampaignType.EMAIL).values_list(
        "customer_id", flat=True
    )
    assert set(email_members) <= consenting
    data = await gql.data(
        """{ segments { nodes { name count problems { message } } }
             campaigns(first: 10) { nodes { name status results { members sent leads } } } }"""
    )
    assert all(s["problems"] == [] and s["count"] >= 0 for s in data["segments"]["nodes"])
    assert (
        sum(c["results"]["members"] for c in data["campaigns"]["nodes"])
        == report.rows["campaign_member"]
    )
    # Leads created while a campaign ran came from it (a share of them).
    attributed = await Lead.filter(campaign_id__isnull=False).count()
    assert 0 < attributed < await Lead.all().count()
    assert sum(c["results"]["leads"] for c in data["campaigns"]["nodes"]) == attributed


async def test_a_run_without_the_options_makes_a_few_campaigns(db):
    report = await generate(50, 4, batch_size=500, progress=False, options={"tickets": 0})
    assert report.rows["campaign"] == 3
