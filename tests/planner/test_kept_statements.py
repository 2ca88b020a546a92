"""Statements kept across requests: each request reads what its own conditions select,
and only conditions whose SQL their values alone decide are kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tortoise.expressions import F, Q

from crm_graphql.api.keyed import Unkeyable, condition_key
from crm_graphql.domains.interactions.models import Channel
from tests.factories import make_customer, make_interaction
from tests.helpers import count_statements

NESTED = """query($channel: Channel, $subject: String) { customers(first: 5) { nodes { lastName
  interactions(first: 10, filter: {channel: {eq: $channel}, subject: {contains: $subject}}) {
    nodes { channel subject } } } } }"""

ROOT = """query($name: String) { customers(first: 5, filter: {lastName: {eq: $name}}) {
  totalCount nodes { lastName } } }"""


async def test_each_request_reads_the_rows_of_its_own_conditions(gql, db):
    for name in ("Ames", "Bloom"):
        customer = await make_customer(last_name=name)
        await make_interaction(customer, channel=Channel.EMAIL, subject=f"{name} offer")
        await make_interaction(customer, channel=Channel.CALL, subject=f"{name} call")
        await make_interaction(customer, channel=Channel.CALL, subject=f"{name} offer")
    asked = [
        (Channel.EMAIL, None),
        (Channel.CALL, None),
        (Channel.CALL, "offer"),
        (Channel.EMAIL, None),
        (None, "call"),
    ]
    for channel, subject in asked:
        variables = {"channel": channel.name if channel else None, "subject": subject}
        with count_statements() as statements:
            data = await gql.data(NESTED, variables)
        found = [
            (node["channel"], node["subject"])
            for customer in data["customers"]["nodes"]
            for node in customer["interactions"]["nodes"]
        ]
        expected = [
            (kind.name, text)
            for name in ("Bloom", "Ames")
            for kind, text in (
                (Channel.CALL, f"{name} offer"),
                (Channel.CALL, f"{name} call"),
                (Channel.EMAIL, f"{name} offer"),
            )
            if (channel is None or kind is channel) and (subject is None or subject in text)
        ]
        assert sorted(found) == sorted(expected), (variables, statements)
    await make_customer(last_name="Bloom")
    for name, count in (("Bloom", 2), ("Ames", 1), ("Bloom", 2), ("Nobody", 0)):
        page = (await gql.data(ROOT, {"name": name}))["customers"]
        assert page["totalCount"] == count
        assert page["nodes"] == [{"lastName": name}] * count


def test_conditions_are_kept_by_their_values_and_their_types():
    assert condition_key(Q(status="PAID")) == condition_key(Q(status="PAID"))
    different = [
        Q(status="PAID"),
        Q(status="SHIPPED"),
        ~Q(status="PAID"),
        Q(status="PAID", join_type=Q.OR),
        Q(quantity=1),
        Q(quantity=True),
        Q(quantity=1.0),
        Q(id__in=[1, 2]),
        Q(id__in=[2, 1]),
        Q(Q(status="PAID"), Q(quantity=1)),
        Q(Q(quantity=1), Q(status="PAID")),
        Q(channel=Channel.EMAIL),
        Q(channel="EMAIL"),
    ]
    keys = [condition_key(condition) for condition in different]
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize(
    "condition",
    [
        Q(quantity=F("id")),
        Q(id__in={1, 2}),
        Q(occurred_at__gt=datetime(2026, 1, 1, tzinfo=UTC)),
        Q(Q(status="PAID"), Q(quantity=F("id"))),
    ],
)
def test_conditions_whose_sql_may_depend_on_more_than_values_are_not_kept(condition):
    with pytest.raises(Unkeyable):
        condition_key(condition)
