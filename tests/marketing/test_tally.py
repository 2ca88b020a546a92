"""The members per campaign and status are kept in a tally by the member writes, in their
transaction, and the results read it: after any mix of writes it equals a live count."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from crm_graphql.api.roles import Role
from crm_graphql.domains.marketing.members import rebuild_tally
from crm_graphql.domains.marketing.models import (
    Campaign,
    CampaignMember,
    CampaignMemberTally,
    CampaignType,
    ConsentChannel,
    CustomerConsent,
    Segment,
)
from tests.factories import gid, make_customer
from tests.helpers import count_statements

FROM_SEGMENT = """mutation($c: ID!, $s: ID!) {
  addCampaignMembersFromSegment(campaignId: $c, segmentId: $s) { added userErrors { code } } }"""
ADD = """mutation($c: ID!, $ids: [ID!]!) { addCampaignMembers(campaignId: $c, customerIds: $ids) {
  added userErrors { code } } }"""
REMOVE = """mutation($id: ID!) { removeCampaignMember(id: $id) { removed userErrors { code } } }"""
RESPONSES = """mutation($c: ID!, $r: [CampaignResponseInput!]!) {
  recordCampaignResponses(campaignId: $c, responses: $r) { applied userErrors { code } } }"""
RESULTS = """query($id: ID!) { campaignResults(id: $id) {
  members sent opened clicked responded converted bounced unsubscribed } }"""
PATH = """query($id: ID!) { node(id: $id) { ... on CampaignMember { unsubscribePath } } }"""
AT = "2026-03-01T10:00:00+00:00"


async def _live() -> dict[tuple[int, str], int]:
    """The members per campaign and status, counted now."""
    counted: dict[tuple[int, str], int] = {}
    for campaign_id, status in await CampaignMember.all().values_list("campaign_id", "status"):
        key = (campaign_id, str(status.value if hasattr(status, "value") else status))
        counted[key] = counted.get(key, 0) + 1
    return counted


async def _tally() -> dict[tuple[int, str], int]:
    rows = await CampaignMemberTally.all().values_list("campaign_id", "status", "members")
    return {
        (campaign_id, str(status.value if hasattr(status, "value") else status)): members
        for campaign_id, status, members in rows
        if members
    }


async def test_the_tally_equals_a_live_count_after_a_mix_of_member_writes(gql_as, anon, db):
    client = await gql_as(Role.MARKETING)
    people = [await make_customer(last_name=f"P{i}") for i in range(12)]
    for person in people[:8]:
        await CustomerConsent.create(
            customer=person,
            channel=ConsentChannel.EMAIL,
            granted=True,
            changed_at=datetime.now(UTC),
            source="web form",
        )
    everyone = await Segment.create(name="All", customer_filter={})
    news = await Campaign.create(name="News", type=CampaignType.EMAIL, currency="EUR")
    fair = await Campaign.create(name="Fair", type=CampaignType.EVENT, currency="EUR")
    doomed = await Campaign.create(name="Doomed", type=CampaignType.EVENT, currency="EUR")

    async def call(document: str, variables: dict) -> dict:
        data = await client.data(document, variables)
        payload = next(iter(data.values()))
        assert payload["userErrors"] == [], payload
        return payload

    # Added from a segment (consent enforced), again (nothing new), and by ID.
    assert (await call(FROM_SEGMENT, {"c": gid(news), "s": gid(everyone)}))["added"] == 8
    assert (await call(FROM_SEGMENT, {"c": gid(news), "s": gid(everyone)}))["added"] == 0
    ids = [gid(p) for p in people[:5]]
    assert (await call(ADD, {"c": gid(fair), "ids": [*ids, ids[0]]}))["added"] == 5
    assert (await call(ADD, {"c": gid(fair), "ids": [gid(p) for p in people[3:7]]}))["added"] == 2
    await call(ADD, {"c": gid(doomed), "ids": ids})
    # Responses: forward moves, a repeat, a step back (ignored), several per member.
    batch = [
        {"customer": gid(people[0]), "status": "SENT", "at": AT},
        {"customer": gid(people[0]), "status": "CLICKED", "at": AT},
        {"customer": gid(people[1]), "status": "OPENED", "at": AT},
        {"customer": gid(people[2]), "status": "BOUNCED", "at": AT},
        {"customer": gid(people[3]), "status": "CONVERTED", "at": AT},
        {"customer": gid(people[4]), "status": "SENT", "at": AT},
    ]
    assert (await call(RESPONSES, {"c": gid(news), "r": batch}))["applied"] == 5
    assert (await call(RESPONSES, {"c": gid(news), "r": batch}))["applied"] == 0
    back = [{"customer": gid(people[0]), "status": "OPENED", "at": AT}]
    assert (await call(RESPONSES, {"c": gid(news), "r": back}))["applied"] == 0
    on = [{"customer": gid(people[1]), "status": "RESPONDED", "at": AT}]
    assert (await call(RESPONSES, {"c": gid(news), "r": on}))["applied"] == 1
    fair_batch = [{"customer": gid(p), "status": "SENT", "at": AT} for p in people[:6]]
    assert (await call(RESPONSES, {"c": gid(fair), "r": fair_batch}))["applied"] == 6
    # Removed members: one TARGETED, one further on; the unsubscribe link.
    for customer in (people[7], people[3]):
        member = await CampaignMember.get(campaign=news, customer=customer)
        assert (await call(REMOVE, {"id": gid(member)}))["removed"] == 1
    member = await CampaignMember.get(campaign=news, customer=people[4])
    path = (await client.data(PATH, {"id": gid(member)}))["node"]["unsubscribePath"]
    assert (await (await anon()).http.post(path)).status_code == 200
    # A campaign deleted with its members takes its tally along.
    await Campaign.filter(pk=doomed.pk).delete()

    live = await _live()
    assert await _tally() == live
    assert live[(news.pk, "UNSUBSCRIBED")] == 1 and live[(fair.pk, "SENT")] == 6
    results = (await client.data(RESULTS, {"id": gid(news)}))["campaignResults"]
    assert results == {
        "members": 6,
        "sent": 4,
        "opened": 2,
        "clicked": 2,
        "responded": 1,
        "converted": 0,
        "bounced": 1,
        "unsubscribed": 1,
    }


async def test_results_read_the_tally_not_the_members(gql_as, db):
    campaign = await Campaign.create(name="Big", type=CampaignType.EVENT, currency="EUR")
    for _ in range(3):
        await CampaignMember.create(campaign=campaign, customer=await make_customer())
    async with in_transaction():
        assert await rebuild_tally([campaign.pk]) == 1
    client = await gql_as(Role.MARKETING)
    with count_statements() as statements:
        results = (await client.data(RESULTS, {"id": gid(campaign)}))["campaignResults"]
    assert results["members"] == 3
    reads = [s for s in statements if "campaign_member" in s.lower()]
    assert reads and all("campaign_member_tally" in s.lower() for s in reads), reads
    # Members written behind the tally's back are not seen until it is rebuilt.
    await CampaignMember.create(campaign=campaign, customer=await make_customer())
    assert (await client.data(RESULTS, {"id": gid(campaign)}))["campaignResults"]["members"] == 3
    async with in_transaction():
        await rebuild_tally()
    assert await _tally() == await _live()
    assert (await client.data(RESULTS, {"id": gid(campaign)}))["campaignResults"]["members"] == 4
