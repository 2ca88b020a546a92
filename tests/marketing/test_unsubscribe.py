"""The public unsubscribe link: signed, single-purpose, expiring; a bad token changes
nothing and says so on a plain page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

from crm_graphql.api.roles import Role
from crm_graphql.db.audit import AuditEvent
from crm_graphql.domains.marketing import unsubscribe
from crm_graphql.domains.marketing.models import (
    Campaign,
    CampaignMember,
    CampaignType,
    ConsentChannel,
    CustomerConsent,
    MemberStatus,
)
from tests.conftest import TEST_JWT_SECRET
from tests.factories import gid, make_customer

PATH = """query($id: ID!) { node(id: $id) { ... on CampaignMember { unsubscribePath } } }"""


async def _member():
    customer = await make_customer()
    await CustomerConsent.create(
        customer=customer,
        channel=ConsentChannel.EMAIL,
        granted=True,
        changed_at=datetime.now(UTC),
        source="web form",
    )
    campaign = await Campaign.create(name="News", type=CampaignType.EMAIL, currency="EUR")
    return await CampaignMember.create(campaign=campaign, customer=customer)


async def _unchanged(member) -> bool:
    fresh = await CampaignMember.get(pk=member.pk)
    consent = await CustomerConsent.get(customer_id=member.customer_id)
    return fresh.status == MemberStatus.TARGETED and consent.granted


async def test_the_link_withdraws_email_consent_and_marks_the_member(gql_as, anon, db):
    member = await _member()
    marketer = await gql_as(Role.MARKETING)
    path = (await marketer.data(PATH, {"id": gid(member)}))["node"]["unsubscribePath"]
    visitor = await anon()
    page = await visitor.http.get(path)
    assert page.status_code == 200 and "<form" in page.text
    assert await _unchanged(member), "GET changes nothing (mail scanners follow links)"
    done = await visitor.http.post(path)
    assert done.status_code == 200 and "no longer receive" in done.text
    assert (await CampaignMember.get(pk=member.pk)).status == MemberStatus.UNSUBSCRIBED
    consent = await CustomerConsent.get(customer_id=member.customer_id)
    assert consent.granted is False and consent.source == "unsubscribe link"
    event = await AuditEvent.get(
        action="customer.consent_withdrawn", entity_id=str(member.customer_id)
    )
    assert event.actor_label == "unsubscribe link"
    # Again: still fine, nothing more to do.
    assert (await visitor.http.post(path)).status_code == 200
    assert "<form" not in (await visitor.http.get(path)).text


async def test_tampered_or_foreign_tokens_change_nothing(gql_as, anon, db):
    member = await _member()
    other = await make_customer()
    visitor = await anon()
    settings = db.settings
    token = unsubscribe.make_token(settings, member.pk, member.customer_id)
    head, body, signature = token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    forged_for_other = unsubscribe.make_token(settings, member.pk, other.pk)
    # Signed with the server secret itself (how sign-in tokens are signed): refused.
    plain_secret = jwt.encode(
        {
            "sub": str(member.pk),
            "cus": member.customer_id,
            "aud": unsubscribe.AUDIENCE,
            "exp": datetime.now(UTC) + timedelta(days=1),
        },
        TEST_JWT_SECRET,
        algorithm="HS256",
    )
    for bad in (f"{head}.{body}.{flipped}", forged_for_other, plain_secret, "nonsense", "a" * 2000):
        for method in ("GET", "POST"):
            response = await visitor.http.request(method, f"/unsubscribe/{bad}")
            assert response.status_code == 400, (bad, method)
            assert "not valid" in response.text and "Nothing was changed" in response.text
    assert await _unchanged(member)


async def test_expired_token_says_so_and_changes_nothing(anon, db):
    member = await _member()
    long_ago = datetime.now(UTC) - timedelta(days=unsubscribe.TOKEN_DAYS + 1)
    token = unsubscribe.make_token(db.settings, member.pk, member.customer_id, now=long_ago)
    response = await (await anon()).http.post(f"/unsubscribe/{token}")
    assert response.status_code == 410 and "expired" in response.text
    assert await _unchanged(member)


async def test_only_planners_read_the_unsubscribe_path(gql_as, db):
    member = await _member()
    analyst = await gql_as(Role.ANALYST)
    body = await analyst.execute(PATH, {"id": gid(member)})
    assert body["data"]["node"] == {"unsubscribePath": None}
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
