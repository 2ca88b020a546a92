"""mergeCustomers and mergeCompanies: everything moves, all or nothing, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from crm_graphql.api.mutations.changes import Changed, forget, on_change
from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.billing.models import Invoice, Payment, PaymentMethod
from crm_graphql.domains.customers.models import Company, Customer
from crm_graphql.domains.interactions.models import Interaction
from crm_graphql.domains.leads.models import Lead
from crm_graphql.domains.marketing.models import (
    Campaign,
    CampaignMember,
    CampaignType,
    ConsentChannel,
    CustomerConsent,
    MemberStatus,
)
from crm_graphql.domains.orders.models import Order
from crm_graphql.domains.sales.models import Opportunity
from crm_graphql.domains.support.models import Ticket
from crm_graphql.domains.tasks.models import Task
from tests.factories import (
    BASE_TIME,
    gid,
    make_company,
    make_customer,
    make_interaction,
    make_opportunity,
    make_order,
    make_product,
    make_ticket,
    make_user,
)
from tests.helpers import count_statements

MERGE = """mutation($survivor: ID!, $merged: [ID!]!, $choices: [CustomerFieldChoice!]) {
  mergeCustomers(survivorId: $survivor, mergedIds: $merged, fieldChoices: $choices) {
    customer { id firstName lastName email phone tags version }
    userErrors { field message code } } }"""
MERGE_COMPANIES = """mutation($survivor: ID!, $merged: [ID!]!, $choices: [CompanyFieldChoice!]) {
  mergeCompanies(survivorId: $survivor, mergedIds: $merged, fieldChoices: $choices) {
    company { id name domain phone }
    userErrors { field message code } } }"""
NODE = """query($id: ID!) { node(id: $id) { id } customer(id: $id) { id } }"""


async def own_everything(customer: Customer, campaign: Campaign) -> None:
    """One row of every kind a customer owns."""
    await make_interaction(customer)
    await make_order(customer, [(await make_product(), 1)])
    await make_opportunity(customer)
    await make_ticket(customer)
    await Task.create(title="Call back", due_at=BASE_TIME, customer=customer)
    await Invoice.create(customer=customer, series="INV", currency="USD")
    await Payment.create(
        customer=customer,
        amount=Decimal("10.00"),
        currency="USD",
        method=PaymentMethod.BANK_TRANSFER,
        received_at=BASE_TIME,
    )
    await Lead.create(last_name=customer.last_name, converted_customer=customer)
    await CampaignMember.create(campaign=campaign, customer=customer)


async def make_campaign() -> Campaign:
    return await Campaign.create(name="Spring", type=CampaignType.EMAIL, currency="USD")


OWNED = (Interaction, Order, Opportunity, Ticket, Task, Invoice, Payment)


async def owned_by(customer: Customer) -> dict[str, int]:
    counts = {
        model.__name__: await model.filter(customer_id=customer.pk).count() for model in OWNED
    }
    counts["Lead"] = await Lead.filter(converted_customer_id=customer.pk).count()
    counts["CampaignMember"] = await CampaignMember.filter(customer_id=customer.pk).count()
    return counts


async def test_merge_moves_everything_takes_the_chosen_fields_and_keeps_the_merged(gql, db):
    spring, autumn = await make_campaign(), await make_campaign()
    survivor = await make_customer(first_name="Jon", email="jon@example.com", tags=["vip"])
    twin = await make_customer(first_name="John", phone="+14155550100", tags=["b2b", "vip"])
    third = await make_customer(first_name="Johnny", email="j@example.com")
    await own_everything(twin, spring)
    await own_everything(third, autumn)
    # Both in one campaign: one membership stays, the one that went further.
    await CampaignMember.create(campaign=spring, customer=survivor)
    await CampaignMember.filter(campaign=spring, customer=twin).update(
        status=MemberStatus.RESPONDED
    )
    # One consent per channel: the latest answer stays.
    await CustomerConsent.create(
        customer=survivor,
        channel=ConsentChannel.EMAIL,
        granted=True,
        changed_at=BASE_TIME,
        source="form",
    )
    await CustomerConsent.create(
        customer=twin,
        channel=ConsentChannel.EMAIL,
        granted=False,
        changed_at=BASE_TIME + timedelta(days=1),
        source="unsubscribe",
    )

    payload = (
        await gql.data(
            MERGE,
            {
                "survivor": gid(survivor),
                "merged": [gid(twin), gid(third)],
                "choices": [{"field": "FIRST_NAME", "record": gid(twin)}],
            },
        )
    )["mergeCustomers"]

    assert payload["userErrors"] == []
    merged = payload["customer"]
    assert merged["id"] == gid(survivor)
    assert (merged["firstName"], merged["email"], merged["phone"]) == (
        "John",
        "jon@example.com",  # the survivor's own value stays
        "+14155550100",  # a gap filled from the first merged record that has one
    )
    assert merged["tags"] == ["vip", "b2b"]
    counts = await owned_by(survivor)
    assert counts == {name: 2 for name in counts} | {"CampaignMember": 2}
    assert await owned_by(twin) == {name: 0 for name in counts}
    spring_member = await CampaignMember.get(campaign=spring)
    assert (spring_member.customer_id, spring_member.status) == (
        survivor.pk,
        MemberStatus.RESPONDED,
    )
    consent = await CustomerConsent.get(channel=ConsentChannel.EMAIL)
    assert (consent.customer_id, consent.granted) == (survivor.pk, False)
    for row in (twin, third):
        await row.refresh_from_db()
        assert row.deleted_at is not None and row.merged_into_id == survivor.pk
    assert await AuditEvent.filter(action="customer.merge", entity_id=str(survivor.pk)).count() == 1
    assert await AuditEvent.filter(action="customer.merged").count() == 2
    event = await AuditEvent.get(action="customer.merge")
    assert event.changes["merged"] == [twin.pk, third.pk]
    assert event.changes["moved"]["interactions"] == 2
    # The IDs of the merged customers lead to the survivor.
    found = await gql.data(NODE, {"id": gid(twin)})
    assert found == {"node": {"id": gid(survivor)}, "customer": {"id": gid(survivor)}}


async def test_bad_ids_are_user_errors_and_change_nothing(gql, db):
    survivor = await make_customer()
    gone = await make_customer(deleted_at=datetime.now(UTC))
    other = await make_customer()
    company = await make_company()
    cases = [
        ({"survivor": gid(survivor), "merged": []}, [(["mergedIds"], "REQUIRED")]),
        ({"survivor": "nonsense", "merged": [gid(other)]}, [(["survivorId"], "INVALID_ID")]),
        (
            {"survivor": gid(survivor), "merged": [gid(company), gid(survivor)]},
            [(["mergedIds", "0"], "INVALID_ID"), (["mergedIds", "1"], "INVALID")],
        ),
        (
            {"survivor": gid(survivor), "merged": [gid(other), gid(other)]},
            [(["mergedIds", "1"], "INVALID")],
        ),
        ({"survivor": gid(survivor), "merged": [gid(gone)]}, [(["mergedIds", "0"], "NOT_FOUND")]),
        (
            {
                "survivor": gid(survivor),
                "merged": [gid(other)],
                "choices": [{"field": "EMAIL", "record": gid(gone)}],
            },
            [(["fieldChoices", "0", "record"], "INVALID")],
        ),
    ]
    for variables, expected in cases:
        payload = (await gql.data(MERGE, variables))["mergeCustomers"]
        assert payload["customer"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == expected, variables
    assert await Customer.filter(merged_into_id__not_isnull=True).count() == 0
    assert await AuditEvent.filter(action__startswith="customer.merge").count() == 0


async def test_sales_may_merge_only_customers_it_owns(gql_as, db):
    sales = await gql_as(Role.SALES)
    colleague = await make_user(Role.SALES)
    mine = await make_customer(owner=sales.user)
    also_mine = await make_customer(owner=sales.user)
    theirs = await make_customer(owner=colleague)
    await make_interaction(theirs)
    payload = (
        await sales.data(MERGE, {"survivor": gid(mine), "merged": [gid(also_mine), gid(theirs)]})
    )["mergeCustomers"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["mergedIds", "1"], "FORBIDDEN")
    ]
    assert await Interaction.filter(customer_id=theirs.pk).count() == 1
    assert await Customer.filter(deleted_at__not_isnull=True).count() == 0
    payload = (await sales.data(MERGE, {"survivor": gid(mine), "merged": [gid(also_mine)]}))[
        "mergeCustomers"
    ]
    assert payload["userErrors"] == []
    marketing = await gql_as(Role.MARKETING)
    payload = (await marketing.data(MERGE, {"survivor": gid(mine), "merged": [gid(theirs)]}))[
        "mergeCustomers"
    ]
    assert payload["userErrors"][0]["code"] == "FORBIDDEN"


async def test_a_failure_mid_way_leaves_the_database_unchanged(gql, db):
    campaign = await make_campaign()
    survivor = await make_customer(first_name="Kept")
    first, second = await make_customer(phone="+14155550100"), await make_customer()
    await own_everything(first, campaign)
    await own_everything(second, campaign)
    announced: list[str] = []

    async def fail_on_the_second_merged(change: Changed) -> None:
        if change.verb == "merged":
            announced.append(change.pk)
            if len(announced) == 2:
                raise RuntimeError("disk full")

    on_change(fail_on_the_second_merged)
    try:
        body = await gql.execute(
            MERGE, {"survivor": gid(survivor), "merged": [gid(first), gid(second)]}
        )
    finally:
        forget(fail_on_the_second_merged)
    assert body["errors"] and len(announced) == 2
    assert (
        await owned_by(first)
        == await owned_by(second)
        == {name: 1 for name in await owned_by(first)}
    )
    await survivor.refresh_from_db()
    assert (survivor.first_name, survivor.phone, survivor.version) == ("Kept", None, 1)
    assert await Customer.filter(deleted_at__not_isnull=True).count() == 0
    assert await AuditEvent.filter(action__startswith="customer.merge").count() == 0


async def test_the_statements_of_a_merge_do_not_grow_with_the_rows_moved(gql, db):
    campaign = await make_campaign()
    counts = []
    for rows in (1, 6):
        survivor, merged = await make_customer(), await make_customer()
        for _ in range(rows):
            await make_interaction(merged)
            await make_opportunity(merged)
            await make_ticket(merged)
        await CampaignMember.create(campaign=campaign, customer=merged)
        with count_statements() as statements:
            payload = await gql.data(MERGE, {"survivor": gid(survivor), "merged": [gid(merged)]})
        assert payload["mergeCustomers"]["userErrors"] == []
        assert await Interaction.filter(customer_id=survivor.pk).count() == rows
        counts.append(len(statements))
    assert counts[0] == counts[1]


async def test_merge_companies_moves_people_and_opportunities_and_hides_the_merged(gql, gql_as, db):
    acme = await make_company(name="Acme", domain=None, phone=None)
    acme_inc = await make_company(name="ACME Inc", domain="acme.example", phone="+14155550100")
    person = await make_customer(company=acme_inc)
    await make_opportunity(person, company=acme_inc)
    payload = (
        await gql.data(
            MERGE_COMPANIES,
            {
                "survivor": gid(acme),
                "merged": [gid(acme_inc)],
                "choices": [{"field": "NAME", "record": gid(acme_inc)}],
            },
        )
    )["mergeCompanies"]
    assert payload["userErrors"] == []
    assert payload["company"] == {
        "id": gid(acme),
        "name": "ACME Inc",
        "domain": "acme.example",
        "phone": "+14155550100",
    }
    await person.refresh_from_db()
    assert person.company_id == acme.pk
    assert await Opportunity.filter(company_id=acme.pk).count() == 1
    await acme_inc.refresh_from_db()
    assert acme_inc.deleted_at is not None and acme_inc.merged_into_id == acme.pk
    listed = await gql.data("{ companies { nodes { id } } }")
    assert listed["companies"]["nodes"] == [{"id": gid(acme)}]
    found = await gql.data("query($id: ID!) { node(id: $id) { id } }", {"id": gid(acme_inc)})
    assert found["node"] == {"id": gid(acme)}
    assert await AuditEvent.filter(action__in=["company.merge", "company.merged"]).count() == 2
    sales = await gql_as(Role.SALES)
    other = await make_company()
    refused = await sales.data(MERGE_COMPANIES, {"survivor": gid(acme), "merged": [gid(other)]})
    assert refused["mergeCompanies"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert await Company.filter(deleted_at__isnull=True).count() == 2
