"""interactionStats: counts and durations per channel, direction, author and period."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime

from crm_graphql.api.roles import Role
from crm_graphql.domains.interactions.models import Channel, Direction
from tests.analytics.documents import INTERACTION_STATS
from tests.factories import gid, make_customer, make_interaction, make_user

#: (channel, direction, author index, occurred at, duration in seconds)
TOUCHES = [
    (Channel.CALL, Direction.OUTBOUND, 0, datetime(2026, 1, 3, 9, tzinfo=UTC), 300),
    (Channel.CALL, Direction.INBOUND, 1, datetime(2026, 1, 15, 9, tzinfo=UTC), 120),
    (Channel.CALL, Direction.OUTBOUND, 0, datetime(2026, 2, 2, 9, tzinfo=UTC), 60),
    (Channel.EMAIL, Direction.OUTBOUND, 0, datetime(2026, 1, 4, 9, tzinfo=UTC), None),
    (Channel.EMAIL, Direction.INBOUND, 1, datetime(2026, 3, 9, 9, tzinfo=UTC), None),
    (Channel.MEETING, Direction.OUTBOUND, 1, datetime(2026, 3, 31, 23, 30, tzinfo=UTC), 3600),
]


async def _insert():
    customer = await make_customer()
    authors = [await make_user(Role.SALES, name="Ann"), await make_user(Role.SUPPORT, name="Bo")]
    for channel, direction, author, moment, seconds in TOUCHES:
        await make_interaction(
            customer,
            channel=channel,
            direction=direction,
            author=authors[author],
            occurred_at=moment,
            duration_seconds=seconds,
        )
    return customer, authors


def _groups(body):
    return body["interactionStats"]["groups"]


async def test_counts_and_durations_per_channel(gql, db):
    await _insert()
    groups = _groups(await gql.data(INTERACTION_STATS, {"groupBy": ["CHANNEL"]}))
    counts = Counter(t[0].value for t in TOUCHES)
    seconds: dict[str, int] = defaultdict(int)
    for channel, _, _, _, duration in TOUCHES:
        seconds[channel.value] += duration or 0
    assert [(g["channel"], g["count"], g["totalDurationSeconds"]) for g in groups] == [
        (channel, counts[channel], seconds[channel]) for channel in sorted(counts)
    ]
    assert all(g["direction"] is None and g["periodStart"] is None for g in groups)


async def test_channel_by_month_in_a_time_zone_with_a_filter(gql, db):
    customer, _ = await _insert()
    other = await make_customer()
    await make_interaction(
        other, channel=Channel.CALL, occurred_at=datetime(2026, 1, 5, tzinfo=UTC)
    )
    body = await gql.data(
        INTERACTION_STATS,
        {
            "groupBy": ["MONTH", "CHANNEL"],
            "timeZone": "Europe/Berlin",
            "filter": {
                "customer": {"eq": gid(customer)},
                "occurredAt": {"gte": "2026-01-01T00:00:00Z", "lt": "2026-05-01T00:00:00Z"},
            },
        },
    )
    expected = Counter()
    for channel, _, _, moment, _ in TOUCHES:
        # Berlin is UTC+1 in winter, UTC+2 from March 29: 23:30 UTC on March 31 is April.
        month = 4 if moment == datetime(2026, 3, 31, 23, 30, tzinfo=UTC) else moment.month
        expected[(month, channel.value)] += 1
    offset = {1: "+01:00", 2: "+01:00", 3: "+01:00", 4: "+02:00"}
    assert [(g["periodStart"], g["channel"], g["count"]) for g in _groups(body)] == [
        (f"2026-{month:02d}-01T00:00:00{offset[month]}", channel, n)
        for (month, channel), n in sorted(expected.items())
    ]


async def test_grouped_by_author_and_direction(gql, db):
    _, authors = await _insert()
    groups = _groups(await gql.data(INTERACTION_STATS, {"groupBy": ["AUTHOR", "DIRECTION"]}))
    expected = Counter((authors[a].name, d.value) for _, d, a, _, _ in TOUCHES)
    assert {(g["author"]["name"], g["direction"]): g["count"] for g in groups} == expected


async def test_no_group_gives_one_total(gql, db):
    await _insert()
    groups = _groups(await gql.data(INTERACTION_STATS, {"groupBy": []}))
    assert [(g["count"], g["totalDurationSeconds"]) for g in groups] == [
        (len(TOUCHES), sum(t[4] or 0 for t in TOUCHES))
    ]


async def test_first_limits_the_groups_and_says_more_exist(gql, db):
    await _insert()
    body = (await gql.data(INTERACTION_STATS, {"groupBy": ["CHANNEL"], "first": 2}))[
        "interactionStats"
    ]
    assert ([g["channel"] for g in body["groups"]], body["hasMore"]) == (["CALL", "EMAIL"], True)
