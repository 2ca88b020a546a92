"""The steps of the campaign-member mutations: find the campaign, check the caller may
change it, then the bulk statements of :mod:`.members`, and the audit event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.expressions import Q

from crm_graphql.api import audit
from crm_graphql.api.errors import CrmError
from crm_graphql.api.ids import parse_global_id, to_global_id
from crm_graphql.api.mutations.problems import Problems, UserError, UserErrorCode
from crm_graphql.api.mutations.writes import Writes
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.marketing import counts, members, segments
from crm_graphql.domains.marketing.models import (
    Campaign,
    CampaignMember,
    CampaignStatus,
    ConsentChannel,
    MemberStatus,
    Segment,
)

#: Campaigns that take new members.
OPEN_STATUSES = (CampaignStatus.PLANNED, CampaignStatus.ACTIVE)


async def _campaign(writes: Writes, problems: Problems, global_id: str) -> Campaign:
    campaign: Campaign = await writes.find(problems, global_id, ["campaignId"])
    await writes.require(problems, campaign, ["members"], ["campaignId"])
    return campaign


def _open(problems: Problems, campaign: Campaign) -> None:
    if campaign.status not in OPEN_STATUSES:
        problems.fail(
            ["campaignId"],
            f"A {campaign.status.value} campaign takes no more members.",
            UserErrorCode.CLOSED,
        )


async def from_segment(
    writes: Writes, problems: Problems, campaign_id: str, segment_id: str
) -> tuple[Campaign, int]:
    """``addCampaignMembersFromSegment``: the segment's customers, as the caller sees
    them, in one ``INSERT ... SELECT``."""
    campaign = await _campaign(writes, problems, campaign_id)
    _open(problems, campaign)
    info = problems.info
    assert info is not None
    segment: Segment = await problems.record_of(Segment, segment_id, "Segment", ["segmentId"])
    try:
        where = segments.segment_q(info, segment, "segmentId")
    except CrmError as error:
        code = UserErrorCode.FORBIDDEN if error.code == "FORBIDDEN" else UserErrorCode.INVALID
        problems.fail(["segmentId"], error.message, code)
    added = await members.add_members(campaign, where & counts.visible_customers_q(info))
    await writes.record(
        problems,
        "add_members",
        campaign.pk,
        {"segment": to_global_id("Segment", segment.pk), "added": added},
        before=campaign,
        after=campaign,
    )
    return campaign, added


async def by_ids(
    writes: Writes, problems: Problems, campaign_id: str, customer_ids: Sequence[str]
) -> tuple[Campaign, int]:
    """``addCampaignMembers``: the customers given (unknown ones refuse the batch)."""
    campaign = await _campaign(writes, problems, campaign_id)
    _open(problems, campaign)
    info = problems.info
    assert info is not None
    wanted: dict[int, int] = {}
    for index, global_id in enumerate(customer_ids):
        pk = problems.id_of(["customerIds", index], global_id, "Customer")
        if pk is not None:
            wanted.setdefault(pk, index)
    problems.check()
    visible = counts.visible_customers_q(info)
    found: set[int] = set(
        await Customer.filter(visible, id__in=list(wanted)).values_list(  # type: ignore[arg-type]
            "id", flat=True
        )
    )
    for pk, index in wanted.items():
        if pk not in found:
            problems.add(["customerIds", index], "No such Customer.", UserErrorCode.NOT_FOUND)
    problems.check()
    added = await members.add_members(campaign, Q(id__in=list(wanted)) & visible) if wanted else 0
    await writes.record(
        problems, "add_members", campaign.pk, {"added": added}, before=campaign, after=campaign
    )
    return campaign, added


async def remove(writes: Writes, problems: Problems, member_id: str) -> Campaign:
    """``removeCampaignMember``."""
    member = await problems.record_of(CampaignMember, member_id, "CampaignMember", ["id"])
    campaign = await Campaign.get(pk=member.campaign_id)
    await writes.require(problems, campaign, ["members"], ["id"])
    if await members.remove_member(member.pk) is None:
        problems.fail(["id"], "No such CampaignMember.", UserErrorCode.NOT_FOUND)
    await writes.record(
        problems,
        "remove_member",
        campaign.pk,
        {"customer": to_global_id("Customer", member.customer_id)},
        before=campaign,
        after=campaign,
    )
    return campaign


async def record_responses(
    writes: Writes, problems: Problems, campaign_id: str, responses: Sequence[Any]
) -> tuple[Campaign, int, list[UserError]]:
    """``recordCampaignResponses``: each response resolved to its member (two
    statements for the batch), the rest applied; problems per element."""
    campaign = await _campaign(writes, problems, campaign_id)
    info = problems.info
    assert info is not None
    refused = Problems(info)
    by_customer: dict[int, list[int]] = {}
    by_email: dict[str, list[int]] = {}
    for index, response in enumerate(responses):
        at: list[str | int] = ["responses", index]
        if (response.customer is None) == (response.email is None):
            refused.add(at, "Give exactly one of customer and email.", UserErrorCode.INVALID)
            continue
        if MemberStatus(response.status.value) == MemberStatus.TARGETED:
            refused.add([*at, "status"], "TARGETED is no response.", UserErrorCode.INVALID)
            continue
        if response.customer is not None:
            try:
                type_name, pk = parse_global_id(response.customer)
            except CrmError:
                type_name, pk = "", 0
            if type_name != "Customer":
                refused.add(
                    [*at, "customer"], "Expected the ID of a Customer.", UserErrorCode.INVALID_ID
                )
                continue
            by_customer.setdefault(pk, []).append(index)
        else:
            by_email.setdefault(response.email.strip().lower(), []).append(index)
    member_of: dict[int, tuple[int, int]] = {}
    if by_customer:
        rows = await CampaignMember.filter(
            campaign_id=campaign.pk, customer_id__in=list(by_customer)
        ).values_list("id", "customer_id")
        for member_id, customer_id in rows:
            for index in by_customer[customer_id]:
                member_of[index] = (member_id, customer_id)
    if by_email:
        addresses = list(by_email)
        rows = await CampaignMember.filter(
            campaign_id=campaign.pk, customer__email__in=addresses
        ).values_list("id", "customer_id", "customer__email")
        for member_id, customer_id, email in rows:
            for index in by_email.get(str(email).lower(), []):
                member_of[index] = (member_id, customer_id)
    resolved: list[members.Response] = []
    for indexes in [*by_customer.values(), *by_email.values()]:
        for index in indexes:
            found = member_of.get(index)
            if found is None:
                refused.add(
                    ["responses", index], "Not a member of this campaign.", UserErrorCode.NOT_FOUND
                )
                continue
            response = responses[index]
            resolved.append(
                members.Response(
                    found[0], found[1], MemberStatus(response.status.value), response.at
                )
            )
    applied, unsubscribed = await members.apply_responses(resolved)
    if unsubscribed:
        await members.set_consent(
            unsubscribed,
            ConsentChannel.EMAIL,
            False,
            f"campaign:{to_global_id('Campaign', campaign.pk)}",
            audit.meta_from(info.context),
        )
    await writes.record(
        problems,
        "responses",
        campaign.pk,
        {"applied": applied, "refused": len(refused.errors)},
        before=campaign,
        after=campaign,
    )
    refused.errors.sort(key=lambda error: int(error.field[1]))
    return campaign, applied, refused.errors
