"""`me { permissions }` tells a screen what the viewer may read and change."""

from __future__ import annotations

import pytest

from crm_graphql.api.permissions import may_change
from crm_graphql.api.roles import Role

QUERY = "{ me { role permissions { type field canRead canWrite } } }"


def _table(data: dict) -> dict[tuple[str, str], tuple[bool, bool]]:
    return {
        (p["type"], p["field"]): (p["canRead"], p["canWrite"]) for p in data["me"]["permissions"]
    }


async def test_analyst_sees_what_is_hidden_and_may_change_nothing(gql_as, db):
    table = _table(await (await gql_as(Role.ANALYST)).data(QUERY))
    assert table[("Customer", "email")] == (False, False)
    assert table[("Customer", "lastName")] == (True, False)
    assert table[("Customer", "lifetimeValue")][0] is True
    assert not any(can_write for _, can_write in table.values())


async def test_marketing_may_change_consent_and_tags_only(gql_as, db):
    table = _table(await (await gql_as(Role.MARKETING)).data(QUERY))
    # Besides its own records: segments, campaigns and their members, leads and tasks.
    own = {"Segment", "Campaign", "CampaignMember", "Lead", "Task"}
    writable = {key for key, (_, can_write) in table.items() if can_write and key[0] not in own}
    assert writable == {
        ("Customer", "marketingConsent"),
        ("Customer", "tags"),
        ("Customer", "consents"),
    }
    assert table[("Campaign", "budget")] == (True, True)
    assert table[("Lead", "status")][1] and table[("Task", "title")][1]
    assert table[("Order", "total")] == (False, False)


async def test_admin_reads_and_changes_everything(gql_as, db):
    table = _table(await (await gql_as(Role.ADMIN)).data(QUERY))
    assert all(can_read for can_read, _ in table.values())
    assert table[("User", "email")] == (True, True)


@pytest.mark.parametrize(
    ("role", "type_name", "fields", "is_owner", "allowed"),
    [
        (Role.SALES, "Customer", ["email"], True, True),
        (Role.SALES, "Customer", ["email"], False, False),
        (Role.SALES, "Opportunity", ["stage"], False, False),
        (Role.SALES, "Product", ["name"], True, False),
        (Role.SUPPORT, "Interaction", ["body"], True, True),
        (Role.SUPPORT, "Interaction", ["body"], False, False),
        (Role.SUPPORT, "Customer", ["email"], True, False),
        (Role.MARKETING, "Customer", ["tags", "marketingConsent"], False, True),
        (Role.MARKETING, "Customer", ["tags", "email"], False, False),
        (Role.ANALYST, "Customer", ["tags"], True, False),
        (Role.MANAGER, "Order", ["status"], False, True),
        (Role.MANAGER, "User", ["role"], False, False),
        (Role.ADMIN, "User", ["role"], False, True),
    ],
)
def test_row_level_change_rules(role, type_name, fields, is_owner, allowed):
    assert may_change(role, type_name, fields, is_owner=is_owner) is allowed
