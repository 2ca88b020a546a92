"""Leads carry the campaign they came from: set on creation, by the web form (its
campaign, or the tracking code a submission carries), filtered and grouped on, and
passed on to the opportunity a conversion creates."""

from __future__ import annotations

from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.leads.models import Lead, LeadForm, LeadStatus
from crm_graphql.domains.marketing.models import Campaign, CampaignType
from crm_graphql.domains.sales.models import Opportunity
from tests.factories import gid, make_customer, make_opportunity

CREATE = """mutation($input: CreateLeadInput!) { createLead(input: $input) {
  lead { id campaign { id name } } userErrors { field code } } }"""
UPDATE = """mutation($id: ID!, $input: UpdateLeadInput!) { updateLead(id: $id, input: $input) {
  lead { campaign { name } } userErrors { field code } } }"""


async def _campaign(name: str = "Spring", **fields) -> Campaign:
    fields.setdefault("type", CampaignType.EMAIL)
    fields.setdefault("currency", "EUR")
    return await Campaign.create(name=name, **fields)


async def test_lead_is_created_with_its_campaign_and_a_wrong_id_is_a_user_error(gql_as, db):
    spring = await _campaign()
    marketing = await gql_as(Role.MARKETING)
    made = (await marketing.data(CREATE, {"input": {"lastName": "Doe", "campaign": gid(spring)}}))[
        "createLead"
    ]
    assert made["userErrors"] == []
    assert made["lead"]["campaign"] == {"id": gid(spring), "name": "Spring"}
    lead = await Lead.get()
    assert lead.campaign_id == spring.pk
    entry = await AuditEvent.get(action="lead.create")
    assert entry.changes["campaign_id"] == spring.pk

    bad = (await marketing.data(CREATE, {"input": {"lastName": "X", "campaign": gid(lead)}}))[
        "createLead"
    ]
    assert bad["lead"] is None
    assert bad["userErrors"] == [{"field": ["input", "campaign"], "code": "INVALID_ID"}]
    assert await Lead.all().count() == 1

    cleared = (
        await marketing.data(
            UPDATE, {"id": gid(lead), "input": {"version": lead.version, "campaign": None}}
        )
    )["updateLead"]
    assert cleared == {"lead": {"campaign": None}, "userErrors": []}


async def test_leads_are_filtered_and_grouped_by_campaign(gql, db):
    spring, autumn = await _campaign("Spring"), await _campaign("Autumn")
    for campaign, n in ((spring, 3), (autumn, 1), (None, 2)):
        for i in range(n):
            await Lead.create(
                last_name=f"L{i}",
                campaign_id=campaign.pk if campaign else None,
                status=LeadStatus.CONVERTED if i == 0 else LeadStatus.NEW,
            )
    found = await gql.data(
        "query($c: ID!) { leads(filter: { campaign: { eq: $c } }) { totalCount } }",
        {"c": gid(spring)},
    )
    assert found["leads"]["totalCount"] == 3
    none = await gql.data("{ leads(filter: { campaign: { isNull: true } }) { totalCount } }")
    assert none["leads"]["totalCount"] == 2
    data = await gql.data(
        """{ leadsAggregate(groupBy: [{ field: CAMPAIGN }, { field: STATUS }]) {
        groups { key { campaign { name } status } count } } }"""
    )
    groups = {
        ((g["key"]["campaign"] or {}).get("name"), g["key"]["status"]): g["count"]
        for g in data["leadsAggregate"]["groups"]
    }
    assert groups == {
        ("Spring", "CONVERTED"): 1,
        ("Spring", "NEW"): 2,
        ("Autumn", "CONVERTED"): 1,
        (None, "CONVERTED"): 1,
        (None, "NEW"): 1,
    }


async def test_web_form_leads_come_from_the_tracking_code_or_the_forms_campaign(anon, db):
    event = await _campaign("Fair", tracking_code="fair-2026")
    ads = await _campaign("Ads", tracking_code="ads-q1")
    form = await LeadForm.create(name="Fair sign-up", key="fair-form-key", campaign_id=event.pk)
    client = await anon()

    async def submit(email: str, **extra: str) -> Lead:
        response = await client.http.post(
            f"/forms/{form.key}/leads", json={"lastName": "Doe", "email": email, **extra}
        )
        assert response.status_code == 202, response.text
        return await Lead.get(email=email)

    assert (await submit("a@example.org")).campaign_id == event.pk
    assert (await submit("b@example.org", utm_campaign="ads-q1")).campaign_id == ads.pk
    assert (await submit("c@example.org", campaign="ads-q1")).campaign_id == ads.pk
    # An unknown code is kept with the submission; the form's campaign applies.
    unknown = await submit("d@example.org", utm_campaign="nope")
    assert unknown.campaign_id == event.pk
    assert unknown.form_data["utm_campaign"] == "nope"
    # A repeat submission fills in a campaign the lead lacks, never replaces one.
    await Lead.filter(email="a@example.org").update(campaign_id=None)
    assert (await submit("a@example.org", utm_campaign="ads-q1")).campaign_id == ads.pk
    assert (await submit("a@example.org", utm_campaign="fair-2026")).campaign_id == ads.pk


async def test_tracking_codes_are_checked_and_unique(gql_as, db):
    await _campaign("Taken", tracking_code="spring")
    marketing = await gql_as(Role.MARKETING)
    create = """mutation($input: CreateCampaignInput!) { createCampaign(input: $input) {
      campaign { trackingCode } userErrors { field code } } }"""
    base = {"name": "New", "type": "EMAIL", "currency": "EUR"}
    taken = await marketing.data(create, {"input": {**base, "trackingCode": "spring"}})
    assert taken["createCampaign"]["userErrors"] == [
        {"field": ["input", "trackingCode"], "code": "DUPLICATE"}
    ]
    bad = await marketing.data(create, {"input": {**base, "trackingCode": "two words"}})
    assert bad["createCampaign"]["userErrors"] == [
        {"field": ["input", "trackingCode"], "code": "INVALID"}
    ]
    good = await marketing.data(create, {"input": {**base, "trackingCode": "summer-26"}})
    assert good["createCampaign"] == {"campaign": {"trackingCode": "summer-26"}, "userErrors": []}
    assert await Campaign.all().count() == 2


async def test_conversion_passes_the_leads_campaign_to_the_opportunity(gql, db):
    spring = await _campaign()
    lead = await Lead.create(last_name="Doe", email="doe@corp.example", campaign_id=spring.pk)
    payload = (
        await gql.data(
            """mutation($id: ID!, $input: ConvertLeadInput) {
              convertLead(id: $id, input: $input) {
                opportunity { campaign { name } } userErrors { field } } }""",
            {
                "id": gid(lead),
                "input": {"createOpportunity": {"name": "Deal", "amount": "10", "currency": "EUR"}},
            },
        )
    )["convertLead"]
    assert payload == {"opportunity": {"campaign": {"name": "Spring"}}, "userErrors": []}
    assert (await Opportunity.get()).campaign_id == spring.pk


async def test_deleting_a_campaign_keeps_what_it_brought_without_it(gql, db):
    gone, kept = await _campaign("Gone"), await _campaign("Kept")
    lead = await Lead.create(last_name="Doe", campaign_id=gone.pk)
    other = await Lead.create(last_name="Roe", campaign_id=kept.pk)
    form = await LeadForm.create(name="Fair", key="fair-key-for-delete", campaign_id=gone.pk)
    deal = await make_opportunity(await make_customer(), campaign_id=gone.pk)
    deleted = await gql.data(
        "mutation($id: ID!) { deleteCampaign(id: $id) { userErrors { code } } }",
        {"id": gid(gone)},
    )
    assert deleted["deleteCampaign"]["userErrors"] == []
    assert await Campaign.filter(id=gone.pk).count() == 0
    assert (await Lead.get(id=lead.pk)).campaign_id is None
    assert (await LeadForm.get(id=form.pk)).campaign_id is None
    assert (await Opportunity.get(id=deal.pk)).campaign_id is None
    assert (await Lead.get(id=other.pk)).campaign_id == kept.pk
    assert (await Lead.get(id=lead.pk)).last_name == "Doe"
