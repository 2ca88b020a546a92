"""Business calendars and SLA policies: what managers may set up, and what is refused."""

from __future__ import annotations

import pytest

from crm_graphql.api.roles import Role
from crm_graphql.domains.support.models import BusinessCalendar, SlaPolicy
from tests.factories import gid, make_calendar
from tests.support.documents import CALENDAR, POLICY

OFFICE = [{"day": day, "start": "09:00", "end": "17:00"} for day in ("MONDAY", "FRIDAY")]


async def test_manager_sets_up_a_calendar_with_holidays_and_a_policy(gql_as, db):
    manager = await gql_as(Role.MANAGER)
    payload = (
        await manager.data(
            CALENDAR,
            {
                "input": {
                    "name": "Berlin office",
                    "timeZone": "Europe/Berlin",
                    "workingHours": [*OFFICE, {"day": "SATURDAY", "start": "10:00"}],
                    "holidayCountry": "de",
                    "holidaySubdivision": "be",
                    "customHolidays": ["2026-12-24"],
                }
            },
        )
    )["createBusinessCalendar"]
    assert payload["userErrors"] == []
    calendar = payload["businessCalendar"]
    assert calendar["holidayCountry"] == "DE"
    assert calendar["workingHours"] == [
        {"day": "MONDAY", "start": "09:00:00", "end": "17:00:00"},
        {"day": "FRIDAY", "start": "09:00:00", "end": "17:00:00"},
        {"day": "SATURDAY", "start": "10:00:00", "end": None},
    ]
    policy = (
        await manager.data(
            POLICY,
            {
                "input": {
                    "name": "Urgent",
                    "priority": "URGENT",
                    "calendar": calendar["id"],
                    "firstResponseMinutes": 15,
                    "resolutionMinutes": 120,
                }
            },
        )
    )["createSlaPolicy"]
    assert policy["userErrors"] == []
    assert policy["slaPolicy"]["calendar"] == {"id": calendar["id"]}


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"workingHours": []}, {("input", "workingHours"): "INVALID"}),
        (
            {"workingHours": [{"day": "MONDAY", "start": "17:00", "end": "09:00"}]},
            {("input", "workingHours", "0", "end"): "OUT_OF_RANGE"},
        ),
        (
            {"workingHours": [*OFFICE, {"day": "MONDAY", "start": "16:00", "end": "18:00"}]},
            {("input", "workingHours"): "INVALID"},
        ),
        ({"timeZone": "Mars/Olympus"}, {("input", "timeZone"): "INVALID"}),
        ({"holidayCountry": "XX"}, {("input", "holidayCountry"): "INVALID"}),
        (
            {"holidayCountry": "US", "holidaySubdivision": "ZZ"},
            {("input", "holidaySubdivision"): "INVALID"},
        ),
        ({"name": ""}, {("input", "name"): "REQUIRED"}),
    ],
)
async def test_a_bad_calendar_is_refused_and_nothing_is_written(gql, db, changes, problems):
    data = {"name": "Office", "timeZone": "UTC", "workingHours": OFFICE} | changes
    payload = (await gql.data(CALENDAR, {"input": data}))["createBusinessCalendar"]
    assert payload["businessCalendar"] is None
    assert {tuple(e["field"]): e["code"] for e in payload["userErrors"]} == problems
    assert await BusinessCalendar.all().count() == 0


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"firstResponseMinutes": 0}, {("input", "firstResponseMinutes"): "OUT_OF_RANGE"}),
        (
            {"firstResponseMinutes": -5, "resolutionMinutes": 0},
            {
                ("input", "firstResponseMinutes"): "OUT_OF_RANGE",
                ("input", "resolutionMinutes"): "OUT_OF_RANGE",
            },
        ),
        ({"calendar": "VXNlcjox"}, {("input", "calendar"): "INVALID_ID"}),
    ],
)
async def test_targets_must_be_positive_and_nothing_is_written(gql, db, changes, problems):
    calendar = await make_calendar()
    data = {
        "name": "Normal",
        "priority": "NORMAL",
        "calendar": gid(calendar),
        "firstResponseMinutes": 60,
        "resolutionMinutes": 480,
    } | changes
    payload = (await gql.data(POLICY, {"input": data}))["createSlaPolicy"]
    assert payload["slaPolicy"] is None
    assert {tuple(e["field"]): e["code"] for e in payload["userErrors"]} == problems
    assert await SlaPolicy.all().count() == 0


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.SALES, Role.MARKETING, Role.ANALYST])
async def test_only_management_changes_calendars_and_policies(gql_as, db, role):
    client = await gql_as(role)
    payload = (
        await client.data(
            CALENDAR, {"input": {"name": "Office", "timeZone": "UTC", "workingHours": OFFICE}}
        )
    )["createBusinessCalendar"]
    assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
    listed = await client.data("{ businessCalendars { totalCount } slaPolicies { totalCount } }")
    assert listed == {"businessCalendars": {"totalCount": 0}, "slaPolicies": {"totalCount": 0}}
