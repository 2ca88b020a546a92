"""What can be imported from CSV, and how a row becomes a record's values.

One :class:`Kind` per importable list (customers, companies, leads, interactions): the
fields a column can go to (with the header spellings that suggest them), the fields that
must be mapped, the mutation's own validation, the keys a row is matched on for the
duplicate policy, and the references a row names by e-mail or external ID (resolved for
a whole batch at once, see :func:`resolve_references`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from types import SimpleNamespace
from typing import Any

from strawberry.types.unset import UNSET
from tortoise import connections
from tortoise.functions import Lower
from tortoise.models import Model
from tortoise.queryset import QuerySet

from crm_graphql.api.conditions import lookup_q
from crm_graphql.api.mutations.problems import Problems
from crm_graphql.api.mutations.writes import Change
from crm_graphql.domains.customers import services as customer_services
from crm_graphql.domains.customers.models import (
    Company,
    Customer,
    CustomerSource,
    LifecycleStage,
    SizeBand,
)
from crm_graphql.domains.interactions import services as interaction_services
from crm_graphql.domains.interactions.models import Channel, Direction, Interaction
from crm_graphql.domains.leads import services as lead_services
from crm_graphql.domains.leads.models import Lead, LeadSource
from crm_graphql.domains.users.models import User
from crm_graphql.events.sql import is_mysql
from crm_graphql.settings import Settings

#: A parser's answer for an empty cell that leaves the field out (the default applies).
NOT_GIVEN: Any = UNSET


class CellError(ValueError):
    """A cell whose text is not a value of its field's type (the message says why)."""


Parse = Callable[[str], Any]


@dataclass(frozen=True)
class Target:
    """A field a CSV column can go to."""

    #: The input field (``email``), address part (``address.city``) or reference
    #: (``customer.email``).
    name: str
    #: Header spellings that suggest this field (compared without case and punctuation).
    synonyms: tuple[str, ...]
    #: Text to value (raises :class:`CellError`); None: trimmed text, empty is null.
    parse: Parse | None = None


def _targets(*rows: tuple[str, str] | tuple[str, str, Parse]) -> tuple[Target, ...]:
    return tuple(Target(row[0], tuple(row[1].split()), *row[2:]) for row in rows)


# --------------------------------------------------------------------------- cell types


def enum_of(enum: type[Enum]) -> Parse:
    """An enum member by name, any case, spaces for underscores (empty: not given)."""
    names = ", ".join(str(member.value) for member in enum)

    def parse(text: str) -> Any:
        if not text:
            return NOT_GIVEN
        try:
            return enum(text.upper().replace(" ", "_").replace("-", "_"))
        except ValueError:
            raise CellError(f"Not one of {names}.") from None

    return parse


def boolean(text: str) -> bool:
    """``true/false``, ``yes/no``, ``y/n``, ``1/0``; empty is false."""
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "y"):
        return True
    if lowered in ("", "0", "false", "no", "n"):
        return False
    raise CellError("Not true or false.")


def iso_date(text: str) -> Any:
    if not text:
        return NOT_GIVEN
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CellError("Not a date (YYYY-MM-DD).") from None


def iso_datetime(text: str) -> Any:
    """ISO 8601 date and time (``2026-11-30T09:30:00Z``, ``2026-11-30 09:30``) or a date
    (midnight); without a zone it is UTC."""
    if not text:
        return NOT_GIVEN
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CellError("Not a date and time (ISO 8601, e.g. 2026-11-30T09:30:00Z).") from None
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


def integer(text: str) -> Any:
    if not text:
        return NOT_GIVEN
    try:
        return int(text)
    except ValueError:
        raise CellError("Not a whole number.") from None


def tag_list(text: str) -> list[str]:
    """Tags split on ``;``, ``,`` or ``|``."""
    return [t for t in re.split(r"[;,|]", text) if t.strip()] if text else []


def domain_of(text: str) -> str | None:
    """A website or domain as its domain: lower case, without scheme, path or ``www.``."""
    domain = re.sub(r"^[a-z]+://", "", text.lower()).split("/", 1)[0]
    return domain.removeprefix("www.") or None


ADDRESS_TARGETS = _targets(
    ("address.line1", "address addressline1 street address1 streetaddress"),
    ("address.line2", "addressline2 address2"),
    ("address.city", "city town"),
    ("address.region", "region state province county"),
    ("address.postalCode", "postalcode zip zipcode postcode plz"),
    ("address.country", "country countrycode"),
)

# --------------------------------------------------------------------------- kinds

Prepare = Callable[[Change], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Kind:
    """An importable list."""

    entity: str
    model: type[Model]
    targets: tuple[Target, ...]
    #: Each entry: at least one of these fields must be mapped.
    required: tuple[tuple[str, ...], ...]
    #: Every field of the create input, not given unless the row gives it.
    input_fields: tuple[str, ...]
    #: The mutation's validation: the input's fields as column values.
    prepare: Prepare
    #: Columns that match an existing record (duplicate policy), normalised by
    #: :func:`match_keys`; empty: every row creates a record.
    match_on: tuple[str, ...] = ()
    #: Input fields given as null when the file leaves them out (the create input's
    #: defaults: a required field left empty is then the mutation's own error).
    input_nulls: tuple[str, ...] = ()
    #: Column values of every created record unless the row sets them.
    defaults: Mapping[str, Any] = field(default_factory=dict)
    #: Created records are owned by whoever imports them.
    owned: bool = True
    #: Event types written for every created record, whether or not a webhook endpoint
    #: receives them (automation listens to new leads).
    always_emit: tuple[str, ...] = ()

    @functools.cached_property
    def target_names(self) -> frozenset[str]:
        return frozenset(target.name for target in self.targets)

    @functools.cached_property
    def parsers(self) -> Mapping[str, Parse | None]:
        return {target.name: target.parse for target in self.targets}


async def _lead_fields(change: Change) -> dict[str, Any]:
    return await lead_services.lead_fields(change, creating=True)


async def _interaction_fields(change: Change) -> dict[str, Any]:
    # The customer and the author are references resolved for the whole batch.
    return await interaction_services.interaction_fields(change, None)


KINDS: Mapping[str, Kind] = {
    kind.entity: kind
    for kind in (
        Kind(
            entity="customers",
            model=Customer,
            targets=_targets(
                ("firstName", "firstname first givenname forename vorname"),
                ("lastName", "lastname last surname familyname nachname"),
                ("email", "email emailaddress mail"),
                ("phone", "phone telephone phonenumber mobile tel telefon"),
                ("jobTitle", "jobtitle title position"),
                ("lifecycleStage", "lifecyclestage stage lifecycle", enum_of(LifecycleStage)),
                ("source", "source leadsource", enum_of(CustomerSource)),
                ("marketingConsent", "marketingconsent consent optin", boolean),
                ("birthDate", "birthdate birthday dateofbirth dob", iso_date),
                ("tags", "tags labels", tag_list),
                ("externalId", "externalid customerid customernumber customerno"),
            )
            + ADDRESS_TARGETS,
            required=(("firstName",), ("lastName",)),
            input_fields=(
                "first_name",
                "last_name",
                "email",
                "phone",
                "job_title",
                "company",
                "owner",
                "lifecycle_stage",
                "source",
                "address",
                "birth_date",
                "marketing_consent",
                "tags",
                "custom_fields",
                "external_id",
            ),
            prepare=customer_services.customer_fields,
            match_on=("email", "phone", "external_id"),
        ),
        Kind(
            entity="companies",
            model=Company,
            targets=_targets(
                ("name", "name company companyname organisation organization"),
                ("domain", "domain website web url", domain_of),
                ("industry", "industry sector"),
                ("sizeBand", "sizeband size", enum_of(SizeBand)),
                ("phone", "phone telephone phonenumber tel"),
            )
            + ADDRESS_TARGETS,
            required=(("name",),),
            input_fields=("name", "domain", "industry", "size_band", "phone", "address", "owner"),
            prepare=customer_services.company_fields,
            match_on=("domain",),
        ),
        Kind(
            entity="leads",
            model=Lead,
            targets=_targets(
                ("firstName", "firstname first givenname forename vorname"),
                ("lastName", "lastname last surname familyname nachname name"),
                ("email", "email emailaddress mail"),
                ("phone", "phone telephone phonenumber mobile tel telefon"),
                ("companyName", "companyname company organisation organization firma"),
                ("jobTitle", "jobtitle title position"),
                ("country", "country countrycode"),
                ("region", "region state province county"),
                ("source", "source leadsource", enum_of(LeadSource)),
                ("score", "score leadscore rating", integer),
                ("notes", "notes note comments comment description"),
                ("marketingConsent", "marketingconsent consent optin", boolean),
                ("contactConsent", "contactconsent contactoptin", boolean),
            ),
            required=(("lastName",),),
            input_fields=(
                "first_name",
                "last_name",
                "email",
                "phone",
                "company_name",
                "job_title",
                "country",
                "region",
                "source",
                "score",
                "notes",
                "marketing_consent",
                "contact_consent",
                "owner",
                # Not a column of the file: imported leads come from no campaign.
                "campaign",
            ),
            prepare=_lead_fields,
            match_on=("email", "phone"),
            defaults={"source": LeadSource.IMPORT},
            # Like a web form's leads: no owner, the assignment rules pick one when they
            # see ``lead.created``.
            owned=False,
            always_emit=("lead.created",),
        ),
        Kind(
            entity="interactions",
            model=Interaction,
            targets=_targets(
                ("customer.email", "customeremail email emailaddress contactemail mail"),
                ("customer.externalId", "customerexternalid externalid customerid customerno"),
                ("author.email", "authoremail author user recordedby owneremail owner"),
                ("channel", "channel medium type", enum_of(Channel)),
                ("direction", "direction", enum_of(Direction)),
                ("subject", "subject summary title"),
                ("body", "body text notes note content description"),
                ("occurredAt", "occurredat date datetime time when timestamp", iso_datetime),
                ("durationSeconds", "durationseconds duration seconds", integer),
                ("outcome", "outcome result"),
            ),
            required=(
                ("customer.email", "customer.externalId"),
                ("channel",),
                ("direction",),
                ("subject",),
            ),
            input_fields=(
                "channel",
                "direction",
                "subject",
                "body",
                "occurred_at",
                "duration_seconds",
                "outcome",
                "opportunity",
            ),
            prepare=_interaction_fields,
            input_nulls=(
                "channel",
                "direction",
                "subject",
                "body",
                "occurred_at",
                "duration_seconds",
                "outcome",
                "opportunity",
            ),
            owned=False,
        ),
    )
}
ENTITIES = tuple(KINDS)
#: Kept for callers that list the fields per entity.
TARGETS: Mapping[str, tuple[Target, ...]] = {name: kind.targets for name, kind in KINDS.items()}


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def suggest_mapping(entity: str, header: Sequence[str]) -> dict[str, str]:
    """CSV column -> field, from the header's spellings (first match wins)."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for column in header:
        key = _norm(column)
        for target in KINDS[entity].targets:
            if target.name not in taken and (key == _norm(target.name) or key in target.synonyms):
                mapping[column] = target.name
                taken.add(target.name)
                break
    return mapping


def check_mapping(entity: str, header: Sequence[str], mapping: Mapping[str, str]) -> list[str]:
    """What is wrong with a mapping given by the caller."""
    kind = KINDS[entity]
    known = kind.target_names
    problems = []
    for column, target in mapping.items():
        if column not in header:
            problems.append(f"column {column!r} is not in the file's header")
        if target not in known:
            problems.append(f"{target!r} is not a field of {entity}: {', '.join(sorted(known))}")
    if len(set(mapping.values())) != len(mapping):
        problems.append("two columns go to the same field")
    for names in kind.required:
        if not any(name in mapping.values() for name in names):
            which = " or ".join(names)
            problems.append(f"no column goes to {which}, which is required")
    return problems


# --------------------------------------------------------------------------- rows


@dataclass
class RowResult:
    """One row after validation."""

    number: int
    values: dict[str, Any]
    errors: list[tuple[str | None, str]] = field(default_factory=list)
    #: References by e-mail or external ID, resolved for the batch (``customer.email``).
    references: dict[str, str] = field(default_factory=dict)


@functools.cache
def snake(name: str) -> str:
    """``postalCode`` -> ``postal_code`` (``line1`` stays)."""
    return (
        re.sub(r"(?<!^)(?=[A-Z0-9])", "_", name)
        .lower()
        .replace("line_1", "line1")
        .replace("line_2", "line2")
    )


_ADDRESS_PARTS = ("line1", "line2", "city", "region", "postal_code", "country")


def input_of(
    kind: Kind, cells: Mapping[str, str]
) -> tuple[Any, list[tuple[str, str]], dict[str, str]]:
    """The mutation input a row stands for (fields not in the file are not given), the
    problems of turning text into the input's types, and the row's references."""
    problems: list[tuple[str, str]] = []
    address: dict[str, Any] = {}
    references: dict[str, str] = {}
    data = dict.fromkeys(kind.input_fields, UNSET)
    data.update(dict.fromkeys(kind.input_nulls))
    parsers = kind.parsers
    for name, raw in cells.items():
        text = raw.strip()
        if name.startswith("address."):
            address[snake(name[8:])] = text or None
            continue
        if name.startswith(("customer.", "author.")):
            if text:
                references[name] = text
            continue
        parse = parsers.get(name)
        if parse is None:
            data[snake(name)] = text or None
            continue
        try:
            value = parse(text)
        except CellError as exc:
            problems.append((name, str(exc)))
            continue
        if value is not NOT_GIVEN:
            data[snake(name)] = value
    if address:
        parts: dict[str, Any] = dict.fromkeys(_ADDRESS_PARTS)
        parts.update(address)
        data["address"] = SimpleNamespace(**parts)
    return SimpleNamespace(**data), problems, references


async def validate_row(
    entity: str, number: int, cells: Mapping[str, str], settings: Settings
) -> RowResult:
    """A row through the mutations' validation: column values or the row's problems."""
    kind = KINDS[entity]
    data, typing_problems, references = input_of(kind, cells)
    info = SimpleNamespace(context=SimpleNamespace(settings=settings))
    problems = Problems(info)  # type: ignore[arg-type]
    values = await kind.prepare(Change(problems, data))
    errors: list[tuple[str | None, str]] = list(typing_problems)
    for problem in problems.errors:
        path = [part for part in problem.field if part != "input"]
        errors.append((".".join(str(part) for part in path) or None, problem.message))
    if kind.entity == "interactions" and not (
        "customer.email" in references or "customer.externalId" in references
    ):
        errors.append(("customer", "A customer e-mail or external ID is required."))
    return RowResult(number, values, errors, references)


def match_keys(entity: str, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The normalised keys a record is matched on: e-mail (lower case), E.164 phone,
    external ID, company domain (lower case)."""
    keys = []
    for column in KINDS[entity].match_on:
        value = values.get(column)
        if value:
            text = str(value)
            keys.append((column, text if column in ("phone", "external_id") else text.lower()))
    return keys


# --------------------------------------------------------------------------- references


async def resolve_references(results: Sequence[RowResult], importer_id: int | None) -> None:
    """Turn the references of a batch's rows into IDs (one SELECT per kind of
    reference, whatever the number of rows); an unknown one is an error of its row.

    Interactions: ``customer.email`` / ``customer.externalId`` (a customer that is not
    deleted; by e-mail without regard to case) and ``author.email`` (a user; the
    importer when the cell is empty).
    """
    wanted: dict[str, set[str]] = {}
    for result in results:
        for name, text in result.references.items():
            wanted.setdefault(name, set()).add(text)
    found: dict[str, dict[str, int]] = {}
    emails = wanted.get("customer.email")
    if emails:
        query = email_in(Customer.filter(deleted_at=None), "email", emails).order_by("id")
        found["customer.email"] = {}
        for pk, email in await _pairs(query):
            found["customer.email"].setdefault(email.lower(), pk)
    external = wanted.get("customer.externalId")
    if external:
        query = Customer.filter(deleted_at=None, external_id__in=sorted(external)).order_by("id")
        found["customer.externalId"] = {}
        for pk, key in await _pairs(query, "external_id"):
            found["customer.externalId"].setdefault(key, pk)
    authors = wanted.get("author.email")
    if authors:
        found["author.email"] = {
            email.lower(): user_id
            for user_id, email in await _pairs(email_in(User.all(), "email", authors))
        }
    for result in results:
        if result.errors:
            continue
        refs = result.references
        customer_id: int | None = None
        for name in ("customer.externalId", "customer.email"):
            if name in refs:
                key = refs[name].lower() if name.endswith("email") else refs[name]
                customer_id = found[name].get(key)
                if customer_id is None:
                    result.errors.append((name, f"No customer with this {_what(name)}."))
                break
        author_id: int | None = importer_id
        if "author.email" in refs:
            author_id = found["author.email"].get(refs["author.email"].lower())
            if author_id is None:
                result.errors.append(("author.email", "No user with this e-mail."))
        if not result.errors:
            result.values["customer_id"] = customer_id
            result.values["author_id"] = author_id


def email_in(query: QuerySet[Any], column: str, emails: Iterable[str]) -> QuerySet[Any]:
    """``query`` narrowed to rows whose e-mail is one of ``emails``, without regard to
    case (MySQL's collation ignores case and keeps the index; SQLite compares lower
    case)."""
    if is_mysql(connections.get("default")):
        return query.filter(lookup_q(f"{column}__in", sorted(emails)))
    lowered = sorted({email.lower() for email in emails})
    return query.annotate(_email_lower=Lower(column)).filter(_email_lower__in=lowered)


def _what(name: str) -> str:
    return "external ID" if name.endswith("externalId") else "e-mail"


async def _pairs(query: Any, column: str = "email") -> list[tuple[int, str]]:
    return [(int(row["id"]), str(row[column])) for row in await query.values("id", column)]
