"""Leads: creation and validation, field and row rules, the status machine, lists."""

from __future__ import annotations

from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.leads.models import Lead, LeadSource, LeadStatus
from tests.factories import gid, make_user
from tests.helpers import count_statements

FIELDS = """id firstName lastName email phone companyName country source status score
  version owner { name }"""
CREATE = f"""mutation($input: CreateLeadInput!) {{ createLead(input: $input) {{
  lead {{ {FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: UpdateLeadInput!) {{ updateLead(id: $id, input: $input) {{
  lead {{ {FIELDS} }} userErrors {{ field code currentVersion }} }} }}"""
STATUS = """mutation($id: ID!, $status: LeadStatus!, $version: Int!) {
  changeLeadStatus(id: $id, status: $status, version: $version) {
  lead { status version } userErrors { field message code } } }"""


async def make_lead(**fields) -> Lead:
    fields.setdefault("last_name", "Lovelace")
    return await Lead.create(**fields)


async def test_create_normalises_contact_details_and_records_the_audit_event(gql, db):
    payload = (
        await gql.data(
            CREATE,
            {
                "input": {
                    "firstName": " Ada ",
                    "lastName": "Lovelace",
                    "email": "Ada@Example.COM",
                    "phone": "+44 20 7946 0958",
                    "country": "gb",
                    "source": "REFERRAL",
                    "score": 40,
                }
            },
        )
    )["createLead"]
    assert payload["userErrors"] == []
    lead = payload["lead"]
    assert (lead["firstName"], lead["email"], lead["phone"], lead["country"]) == (
        "Ada",
        "Ada@example.com",
        "+442079460958",
        "GB",
    )
    assert (lead["status"], lead["source"], lead["score"], lead["owner"]) == (
        "NEW",
        "REFERRAL",
        40,
        None,
    )
    assert await AuditEvent.filter(action="lead.create").count() == 1


async def test_every_problem_is_reported_and_nothing_is_written(gql, db):
    payload = (
        await gql.data(
            CREATE,
            {"input": {"lastName": " ", "email": "not-mail", "country": "XX", "score": 101}},
        )
    )["createLead"]
    assert payload["lead"] is None
    assert sorted((e["field"][-1], e["code"]) for e in payload["userErrors"]) == [
        ("country", "INVALID"),
        ("email", "INVALID"),
        ("lastName", "REQUIRED"),
        ("score", "OUT_OF_RANGE"),
    ]
    assert await Lead.all().count() == 0


async def test_analyst_reads_leads_without_contact_details(gql_as, db):
    await make_lead(email="secret@example.com", phone="+4930123456")
    analyst = await gql_as(Role.ANALYST)
    body = await analyst.execute("{ leads { nodes { lastName email } } }")
    assert body["data"]["leads"]["nodes"] == [{"lastName": "Lovelace", "email": None}]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    refused = await analyst.execute(
        '{ leads(filter: { email: { eq: "secret@example.com" } }) { totalCount } }'
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_sales_changes_own_and_unowned_leads_but_not_others(gql_as, db):
    sales = await gql_as(Role.SALES)
    other = await make_user(Role.SALES)
    theirs = await make_lead(owner_id=other.pk)
    unowned = await make_lead()
    refused = (await sales.data(UPDATE, {"id": gid(theirs), "input": {"version": 1, "score": 5}}))[
        "updateLead"
    ]
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"
    assert (await Lead.get(pk=theirs.pk)).score == 0
    taken = (
        await sales.data(
            UPDATE,
            {"id": gid(unowned), "input": {"version": 1, "owner": gid(sales.user), "score": 5}},
        )
    )["updateLead"]
    assert taken["userErrors"] == []
    assert (taken["lead"]["owner"], taken["lead"]["score"]) == ({"name": sales.user.name}, 5)


async def test_stale_version_is_a_conflict(gql, db):
    lead = await make_lead()
    await gql.data(UPDATE, {"id": gid(lead), "input": {"version": 1, "score": 1}})
    stale = (await gql.data(UPDATE, {"id": gid(lead), "input": {"version": 1, "score": 2}}))[
        "updateLead"
    ]
    assert stale["userErrors"] == [{"field": ["version"], "code": "CONFLICT", "currentVersion": 2}]


async def test_status_machine_allows_listed_moves_and_refuses_the_rest(gql, db):
    lead = await make_lead()
    moved = (await gql.data(STATUS, {"id": gid(lead), "status": "CONTACTED", "version": 1}))[
        "changeLeadStatus"
    ]
    assert moved == {"lead": {"status": "CONTACTED", "version": 2}, "userErrors": []}
    for status in ("NEW", "CONVERTED", "CONTACTED"):
        refused = (await gql.data(STATUS, {"id": gid(lead), "status": status, "version": 2}))[
            "changeLeadStatus"
        ]
        assert refused["lead"] is None
        assert refused["userErrors"][0]["code"] == "INVALID_TRANSITION", status
    assert (await Lead.get(pk=lead.pk)).status == LeadStatus.CONTACTED
    entry = await AuditEvent.get(action="lead.status")
    assert entry.changes["from"] == "NEW" and entry.changes["status"] == "CONTACTED"


async def test_list_filters_sorts_and_reads_a_page_in_constant_statements(gql, db):
    owner = await make_user(Role.SALES)
    for n in range(3):
        await make_lead(last_name=f"L{n}", score=n * 10, owner_id=owner.pk)
    await make_lead(last_name="Web", source=LeadSource.WEB_FORM, status=LeadStatus.QUALIFIED)
    # A page smaller than the list: its rows are counted (a list on one page is not).
    query = """{ leads(first: 2, orderBy: [{ field: SCORE, direction: DESC }],
      filter: { status: { in: [NEW] } }) { totalCount nodes { lastName owner { name } } } }"""
    with count_statements() as few:
        small = (await gql.data(query))["leads"]
    assert small["totalCount"] == 3
    assert [n["lastName"] for n in small["nodes"]] == ["L2", "L1"]
    for n in range(20):
        other = await make_user(Role.SALES)
        await make_lead(last_name=f"M{n}", owner_id=other.pk)
    with count_statements() as many:
        large = (await gql.data(query))["leads"]
    assert large["totalCount"] == 23
    assert len(few) == len(many), (few, many)
    web = await gql.data("{ leads(filter: { source: { eq: WEB_FORM } }) { nodes { lastName } } }")
    assert web["leads"]["nodes"] == [{"lastName": "Web"}]


async def test_aggregate_counts_leads_per_status(gql, db):
    await make_lead(status=LeadStatus.NEW, score=10)
    await make_lead(status=LeadStatus.NEW, score=30)
    await make_lead(status=LeadStatus.QUALIFIED, score=80)
    data = await gql.data(
        """{ leadsAggregate(groupBy: [{ field: STATUS }]) {
        groups { key { status } count avg { score } } } }"""
    )
    groups = {g["key"]["status"]: g for g in data["leadsAggregate"]["groups"]}
    assert groups["NEW"]["count"] == 2 and float(groups["NEW"]["avg"]["score"]) == 20
    assert groups["QUALIFIED"]["count"] == 1
