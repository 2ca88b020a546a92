"""Demo data of sales automation: a web form, leads in every status (some converted),
tasks (some overdue, some due today, some done), two assignment rules and three
automation rules that fire in ``serve --demo`` (create a lead, or move an opportunity
to NEGOTIATION, and watch the owner and the task appear).

The number of leads is the seed option ``leads`` (default :data:`LEADS_PER_CUSTOMER`
per customer, at most :data:`MAX_LEADS`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from tortoise.transactions import in_transaction

from crm_graphql.api.roles import Role
from crm_graphql.domains.automation.models import (
    AssignmentKind,
    AssignmentRule,
    AutomationAction,
    AutomationEntity,
    AutomationRule,
    AutomationTrigger,
)
from crm_graphql.domains.leads.models import Lead, LeadForm, LeadSource, LeadStatus
from crm_graphql.domains.tasks.models import Task, TaskPriority, TaskStatus

LEADS_PER_CUSTOMER = 0.2
MAX_LEADS = 5000
FORM_KEY = "demo-contact-form"
STATUSES = (
    (LeadStatus.NEW, 30),
    (LeadStatus.CONTACTED, 25),
    (LeadStatus.QUALIFIED, 15),
    (LeadStatus.UNQUALIFIED, 15),
    (LeadStatus.CONVERTED, 15),
)
SOURCES = tuple(LeadSource)
COUNTRIES = ("DE", "AT", "CH", "US", "GB", "FR", "NL", None)
FIRST = ("Ada", "Grace", "Alan", "Linus", "Margaret", "Tim", "Barbara", "Ken", "Frances")
LAST = ("Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Berners-Lee", "Liskov")
TASK_TITLES = ("Call back", "Send the brochure", "Book a demo", "Follow up by e-mail")


class Run(Protocol):
    """What the step reads of a demo run (see ``crm_graphql.demo.steps.DemoRun``)."""

    customer_ids: list[int]
    staff: dict[Role, list[int]]
    batch_size: int
    now: datetime
    options: Any

    def rng(self, name: str) -> Any: ...


async def _rules(sales: list[int], admin: int | None) -> None:
    """Two assignment rules and three automation rules."""
    europe = sales[: max(1, len(sales) // 2)]
    await AssignmentRule.create(
        name="DACH territory",
        kind=AssignmentKind.TERRITORY,
        position=1,
        territories={"DE": europe, "AT": europe, "CH": europe},
    )
    await AssignmentRule.create(
        name="Everyone else, in turn", kind=AssignmentKind.ROUND_ROBIN, position=2, user_ids=sales
    )
    await AutomationRule.create(
        name="Call web-form leads within a day",
        entity=AutomationEntity.LEAD,
        trigger=AutomationTrigger.CREATED,
        condition={"source": {"eq": "WEB_FORM"}},
        action=AutomationAction.CREATE_TASK,
        params={
            "title": "Call {name} (web form)",
            "assignee": "OWNER",
            "priority": "HIGH",
            "due_in_days": 1,
        },
        created_by_id=admin,
    )
    await AutomationRule.create(
        name="Contract when negotiating",
        entity=AutomationEntity.OPPORTUNITY,
        trigger=AutomationTrigger.FIELD_CHANGED,
        field="stage",
        to_value="NEGOTIATION",
        action=AutomationAction.CREATE_TASK,
        params={
            "title": "Prepare the contract for {name}",
            "assignee": "OWNER",
            "priority": "NORMAL",
            "due_in_days": 3,
        },
        created_by_id=admin,
    )
    await AutomationRule.create(
        name="Lead still NEW after a day",
        entity=AutomationEntity.LEAD,
        trigger=AutomationTrigger.TIME_AFTER_CREATED,
        delay_hours=24,
        condition={"status": {"eq": "NEW"}},
        action=AutomationAction.CREATE_TASK,
        params={
            "title": "{name} waits since yesterday",
            "assignee": "OWNER",
            "priority": "HIGH",
            "due_in_days": 0,
        },
        created_by_id=admin,
    )


async def seed_automation(run: Run) -> dict[str, int]:
    """Write the demo form, leads, tasks and rules; returns the rows per table."""
    count = int(
        run.options.get("leads", min(MAX_LEADS, round(len(run.customer_ids) * LEADS_PER_CUSTOMER)))
    )
    sales = run.staff.get(Role.SALES, [])
    if count <= 0 or not sales:
        return {}
    rng = run.rng("automation")
    admins = run.staff.get(Role.ADMIN, [])
    weights = [w for _, w in STATUSES]
    real_now = datetime.now(UTC)
    async with in_transaction():
        form = await LeadForm.create(name="Website contact form", key=FORM_KEY)
        await _rules(sales, admins[0] if admins else None)
        leads = []
        for n in range(count):
            status = rng.choices([s for s, _ in STATUSES], weights)[0]
            created = run.now - timedelta(days=rng.uniform(0, 365))
            converted = status == LeadStatus.CONVERTED
            source = rng.choice(SOURCES)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            leads.append(
                Lead(
                    first_name=first,
                    last_name=last,
                    email=f"{first}.{last}.{n}@lead.example".lower(),
                    company_name=f"{last} {rng.choice(('GmbH', 'Ltd', 'Inc', 'BV'))}",
                    country=rng.choice(COUNTRIES),
                    source=source,
                    status=status,
                    score=rng.randint(0, 100),
                    owner_id=None
                    if status == LeadStatus.NEW and rng.random() < 0.3
                    else rng.choice(sales),
                    form_id=form.pk if source == LeadSource.WEB_FORM else None,
                    marketing_consent=rng.random() < 0.5,
                    created_at=created,
                    converted_at=created + timedelta(days=rng.uniform(1, 40))
                    if converted
                    else None,
                    converted_customer_id=rng.choice(run.customer_ids)
                    if converted and run.customer_ids
                    else None,
                )
            )
        await Lead.bulk_create(leads, batch_size=run.batch_size)
        lead_ids = [
            pk for pk in await Lead.filter(form_id__isnull=True).values_list("id", flat=True)
        ]
        lead_ids += list(await Lead.filter(form_id=form.pk).values_list("id", flat=True))
        tasks = []
        for pk in rng.sample(lead_ids, min(len(lead_ids), max(10, count // 2))):
            roll = rng.random()
            due = real_now + timedelta(hours=rng.uniform(-96, 96))
            if roll < 0.2:
                due = real_now.replace(hour=23, minute=0, second=0, microsecond=0)
            done = roll > 0.8
            tasks.append(
                Task(
                    title=rng.choice(TASK_TITLES),
                    due_at=due,
                    priority=rng.choice(tuple(TaskPriority)),
                    status=TaskStatus.DONE if done else TaskStatus.OPEN,
                    completed_at=due if done else None,
                    assignee_id=rng.choice(sales),
                    lead_id=pk,
                )
            )
        for pk in rng.sample(run.customer_ids, min(len(run.customer_ids), max(5, count // 4))):
            tasks.append(
                Task(
                    title=rng.choice(TASK_TITLES),
                    due_at=real_now + timedelta(hours=rng.uniform(-72, 240)),
                    assignee_id=rng.choice(sales),
                    customer_id=pk,
                )
            )
        await Task.bulk_create(tasks, batch_size=run.batch_size)
    return {
        "lead_form": 1,
        "lead": len(leads),
        "task": len(tasks),
        "assignment_rule": 2,
        "automation_rule": 3,
    }
