"""Web-form capture: a public submission becomes a lead, or attaches to the open lead
or the customer with the same e-mail (the visitor is never told which).

The fields a form may send (form-encoded or JSON; camelCase or snake_case): ``email``,
``name`` or ``firstName`` and ``lastName``, ``phone``, ``company``, ``jobTitle``,
``country``, ``region``, ``message``, ``marketingConsent``, ``contactConsent``,
``utm_campaign`` (or ``campaign``: the tracking code of the campaign whose link brought
the visitor), and the honeypot ``website``, which people never see and bots fill in.

The lead comes from the campaign whose tracking code the submission carries, else from
the form's campaign; an unknown code is kept in the form data only (the visitor is not
told).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from crm_graphql.api import audit, validation
from crm_graphql.api.aggregation import rollups
from crm_graphql.api.entities import entity_of
from crm_graphql.api.mutations.changes import Changed, changed
from crm_graphql.api.mutations.problems import Problems, UserErrorCode
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.interactions.models import Channel, Direction, Interaction
from crm_graphql.domains.leads.models import (
    OPEN_LEAD_STATUSES,
    Lead,
    LeadForm,
    LeadSource,
)
from crm_graphql.domains.marketing.models import Campaign

HONEYPOT = "website"
#: Longest value of one field, and most fields of one submission.
MAX_FIELD_LENGTH = 2000
MAX_FIELDS = 30
TRUE = {"1", "true", "on", "yes"}
ALIASES = {
    "firstName": "first_name",
    "lastName": "last_name",
    "jobTitle": "job_title",
    "company": "company_name",
    "companyName": "company_name",
    "marketingConsent": "marketing_consent",
    "contactConsent": "contact_consent",
    "utmCampaign": "utm_campaign",
    "campaign": "utm_campaign",
}
#: Longest tracking code looked up.
MAX_CODE_LENGTH = 100


@dataclass
class Submission:
    """The outcome of one submission, for the endpoint (never shown to the visitor
    beyond accepted / refused)."""

    accepted: bool
    errors: list[dict[str, Any]]
    outcome: str = "refused"  # created, attached_lead, attached_customer, ignored


def normalised(raw: Mapping[str, Any]) -> dict[str, str]:
    """Field names in snake_case, values as trimmed text."""
    fields: dict[str, str] = {}
    for name, value in raw.items():
        key = ALIASES.get(name, name)
        fields[key] = value.strip() if isinstance(value, str) else str(value)
    return fields


def _person(problems: Problems, fields: dict[str, str], region: str) -> dict[str, Any]:
    first, last = fields.get("first_name"), fields.get("last_name")
    if not last and fields.get("name"):
        parts = fields["name"].rsplit(" ", 1)
        first, last = (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])
    values: dict[str, Any] = {
        "first_name": validation.text(problems, ["firstName"], first, max_length=100),
        "last_name": validation.text(problems, ["lastName"], last, max_length=100),
        "email": validation.email(problems, ["email"], fields.get("email")),
        "phone": validation.phone(problems, ["phone"], fields.get("phone"), region),
        "company_name": validation.text(
            problems, ["company"], fields.get("company_name"), max_length=200
        ),
        "job_title": validation.text(
            problems, ["jobTitle"], fields.get("job_title"), max_length=120
        ),
        "country": validation.country(problems, ["country"], fields.get("country")),
        "region": validation.text(problems, ["region"], fields.get("region"), max_length=100),
        "notes": validation.text(problems, ["message"], fields.get("message"), max_length=2000),
        "marketing_consent": fields.get("marketing_consent", "").lower() in TRUE,
        "contact_consent": fields.get("contact_consent", "").lower() in TRUE,
    }
    if values["email"] is None and values["phone"] is None and not problems.errors:
        problems.add(
            ["email"], "An e-mail address or a phone number is required.", UserErrorCode.REQUIRED
        )
    if values["last_name"] is None:
        values["last_name"] = (values["email"] or values["phone"] or "").split("@")[0][:100]
    return values


async def submit(
    form: LeadForm, raw: Mapping[str, Any], *, region: str, client_address: str | None
) -> Submission:
    """Check and record one submission to ``form``, in one transaction."""
    if len(raw) > MAX_FIELDS:
        return Submission(False, [{"field": None, "message": "Too many fields."}])
    too_long = [name for name, value in raw.items() if len(str(value)) > MAX_FIELD_LENGTH]
    if too_long:
        return Submission(
            False,
            [{"field": n, "message": f"At most {MAX_FIELD_LENGTH} characters."} for n in too_long],
        )
    fields = normalised(raw)
    if fields.get(HONEYPOT):
        return Submission(True, [], "ignored")
    problems = Problems(None)
    values = _person(problems, fields, region)
    if problems.errors:
        return Submission(
            False, [{"field": e.field[-1], "message": e.message} for e in problems.errors]
        )
    values["campaign_id"] = await campaign_of(form, fields.get("utm_campaign"))
    data = {k: v for k, v in fields.items() if k != HONEYPOT}
    meta = audit.AuditMeta(actor_label=f"form {form.key}", client_address=client_address)
    lead_entity = entity_of(Lead)
    assert lead_entity is not None
    outcome = await _record(form, values, data, meta, lead_entity)
    # Counted after the commit: the form's row is shared by every submission, and a lock
    # on it held through the transaction would put all of them in one queue.
    await LeadForm.filter(pk=form.pk).update(submissions=F("submissions") + 1)
    return Submission(True, [], outcome)


async def campaign_of(form: LeadForm, code: str | None) -> int | None:
    """The campaign a submission comes from: the one whose tracking code it carries,
    else the form's (None when neither)."""
    if code and len(code) <= MAX_CODE_LENGTH:
        found = await Campaign.filter(tracking_code=code).only("id").first()
        if found is not None:
            return found.pk
    return form.campaign_id


async def _record(
    form: LeadForm, values: dict[str, Any], data: dict[str, str], meta: Any, lead_entity: Any
) -> str:
    """Write one checked submission, in one transaction; returns what it became."""
    async with in_transaction():
        email = values["email"]
        if email is not None:
            existing = (
                await Lead.filter(email=email, status__in=OPEN_LEAD_STATUSES)
                .order_by("-created_at")
                .first()
            )
            if existing is not None:
                # Fill in what the lead lacks; never overwrite what staff entered.
                missing = {
                    k: v
                    for k, v in values.items()
                    if v not in (None, False) and getattr(existing, k) in (None, "")
                }
                await Lead.filter(pk=existing.pk).update(
                    **missing,
                    submissions=F("submissions") + 1,
                    form_data=data,
                    updated_at=datetime.now(UTC),
                )
                after = await Lead.get(pk=existing.pk)
                changes = {**missing, "submissions": after.submissions, "form_id": form.pk}
                await audit.record(
                    "lead.form_submission",
                    meta,
                    entity_type="Lead",
                    entity_id=existing.pk,
                    changes=changes,
                )
                await changed(
                    Changed(lead_entity, "form_submission", existing.pk, existing, after, changes)
                )
                return "attached_lead"
            customer = (
                await Customer.filter(email=email, deleted_at__isnull=True).order_by("id").first()
            )
            if customer is not None:
                visit = await Interaction.create(
                    customer_id=customer.pk,
                    channel=Channel.WEB_VISIT,
                    direction=Direction.INBOUND,
                    subject=f"Web form: {form.name}"[:200],
                    body=values["notes"],
                    occurred_at=datetime.now(UTC),
                )
                await rollups.record(Interaction, None, visit)
                await audit.record(
                    "customer.form_submission",
                    meta,
                    entity_type="Customer",
                    entity_id=customer.pk,
                    changes={"form_id": form.pk},
                )
                return "attached_customer"
        lead = await Lead.create(
            **values, source=LeadSource.WEB_FORM, form_id=form.pk, form_data=data
        )
        changes = {**values, "source": LeadSource.WEB_FORM.value, "form_id": form.pk}
        await audit.record(
            "lead.create",
            meta,
            entity_type="Lead",
            entity_id=lead.pk,
            changes=changes,
        )
        await changed(Changed(lead_entity, "create", lead.pk, None, lead, changes))
    return "created"
