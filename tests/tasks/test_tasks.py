"""Tasks: creation and validation, reminders as scheduled events, completing and
reopening, row rules, myTasks with overdue and due-today filters, nested lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm_graphql.api.roles import Role
from crm_graphql.domains.leads.models import Lead
from crm_graphql.domains.tasks.models import Task, TaskStatus
from crm_graphql.events import ScheduledEvent
from tests.factories import gid, make_customer, make_opportunity, make_user
from tests.helpers import count_statements

FIELDS = (
    "id title dueAt remindAt status priority overdue version assignee { name } completedBy { name }"
)
CREATE = f"""mutation($input: CreateTaskInput!) {{ createTask(input: $input) {{
  task {{ {FIELDS} }} userErrors {{ field code }} }} }}"""
COMPLETE = f"""mutation($id: ID!, $version: Int!) {{ completeTask(id: $id, version: $version) {{
  task {{ {FIELDS} }} userErrors {{ field code }} }} }}"""
REOPEN = f"""mutation($id: ID!, $version: Int!) {{ reopenTask(id: $id, version: $version) {{
  task {{ {FIELDS} }} userErrors {{ field code }} }} }}"""


def _at(**delta) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(**delta)


async def _scheduled() -> dict[str, str]:
    return {row.key: row.type for row in await ScheduledEvent.all()}


async def test_create_assigns_the_caller_and_schedules_reminder_and_due_events(gql, db):
    customer = await make_customer()
    payload = (
        await gql.data(
            CREATE,
            {
                "input": {
                    "title": "Call back",
                    "dueAt": _at(days=2).isoformat(),
                    "remindAt": _at(days=1).isoformat(),
                    "customer": gid(customer),
                    "priority": "HIGH",
                }
            },
        )
    )["createTask"]
    assert payload["userErrors"] == []
    task = payload["task"]
    assert (task["status"], task["priority"], task["overdue"]) == ("OPEN", "HIGH", False)
    assert task["assignee"] == {"name": gql.user.name}
    pk = (await Task.get()).pk
    assert await _scheduled() == {
        f"task:{pk}:reminder": "task.reminder_due",
        f"task:{pk}:due": "task.due",
    }


async def test_bad_input_is_refused_and_nothing_is_scheduled(gql, db):
    gone = await make_user(Role.SALES, is_active=False)
    payload = (
        await gql.data(
            CREATE,
            {
                "input": {
                    "title": "",
                    "dueAt": _at(days=1).isoformat(),
                    "remindAt": _at(days=3).isoformat(),
                    "assignee": gid(gone),
                    "lead": "bm90LWFuLWlk",
                }
            },
        )
    )["createTask"]
    assert sorted(e["field"][-1] for e in payload["userErrors"]) == [
        "assignee",
        "lead",
        "remindAt",
        "title",
    ]
    assert await Task.all().count() == 0 and await ScheduledEvent.all().count() == 0


async def test_complete_drops_the_reminder_and_reopen_brings_it_back(gql, db):
    task = await Task.create(
        title="Send quote", due_at=_at(days=3), remind_at=_at(days=2), assignee_id=gql.user.pk
    )
    done = (await gql.data(COMPLETE, {"id": gid(task), "version": 1}))["completeTask"]
    assert done["task"]["status"] == "DONE"
    assert done["task"]["completedBy"] == {"name": gql.user.name}
    assert await _scheduled() == {}
    again = (await gql.data(COMPLETE, {"id": gid(task), "version": 2}))["completeTask"]
    assert again["userErrors"][0]["code"] == "INVALID_TRANSITION"
    reopened = (await gql.data(REOPEN, {"id": gid(task), "version": 2}))["reopenTask"]
    assert (reopened["task"]["status"], reopened["task"]["completedBy"]) == ("OPEN", None)
    assert set(await _scheduled()) == {f"task:{task.pk}:reminder", f"task:{task.pk}:due"}


async def test_assignees_change_their_own_tasks_managers_every_task(gql_as, db):
    sales = await gql_as(Role.SALES)
    other = await make_user(Role.SALES)
    mine = await Task.create(title="Mine", due_at=_at(days=1), assignee_id=sales.user.pk)
    theirs = await Task.create(title="Theirs", due_at=_at(days=1), assignee_id=other.pk)
    ok = (await sales.data(COMPLETE, {"id": gid(mine), "version": 1}))["completeTask"]
    assert ok["userErrors"] == []
    refused = (await sales.data(COMPLETE, {"id": gid(theirs), "version": 1}))["completeTask"]
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"
    assert (await Task.get(pk=theirs.pk)).status == TaskStatus.OPEN
    manager = await gql_as(Role.MANAGER)
    done = (await manager.data(COMPLETE, {"id": gid(theirs), "version": 1}))["completeTask"]
    assert done["userErrors"] == []


async def test_my_tasks_shows_only_the_callers_and_filters_overdue_and_due_today(gql_as, db):
    sales = await gql_as(Role.SALES)
    other = await make_user(Role.SALES)
    now = datetime.now(UTC)
    late = await Task.create(
        title="Late", due_at=now - timedelta(hours=30), assignee_id=sales.user.pk
    )
    end_of_day = now.replace(hour=23, minute=59, second=0, microsecond=0)
    today = await Task.create(title="Today", due_at=end_of_day, assignee_id=sales.user.pk)
    await Task.create(title="Later", due_at=now + timedelta(days=5), assignee_id=sales.user.pk)
    await Task.create(
        title="Done late",
        due_at=now - timedelta(days=2),
        assignee_id=sales.user.pk,
        status=TaskStatus.DONE,
    )
    await Task.create(title="Not mine", due_at=now - timedelta(days=1), assignee_id=other.pk)
    everything = await sales.data("{ myTasks { totalCount nodes { title } } }")
    assert everything["myTasks"]["totalCount"] == 4
    overdue = await sales.data(
        "{ myTasks(filter: { due: { overdue: true } }) { nodes { id overdue } } }"
    )
    assert overdue["myTasks"]["nodes"] == [{"id": gid(late), "overdue": True}]
    due_today = await sales.data("{ myTasks(filter: { due: { today: true } }) { nodes { id } } }")
    assert {"id": gid(today)} in due_today["myTasks"]["nodes"]
    assert {"id": gid(late)} not in due_today["myTasks"]["nodes"]
    bad = await sales.execute(
        '{ myTasks(filter: { due: { today: true, timeZone: "Mars/Base" } }) { totalCount } }'
    )
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_nested_task_lists_read_in_constant_statements(gql, db):
    query = """{ customers { nodes { tasks { totalCount nodes { title assignee { name } } } } }
      leads { nodes { tasks { nodes { title } } } }
      opportunities { nodes { tasks { nodes { title } } } } }"""

    async def add(n: int) -> None:
        for _ in range(n):
            customer = await make_customer()
            lead = await Lead.create(last_name="L")
            opportunity = await make_opportunity(customer)
            user = await make_user(Role.SALES)
            for field in ("customer_id", "lead_id", "opportunity_id"):
                await Task.create(
                    title="T",
                    due_at=_at(days=1),
                    assignee_id=user.pk,
                    **{
                        field: {
                            "customer_id": customer.pk,
                            "lead_id": lead.pk,
                            "opportunity_id": opportunity.pk,
                        }[field]
                    },
                )

    await add(2)
    with count_statements() as few:
        small = await gql.data(query)
    await add(6)
    with count_statements() as many:
        large = await gql.data(query)
    assert len(small["customers"]["nodes"]) == 2 and len(large["customers"]["nodes"]) == 8
    assert all(n["tasks"]["totalCount"] == 1 for n in large["customers"]["nodes"])
    assert len(few) == len(many), (few, many)
