"""duplicateCandidates: pairs found by blocking keys in SQL and scored by name similarity."""

from __future__ import annotations

from datetime import UTC, datetime

from crm_graphql.api.roles import Role
from crm_graphql.domains.duplicates.blocking import NEIGHBOURS, SMALL_BLOCK, pairs_in
from crm_graphql.domains.leads.models import Lead
from tests.factories import gid, make_company, make_customer
from tests.helpers import count_statements

RECORD = "id ... on Customer { firstName email } ... on Company { name } ... on Lead { lastName }"
QUERY = f"""query($entity: DuplicateEntity!, $first: Int, $after: String, $min: Float) {{
  duplicateCandidates(entity: $entity, first: $first, after: $after, minScore: $min) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    edges {{ cursor node {{ score reasons first {{ {RECORD} }} second {{ {RECORD} }} }} }} }} }}"""


def pairs_of(data: dict) -> dict[frozenset[str], dict]:
    edges = data["duplicateCandidates"]["edges"]
    return {
        frozenset((e["node"]["first"]["id"], e["node"]["second"]["id"])): e["node"] for e in edges
    }


async def test_customers_sharing_email_phone_or_a_similar_name_at_a_company_are_pairs(gql, db):
    acme = await make_company(name="Acme")
    john = await make_customer(first_name="John", last_name="Smith", email="j.smith@acme.example")
    jon = await make_customer(first_name="Jon", last_name="Smith", email=" J.Smith@ACME.example")
    ann = await make_customer(first_name="Ann", last_name="Lee", phone="+14155550100")
    other = await make_customer(first_name="Bob", last_name="Stone", phone="+14155550100")
    maria = await make_customer(first_name="Maria", last_name="Garcia", company=acme)
    mariah = await make_customer(first_name="Mariah", last_name="Garcia", company=acme)
    await make_customer(first_name="Maria", last_name="Garcia")  # no company: no reason
    await make_customer(first_name="Paul", last_name="Garcia", company=acme)  # not similar

    data = await gql.data(QUERY, {"entity": "CUSTOMER", "first": 10})
    pairs = pairs_of(data)
    assert set(pairs) == {
        frozenset((gid(john), gid(jon))),
        frozenset((gid(ann), gid(other))),
        frozenset((gid(maria), gid(mariah))),
    }
    email_pair = pairs[frozenset((gid(john), gid(jon)))]
    assert email_pair["reasons"] == ["SAME_EMAIL", "SIMILAR_NAME"]
    assert pairs[frozenset((gid(ann), gid(other)))]["reasons"] == ["SAME_PHONE"]
    assert pairs[frozenset((gid(maria), gid(mariah)))]["reasons"] == ["SIMILAR_NAME_SAME_COMPANY"]
    scores = [edge["node"]["score"] for edge in data["duplicateCandidates"]["edges"]]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == email_pair["score"] > 0.9
    assert email_pair["first"]["email"] == "j.smith@acme.example"  # MANAGER/ADMIN read it


async def test_a_typo_that_reorders_the_words_of_a_name_still_matches(gql, db):
    # Sorted, "tricia taylor" and "tricia tyalor" put their words in different orders;
    # the plain ratio still sees one swapped pair of letters.
    company = await make_company()
    taylor = await make_customer(first_name="Tricia", last_name="Taylor", company=company)
    tyalor = await make_customer(first_name="Tricia", last_name="Tyalor", company=company)
    pairs = pairs_of(await gql.data(QUERY, {"entity": "CUSTOMER"}))
    assert pairs[frozenset((gid(taylor), gid(tyalor)))]["reasons"] == ["SIMILAR_NAME_SAME_COMPANY"]


async def test_deleted_customers_are_never_candidates(gql, db):
    await make_customer(email="same@example.com")
    await make_customer(email="same@example.com", deleted_at=datetime.now(UTC))
    data = await gql.data(QUERY, {"entity": "CUSTOMER"})
    assert data["duplicateCandidates"]["totalCount"] == 0


async def test_companies_with_the_same_domain_or_a_similar_name_are_pairs(gql, db):
    acme = await make_company(name="Acme Inc.", domain="acme.example")
    acme_ltd = await make_company(name="ACME Ltd", domain="acme-ltd.example")
    same_domain = await make_company(name="Totally Different", domain="ACME.example")
    await make_company(name="Acorn Gardens", domain="acorn.example")
    data = await gql.data(QUERY, {"entity": "COMPANY"})
    pairs = pairs_of(data)
    assert pairs[frozenset((gid(acme), gid(acme_ltd)))]["reasons"] == ["SIMILAR_NAME"]
    assert pairs[frozenset((gid(acme), gid(same_domain)))]["reasons"] == ["SAME_DOMAIN"]
    assert len(pairs) == 2


async def test_leads_sharing_an_email_or_a_similar_name_at_the_same_company_are_pairs(gql, db):
    a = await Lead.create(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    b = await Lead.create(first_name="Ada", last_name="Lovelace", email="ADA@example.com")
    c = await Lead.create(first_name="Grace", last_name="Hopper", company_name="Navy ")
    d = await Lead.create(first_name="Grace", last_name="Hoper", company_name="navy")
    await Lead.create(first_name="Grace", last_name="Hopper", company_name="Univac")
    data = await gql.data(QUERY, {"entity": "LEAD"})
    pairs = pairs_of(data)
    assert pairs[frozenset((gid(a), gid(b)))]["reasons"] == ["SAME_EMAIL", "SIMILAR_NAME"]
    assert pairs[frozenset((gid(c), gid(d)))]["reasons"] == ["SIMILAR_NAME_SAME_COMPANY"]
    assert len(pairs) == 2


async def test_only_admin_and_manager_may_search_for_duplicates(gql_as, db):
    for role in (Role.SALES, Role.SUPPORT, Role.MARKETING, Role.ANALYST):
        client = await gql_as(role)
        error = await client.error(QUERY, {"entity": "CUSTOMER"})
        assert error["extensions"]["code"] == "FORBIDDEN", role
    manager = await gql_as(Role.MANAGER)
    await manager.data(QUERY, {"entity": "CUSTOMER"})


async def test_pages_follow_the_cursor_and_cost_the_same_statements_at_any_size(gql, db):
    for n in range(6):
        await make_customer(email=f"twin{n}@example.com")
        await make_customer(email=f"TWIN{n}@example.com")
    seen: list[frozenset[str]] = []
    after = None
    while True:
        data = await gql.data(QUERY, {"entity": "CUSTOMER", "first": 4, "after": after})
        seen += list(pairs_of(data))
        info = data["duplicateCandidates"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert len(seen) == len(set(seen)) == 6
    counts = []
    for first in (1, 6):
        with count_statements() as statements:
            await gql.data(QUERY, {"entity": "CUSTOMER", "first": first})
        counts.append(len(statements))
    assert counts[0] == counts[1] == 2  # the blocks, then the records of the page


async def test_a_bad_cursor_or_page_size_is_a_typed_error(gql, db):
    error = await gql.error(QUERY, {"entity": "CUSTOMER", "after": "nonsense"})
    assert error["extensions"]["code"] == "INVALID_CURSOR"
    error = await gql.error(QUERY, {"entity": "CUSTOMER", "first": 1000})
    assert error["extensions"]["code"] == "PAGINATION_LIMIT"
    error = await gql.error(QUERY, {"entity": "CUSTOMER", "min": 2.0})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_large_block_pairs_each_record_with_its_neighbours_only(gql, db):
    size = SMALL_BLOCK + 10
    for _ in range(size):
        await make_customer(phone="+14155550199")
    expected = sum(min(NEIGHBOURS, size - 1 - i) for i in range(size))
    data = await gql.data(QUERY, {"entity": "CUSTOMER", "first": 1})
    assert data["duplicateCandidates"]["totalCount"] == expected
    assert len(list(pairs_in(list(range(SMALL_BLOCK))))) == SMALL_BLOCK * (SMALL_BLOCK - 1) // 2
