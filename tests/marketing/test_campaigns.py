"""Campaigns: the status machine, money fields for the roles that plan campaigns, members
added in one statement (consent enforced in it), responses in bulk, idempotent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.customers.models import LifecycleStage
from crm_graphql.domains.marketing.models import (
    Campaign,
    CampaignMember,
    CampaignType,
    ConsentChannel,
    CustomerConsent,
    MemberStatus,
    Segment,
)
from tests.factories import gid, make_customer, make_opportunity
from tests.helpers import count_statements

CREATE = """mutation($input: CreateCampaignInput!) { createCampaign(input: $input) {
  campaign { id name type status budget actualCost currency version }
  userErrors { field code } } }"""
STATUS = """mutation($id: ID!, $status: CampaignStatus!, $version: Int!) {
  changeCampaignStatus(id: $id, status: $status, version: $version) {
    campaign { status version } userErrors { field code } } }"""
FROM_SEGMENT = """mutation($c: ID!, $s: ID!) {
  addCampaignMembersFromSegment(campaignId: $c, segmentId: $s) {
    added campaign { members(first: 1) { totalCount } } userErrors { field code } } }"""
ADD = """mutation($c: ID!, $ids: [ID!]!) { addCampaignMembers(campaignId: $c, customerIds: $ids) {
  added userErrors { field code } } }"""
REMOVE = """mutation($id: ID!) { removeCampaignMember(id: $id) {
  removed campaign { members { totalCount } } userErrors { field code } } }"""
RESPONSES = """mutation($c: ID!, $r: [CampaignResponseInput!]!) {
  recordCampaignResponses(campaignId: $c, responses: $r) {
    applied userErrors { field code } } }"""
MEMBERS = """query($id: ID!) { campaign(id: $id) { members(first: 100) {
  totalCount nodes { id status statusAt customer { lastName } } } } }"""


async def _campaign(**fields) -> Campaign:
    fields.setdefault("name", "Spring")
    fields.setdefault("type", CampaignType.EVENT)
    fields.setdefault("currency", "EUR")
    return await Campaign.create(**fields)


async def _consent(customer, granted: bool = True) -> None:
    await CustomerConsent.create(
        customer=customer,
        channel=ConsentChannel.EMAIL,
        granted=granted,
        changed_at=datetime.now(UTC),
        source="web form",
    )


async def test_campaign_is_created_planned_and_money_is_for_planners(gql_as, db):
    marketer = await gql_as(Role.MARKETING)
    created = (
        await marketer.data(
            CREATE,
            {
                "input": {
                    "name": "Spring webinar",
                    "type": "WEBINAR",
                    "currency": "eur",
                    "budget": "1200.50",
                    "actualCost": "300",
                }
            },
        )
    )["createCampaign"]
    assert created["userErrors"] == []
    campaign = created["campaign"]
    assert campaign["status"] == "PLANNED" and campaign["currency"] == "EUR"
    assert campaign["budget"] == "1200.50" and campaign["actualCost"] == "300.00"
    seller = await gql_as(Role.SALES)
    body = await seller.execute(
        "query($id: ID!) { campaign(id: $id) { name budget } }", {"id": campaign["id"]}
    )
    assert body["data"]["campaign"] == {"name": "Spring webinar", "budget": None}
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # Sales reads campaigns but does not plan them.
    refused = (
        await seller.data(CREATE, {"input": {"name": "X", "type": "EMAIL", "currency": "EUR"}})
    )["createCampaign"]
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"


async def test_bad_campaign_input_is_refused_field_by_field(gql_as, db):
    marketer = await gql_as(Role.MARKETING)
    payload = (
        await marketer.data(
            CREATE,
            {
                "input": {
                    "name": " ",
                    "type": "EMAIL",
                    "currency": "XXY",
                    "budget": "-1",
                    "startsOn": "2026-05-02",
                    "endsOn": "2026-05-01",
                    "expectedResponse": 120,
                }
            },
        )
    )["createCampaign"]
    assert payload["campaign"] is None
    assert {tuple(e["field"]) for e in payload["userErrors"]} == {
        ("input", "name"),
        ("input", "currency"),
        ("input", "budget"),
        ("input", "endsOn"),
        ("input", "expectedResponse"),
    }
    assert await Campaign.all().count() == 0


async def test_status_machine_and_ending_twice_is_an_invalid_transition(gql_as, db):
    client = await gql_as(Role.MARKETING)
    campaign = await _campaign()
    cid = gid(campaign)
    moved = await client.data(STATUS, {"id": cid, "status": "ACTIVE", "version": 1})
    assert moved["changeCampaignStatus"]["campaign"] == {"status": "ACTIVE", "version": 2}
    done = await client.data(STATUS, {"id": cid, "status": "COMPLETED", "version": 2})
    assert done["changeCampaignStatus"]["campaign"]["status"] == "COMPLETED"
    again = await client.data(STATUS, {"id": cid, "status": "COMPLETED", "version": 3})
    assert again["changeCampaignStatus"]["userErrors"] == [
        {"field": ["status"], "code": "INVALID_TRANSITION"}
    ]
    aborted = await client.data(STATUS, {"id": cid, "status": "ABORTED", "version": 3})
    assert aborted["changeCampaignStatus"]["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert (await Campaign.get(pk=campaign.pk)).version == 3


async def test_email_campaign_takes_only_consenting_customers_from_a_segment(gql_as, db):
    client = await gql_as(Role.MARKETING)
    leads = [await make_customer(lifecycle_stage=LifecycleStage.LEAD) for _ in range(4)]
    await make_customer(lifecycle_stage=LifecycleStage.CUSTOMER)
    await _consent(leads[0])
    await _consent(leads[1])
    await _consent(leads[2], granted=False)
    no_address = await make_customer(lifecycle_stage=LifecycleStage.LEAD, email=None)
    await _consent(no_address)
    segment = await Segment.create(name="Leads", customer_filter={"lifecycleStage": {"eq": "LEAD"}})
    email = await _campaign(type=CampaignType.EMAIL)
    event = await _campaign(type=CampaignType.EVENT)

    with count_statements() as statements:
        added = await client.data(FROM_SEGMENT, {"c": gid(email), "s": gid(segment)})
    payload = added["addCampaignMembersFromSegment"]
    assert payload["userErrors"] == [] and payload["added"] == 2
    members_only = [s for s in statements if "CAMPAIGN_MEMBER_TALLY" not in s.upper()]
    inserts = [
        s
        for s in members_only
        if s.upper().startswith("INSERT INTO CAMPAIGN_MEMBER")
        or s.upper().startswith("INSERT IGNORE INTO CAMPAIGN_MEMBER")
        or s.upper().startswith("INSERT OR IGNORE INTO CAMPAIGN_MEMBER")
    ]
    assert len(inserts) == 1 and "SELECT" in inserts[0].upper()
    members = set(await CampaignMember.filter(campaign=email).values_list("customer_id", flat=True))
    assert members == {leads[0].pk, leads[1].pk}

    # Again: nothing new, no error; an event campaign takes every lead.
    again = await client.data(FROM_SEGMENT, {"c": gid(email), "s": gid(segment)})
    assert again["addCampaignMembersFromSegment"]["added"] == 0
    assert again["addCampaignMembersFromSegment"]["campaign"]["members"]["totalCount"] == 2
    everyone = await client.data(FROM_SEGMENT, {"c": gid(event), "s": gid(segment)})
    assert everyone["addCampaignMembersFromSegment"]["added"] == 5


async def test_adding_members_statements_do_not_grow_with_the_segment(gql_as, db):
    client = await gql_as(Role.MARKETING)
    segment = await Segment.create(name="All", customer_filter={})
    counts = []
    for size in (3, 30):
        for _ in range(size):
            await make_customer()
        campaign = await _campaign()
        with count_statements() as statements:
            await client.data(FROM_SEGMENT, {"c": gid(campaign), "s": gid(segment)})
        counts.append(len(statements))
    assert counts[0] == counts[1]


async def test_members_added_twice_are_not_duplicated_and_unknown_ids_refuse(gql_as, db):
    client = await gql_as(Role.MARKETING)
    a, b = await make_customer(), await make_customer()
    campaign = await _campaign()
    first = await client.data(ADD, {"c": gid(campaign), "ids": [gid(a), gid(a), gid(b)]})
    assert first["addCampaignMembers"] == {"added": 2, "userErrors": []}
    second = await client.data(ADD, {"c": gid(campaign), "ids": [gid(a), gid(b)]})
    assert second["addCampaignMembers"] == {"added": 0, "userErrors": []}
    bad = await client.data(
        ADD, {"c": gid(campaign), "ids": [gid(a), "Q3VzdG9tZXI6OTk5OTk", gid(campaign)]}
    )
    assert bad["addCampaignMembers"]["userErrors"] == [
        {"field": ["customerIds", "2"], "code": "INVALID_ID"}
    ]
    assert await CampaignMember.filter(campaign=campaign).count() == 2

    member = await CampaignMember.get(campaign=campaign, customer=a)
    removed = await client.data(REMOVE, {"id": gid(member)})
    assert removed["removeCampaignMember"]["removed"] == 1
    assert removed["removeCampaignMember"]["campaign"]["members"]["totalCount"] == 1
    gone = await client.data(REMOVE, {"id": gid(member)})
    assert gone["removeCampaignMember"]["userErrors"] == [{"field": ["id"], "code": "NOT_FOUND"}]


async def test_finished_campaign_takes_no_members(gql_as, db):
    client = await gql_as(Role.MARKETING)
    customer = await make_customer()
    campaign = await _campaign(status="COMPLETED")
    payload = await client.data(ADD, {"c": gid(campaign), "ids": [gid(customer)]})
    assert payload["addCampaignMembers"]["userErrors"] == [
        {"field": ["campaignId"], "code": "CLOSED"}
    ]


async def test_responses_in_bulk_are_idempotent_and_report_each_bad_element(gql_as, db):
    client = await gql_as(Role.MARKETING)
    people = [await make_customer(last_name=f"P{i}") for i in range(4)]
    outsider = await make_customer()
    campaign = await _campaign(type=CampaignType.EMAIL)
    for person in people:
        await _consent(person)
        await CampaignMember.create(campaign=campaign, customer=person)
    at = "2026-03-01T10:00:00+00:00"
    batch = [
        {"customer": gid(people[0]), "status": "SENT", "at": at},
        {"customer": gid(people[0]), "status": "OPENED", "at": "2026-03-01T11:00:00+00:00"},
        {"email": people[1].email, "status": "CLICKED", "at": at},
        {"customer": gid(outsider), "status": "OPENED", "at": at},
        {"email": "nobody@example.com", "status": "SENT", "at": at},
        {"customer": gid(people[2]), "email": people[2].email, "status": "SENT", "at": at},
        {"customer": gid(people[3]), "status": "UNSUBSCRIBED", "at": at},
    ]
    with count_statements() as statements:
        first = await client.data(RESPONSES, {"c": gid(campaign), "r": batch})
    payload = first["recordCampaignResponses"]
    assert payload["applied"] == 3
    assert payload["userErrors"] == [
        {"field": ["responses", "3"], "code": "NOT_FOUND"},
        {"field": ["responses", "4"], "code": "NOT_FOUND"},
        {"field": ["responses", "5"], "code": "INVALID"},
    ]
    statuses = dict(
        await CampaignMember.filter(campaign=campaign).values_list("customer_id", "status")
    )
    assert statuses == {
        people[0].pk: MemberStatus.OPENED,
        people[1].pk: MemberStatus.CLICKED,
        people[2].pk: MemberStatus.TARGETED,
        people[3].pk: MemberStatus.UNSUBSCRIBED,
    }
    # Unsubscribing withdrew the e-mail consent, audited.
    consent = await CustomerConsent.get(customer=people[3], channel=ConsentChannel.EMAIL)
    assert consent.granted is False
    assert await AuditEvent.filter(
        action="customer.consent_withdrawn", entity_id=str(people[3].pk)
    ).exists()

    # The same batch again changes nothing; an older status never moves a member back.
    again = await client.data(RESPONSES, {"c": gid(campaign), "r": batch})
    assert again["recordCampaignResponses"]["applied"] == 0
    back = [{"customer": gid(people[1]), "status": "SENT", "at": at}]
    assert (await client.data(RESPONSES, {"c": gid(campaign), "r": back}))[
        "recordCampaignResponses"
    ]["applied"] == 0

    # A batch 10 times larger takes the same statements.
    many = [{"customer": gid(p), "status": "CONVERTED", "at": at} for p in people[:3]] * 10
    with count_statements() as more:
        await client.data(RESPONSES, {"c": gid(campaign), "r": many})
    assert len(more) <= len(statements)


async def test_opportunity_carries_its_campaign(gql_as, db):
    client = await gql_as(Role.MANAGER)
    customer = await make_customer()
    campaign = await _campaign()
    created = await client.data(
        """mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) {
          opportunity { id campaign { name } } userErrors { field code } } }""",
        {
            "input": {
                "customer": gid(customer),
                "name": "Deal",
                "amount": "100",
                "currency": "EUR",
                "campaign": gid(campaign),
            }
        },
    )
    assert created["createOpportunity"]["opportunity"]["campaign"] == {"name": "Spring"}
    listed = await client.data(
        "query($c: ID!) { opportunities(filter: {campaign: {eq: $c}}) { totalCount } }",
        {"c": gid(campaign)},
    )
    assert listed["opportunities"]["totalCount"] == 1
    other = await make_opportunity(customer)
    assert other.campaign_id is None


@pytest.mark.parametrize("role", [Role.MARKETING, Role.MANAGER])
async def test_consent_is_set_per_channel_and_audited(gql_as, db, role):
    client = await gql_as(role)
    customer = await make_customer()
    mutation = """mutation($id: ID!, $g: Boolean!) {
      setCustomerConsent(customerId: $id, channel: SMS, granted: $g, source: "phone call") {
        customer { consents { channel granted source changedAt } } userErrors { field code } } }"""
    granted = await client.data(mutation, {"id": gid(customer), "g": True})
    consents = granted["setCustomerConsent"]["customer"]["consents"]
    assert [(c["channel"], c["granted"], c["source"]) for c in consents] == [
        ("SMS", True, "phone call")
    ]
    await client.data(mutation, {"id": gid(customer), "g": False})
    events = await AuditEvent.filter(action="customer.consent", entity_id=str(customer.pk))
    assert [e.changes["granted"] for e in events] == [True, False]


async def test_member_pages_of_every_campaign_take_constant_statements(gql_as, db):
    client = await gql_as(Role.MARKETING)
    query = """{ campaigns { nodes { name members(first: 5) { totalCount
      nodes { status customer { lastName } campaign { name } } } } } }"""

    async def campaign_with(n: int) -> None:
        campaign = await _campaign(name=f"C{n}")
        for _ in range(n):
            await CampaignMember.create(campaign=campaign, customer=await make_customer())

    # More members than a page: counted (a campaign whose members fit on the page is not).
    await campaign_with(6)
    with count_statements() as few:
        await client.data(query)
    for n in (3, 7, 9):
        await campaign_with(n)
    with count_statements() as many:
        data = await client.data(query)
    assert len(many) == len(few)
    totals = {c["name"]: c["members"]["totalCount"] for c in data["campaigns"]["nodes"]}
    assert totals == {"C6": 6, "C3": 3, "C7": 7, "C9": 9}
    assert all(len(c["members"]["nodes"]) <= 5 for c in data["campaigns"]["nodes"])
