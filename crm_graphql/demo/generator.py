"""Realistic, reproducible demo data, written fast enough for millions of rows.

Two things keep it fast. Faker is slow (tens of microseconds a call), so it is called a few
thousand times up front to fill pools of names, addresses, subjects and bodies, and every
row then samples those pools with one seeded :class:`random.Random`. Rows are plain tuples
already in the form Tortoise itself would store, written with multi-row INSERTs through the
Tortoise connection, with primary keys assigned here so children can reference parents
without reading them back.

Generation and writing overlap: while one chunk of customers (with all their records) is
being written in its own transaction, the next chunk is generated.

The same seed gives the same data on every backend: nothing depends on the wall clock (dates
are spread back from :data:`REFERENCE_NOW`) and the random draws do not depend on the batch
size.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import re
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from faker import Faker
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.models import Model
from tortoise.transactions import in_transaction

from crm_graphql.api.roles import Role
from crm_graphql.db.setup import open_database
from crm_graphql.domains.customers.models import (
    Company,
    Customer,
    CustomerSource,
    LifecycleStage,
    SizeBand,
)
from crm_graphql.domains.interactions.models import Channel, Direction, Interaction
from crm_graphql.domains.orders.models import Order, OrderItem, OrderStatus, Product
from crm_graphql.domains.sales.models import STAGE_PROBABILITY, Opportunity, OpportunityStage
from crm_graphql.domains.users.models import User
from crm_graphql.modules import database_config
from crm_graphql.settings import Settings

T = TypeVar("T")

#: The "now" that dates are spread back from, fixed so that a seed always gives the same data.
REFERENCE_NOW = datetime(2026, 11, 1, tzinfo=UTC)
#: How far back the history goes.
HISTORY_DAYS = 3 * 365

#: Average number of records per customer by default (the draws are skewed; these are the
#: means). :class:`History` changes them for one run.
INTERACTIONS_PER_CUSTOMER = 20
ORDERS_PER_CUSTOMER = 5
OPPORTUNITIES_PER_CUSTOMER = 2
#: Most records of each kind one customer gets at the default means.
_CAPS = {"interactions": 600, "orders": 150, "opportunities": 40}
#: Sizes of the reference tables relative to the number of customers.
CUSTOMERS_PER_COMPANY = 4
CUSTOMERS_PER_STAFF_MEMBER = 50
MIN_STAFF = 8
PRODUCT_COUNT = 200

#: Customers generated, then written in one transaction, at a time. Fixed (not derived from
#: the batch size) so that the random draws, hence the data, do not depend on the batch size.
CHUNK_CUSTOMERS = 1000

_SECOND = 1_000_000
_DAY = 86_400 * _SECOND
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_NOW = (REFERENCE_NOW - _EPOCH) // timedelta(microseconds=1)
_START = _NOW - HISTORY_DAYS * _DAY

# --------------------------------------------------------------------------------------------
# Reference data: countries, catalogue, vocabularies
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Country:
    code: str
    weight: float
    locale: str
    currency: str
    #: E.164 number shapes: (prefix, number of random digits after it).
    phones: tuple[tuple[str, int], ...]
    #: Possible tax rates in basis points; 0 stands for exempt (B2B reverse charge, no tax).
    tax_rates_bp: tuple[int, ...]
    tld: str
    mail_domains: tuple[str, ...]


_GLOBAL_MAIL = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me")

# The weights give ~90% USD and ~10% EUR/GBP customers, as in a US business with a European
# presence; outside Europe the business invoices in USD.
COUNTRIES = (
    _Country(
        "US", 74, "en_US", "USD",
        (("+1212", 7), ("+1415", 7), ("+1312", 7), ("+1617", 7), ("+1512", 7), ("+1206", 7),
         ("+1305", 7), ("+1720", 7)),
        (0, 0, 0, 600, 625, 725, 825, 888),
        "com", (*_GLOBAL_MAIL, "aol.com", "hotmail.com"),
    ),
    _Country(
        "CA", 8, "en_CA", "USD", (("+1416", 7), ("+1604", 7), ("+1514", 7)), (500, 1300),
        "ca", (*_GLOBAL_MAIL, "rogers.com"),
    ),
    _Country(
        "AU", 5, "en_AU", "USD", (("+614", 8), ("+612", 8), ("+613", 8)), (1000,),
        "com.au", (*_GLOBAL_MAIL, "bigpond.com"),
    ),
    _Country(
        "IN", 3, "en_IN", "USD", (("+919", 9), ("+918", 9), ("+917", 9)), (1800,),
        "in", (*_GLOBAL_MAIL, "rediffmail.com"),
    ),
    _Country(
        "GB", 4, "en_GB", "GBP", (("+447", 9), ("+4420", 8), ("+44161", 7)), (2000, 2000, 0),
        "co.uk", (*_GLOBAL_MAIL, "btinternet.com", "hotmail.co.uk"),
    ),
    _Country(
        "DE", 2.5, "de_DE", "EUR", (("+4915", 9), ("+4917", 9), ("+4930", 8), ("+4989", 8)),
        (1900, 1900, 0), "de", (*_GLOBAL_MAIL, "web.de", "gmx.de", "t-online.de"),
    ),
    _Country(
        "FR", 1.5, "fr_FR", "EUR", (("+336", 8), ("+337", 8), ("+331", 8)), (2000, 2000, 0),
        "fr", (*_GLOBAL_MAIL, "orange.fr", "free.fr", "laposte.net"),
    ),
    _Country(
        "NL", 1, "nl_NL", "EUR", (("+316", 8), ("+3120", 7)), (2100, 2100, 0),
        "nl", (*_GLOBAL_MAIL, "ziggo.nl", "kpnmail.nl"),
    ),
    _Country(
        "IE", 1, "en_IE", "EUR", (("+3538", 8), ("+3531", 7)), (2300, 2300, 0),
        "ie", (*_GLOBAL_MAIL, "eircom.net"),
    ),
)  # fmt: skip

#: Catalogue currency; other currencies' prices are derived at these fixed rates.
CATALOGUE_CURRENCY = "USD"
EXCHANGE_RATES = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79}

INDUSTRIES = (
    "Software", "Retail", "Manufacturing", "Healthcare", "Financial Services", "Insurance",
    "Education", "Logistics", "Construction", "Hospitality", "Real Estate", "Media",
    "Telecommunications", "Energy", "Automotive", "Food & Beverage", "Legal Services",
    "Consulting", "Non-profit", "Government", "Pharmaceuticals", "E-commerce", "Agriculture",
    "Travel", "Marketing & Advertising", "Architecture", "Biotechnology", "Aerospace",
)  # fmt: skip

#: (code, family names, variants, price range in whole currency units, max quantity)
_CATALOGUE = (
    ("SW", ("Analytics Suite", "Sales Cloud", "Service Desk", "Marketing Hub", "Data Vault",
            "Workflow Studio", "Commerce Engine", "Insight Dashboards", "Field Service",
            "Partner Portal"),
     ("Starter plan, annual", "Team plan, annual", "Business plan, annual",
      "Enterprise plan, annual", "Team plan, monthly", "Business plan, monthly"),
     (300, 25_000), 25),
    ("SV", ("Onboarding", "Implementation", "Data migration", "Custom integration",
            "Solution design", "Health check", "Process audit", "Report building"),
     ("package", "day rate", "fixed-price project", "remote session"), (500, 15_000), 10),
    ("TR", ("Administrator training", "End-user training", "Developer bootcamp",
            "Reporting workshop", "Manager training", "Certification exam"),
     ("1 day on site", "half day online", "online course seat"), (150, 3_000), 20),
    ("HW", ("Barcode scanner", "Receipt printer", "Headset", "Docking station",
            "Card reader", "Conference camera", "Label printer", "Tablet stand",
            "Wireless keyboard", "Conference speaker"),
     ("standard", "pro", "wireless", "bundle of 5"), (25, 900), 20),
    ("SP", ("Premium support", "Priority support", "Dedicated success manager",
            "Technical account manager"),
     ("monthly", "annual", "24/7 add-on"), (50, 6_000), 3),
    ("AD", ("Extra storage", "API capacity", "Additional sandbox", "SSO connector",
            "Audit log retention", "Data export", "Extra user seats", "SMS credits"),
     ("small tier", "medium tier", "large tier", "monthly", "annual"), (5, 400), 50),
)  # fmt: skip

_DEAL_KINDS = (
    "new business", "renewal", "upsell", "expansion", "pilot", "multi-year renewal",
    "services add-on", "replacement",
)  # fmt: skip
_LOST_REASONS = (
    "Price too high", "Chose a competitor", "No budget this year", "Went dark",
    "Timing: revisit next year", "Missing feature", "Project cancelled",
    "Lost executive sponsor", "Went with in-house solution",
)  # fmt: skip
_TAGS = (
    "vip", "newsletter", "webinar", "partner", "trial", "enterprise", "churn-risk", "upsell",
    "event-lead", "beta", "reference", "renewal-due",
)  # fmt: skip
_SEGMENTS = ("SMB", "Mid-market", "Enterprise", "Public sector")
_LANGUAGES = {"en_US": "en", "de_DE": "de", "fr_FR": "fr", "nl_NL": "nl"}

_CALL_OUTCOMES = (
    "Connected", "Connected", "Left voicemail", "No answer", "Call back requested",
    "Meeting booked",
)  # fmt: skip
_MEETING_OUTCOMES = (
    "Next steps agreed", "Demo completed", "Proposal requested", "No decision yet",
    "Rescheduled",
)  # fmt: skip
_EMAIL_OUTCOMES = ("Replied", "No reply", "Bounced")

_SUBJECT_TEMPLATES: dict[str, tuple[str, ...]] = {
    Channel.EMAIL: (
        "Re: {phrase}", "Follow-up on our call", "Quote for {product}", "Your {product} order",
        "Introduction: {phrase}", "Renewal of {product}", "Invoice question",
        "Pricing for {product}", "Next steps", "Fwd: {phrase}",
    ),
    Channel.CALL: (
        "Discovery call", "Follow-up call about {product}", "Renewal check-in",
        "Support call: {product}", "Cold call", "Pricing discussion", "Reference call",
    ),
    Channel.MEETING: (
        "Demo of {product}", "Quarterly business review", "Kick-off meeting",
        "Contract negotiation", "Workshop: {phrase}", "On-site visit", "Executive briefing",
    ),
    Channel.NOTE: (
        "Note: {phrase}", "Internal: pricing approval", "Internal: hand-over to support",
        "Note about {product} usage", "Account plan update",
    ),
    Channel.WEB_VISIT: (
        "Visited /pricing", "Viewed {product} page", "Downloaded white paper: {phrase}",
        "Visited /docs", "Started a free trial", "Visited /contact",
    ),
    Channel.SMS: ("Appointment reminder", "Delivery update", "Quick question about {product}"),
    Channel.CHAT: (
        "Chat: question about {product}", "Chat: billing question", "Chat: {phrase}",
        "Chat: login problem",
    ),
    Channel.SOCIAL: (
        "LinkedIn message", "Mentioned us on LinkedIn", "Replied to our post: {phrase}",
        "Connection request",
    ),
}  # fmt: skip

# Proportions below are what a B2B CRM of a few years typically shows.
_ROLE_WEIGHTS = {
    Role.SALES: 45, Role.SUPPORT: 20, Role.MARKETING: 10, Role.MANAGER: 10,
    Role.ANALYST: 10, Role.ADMIN: 5,
}  # fmt: skip
_SIZE_WEIGHTS = {
    SizeBand.MICRO: 30, SizeBand.SMALL: 35, SizeBand.MEDIUM: 20, SizeBand.LARGE: 10,
    SizeBand.ENTERPRISE: 5,
}  # fmt: skip
#: Relative number of contacts a company of each size has in the CRM.
_SIZE_CONTACTS = {
    SizeBand.MICRO: 0.5, SizeBand.SMALL: 1.0, SizeBand.MEDIUM: 2.0, SizeBand.LARGE: 4.0,
    SizeBand.ENTERPRISE: 8.0,
}  # fmt: skip
_STAGE_WEIGHTS = {
    LifecycleStage.LEAD: 28, LifecycleStage.PROSPECT: 17, LifecycleStage.CUSTOMER: 45,
    LifecycleStage.CHURNED: 10,
}  # fmt: skip
_SOURCE_WEIGHTS = {
    CustomerSource.WEB_FORM: 35, CustomerSource.REFERRAL: 15, CustomerSource.IMPORT: 15,
    CustomerSource.EVENT: 13, CustomerSource.EMAIL: 12, CustomerSource.OTHER: 10,
}  # fmt: skip
#: How much of each kind of history a customer of each lifecycle stage has (before scaling
#: to the averages above): leads and prospects do not buy, churned customers bought once.
_INTERACTION_FACTOR = {
    LifecycleStage.LEAD: 0.5, LifecycleStage.PROSPECT: 1.0, LifecycleStage.CUSTOMER: 1.3,
    LifecycleStage.CHURNED: 0.9,
}  # fmt: skip
_ORDER_FACTOR = {
    LifecycleStage.LEAD: 0.0, LifecycleStage.PROSPECT: 0.0, LifecycleStage.CUSTOMER: 1.0,
    LifecycleStage.CHURNED: 0.8,
}  # fmt: skip
_OPPORTUNITY_FACTOR = {
    LifecycleStage.LEAD: 0.3, LifecycleStage.PROSPECT: 1.5, LifecycleStage.CUSTOMER: 1.2,
    LifecycleStage.CHURNED: 0.6,
}  # fmt: skip
_CHANNEL_WEIGHTS = {
    Channel.EMAIL: 34, Channel.CALL: 20, Channel.NOTE: 12, Channel.WEB_VISIT: 12,
    Channel.MEETING: 9, Channel.CHAT: 6, Channel.SMS: 4, Channel.SOCIAL: 3,
}  # fmt: skip
_ITEM_COUNT_WEIGHTS = {1: 30, 2: 25, 3: 18, 4: 12, 5: 9, 6: 6}
#: Orders placed in the last two weeks are still moving; older ones have mostly shipped.
_RECENT_ORDER_WEIGHTS = {
    OrderStatus.DRAFT: 20, OrderStatus.PLACED: 35, OrderStatus.PAID: 30,
    OrderStatus.SHIPPED: 10, OrderStatus.CANCELLED: 5,
}  # fmt: skip
_OLD_ORDER_WEIGHTS = {
    OrderStatus.SHIPPED: 70, OrderStatus.PAID: 12, OrderStatus.CANCELLED: 8,
    OrderStatus.REFUNDED: 4, OrderStatus.DRAFT: 3, OrderStatus.PLACED: 3,
}  # fmt: skip
#: Opportunities younger than half a year are mostly open; older ones mostly closed.
_RECENT_DEAL_WEIGHTS = {
    OpportunityStage.PROSPECTING: 25, OpportunityStage.QUALIFICATION: 22,
    OpportunityStage.PROPOSAL: 18, OpportunityStage.NEGOTIATION: 12,
    OpportunityStage.CLOSED_WON: 12, OpportunityStage.CLOSED_LOST: 11,
}  # fmt: skip
_OLD_DEAL_WEIGHTS = {
    OpportunityStage.CLOSED_WON: 33, OpportunityStage.CLOSED_LOST: 57,
    OpportunityStage.NEGOTIATION: 3, OpportunityStage.PROPOSAL: 3,
    OpportunityStage.QUALIFICATION: 2, OpportunityStage.PROSPECTING: 2,
}  # fmt: skip
_CLOSED_STAGES = (OpportunityStage.CLOSED_WON, OpportunityStage.CLOSED_LOST)

# --------------------------------------------------------------------------------------------
# Tables and the form values take in each database
# --------------------------------------------------------------------------------------------


class _Table:
    """A table the generator fills, and the columns it gives a value for, in tuple order."""

    def __init__(self, model: type[Model], columns: tuple[str, ...]) -> None:
        self.model = model
        self.columns = columns
        self.name: str = model._meta.db_table

    def insert_sql(self, dialect: str) -> str:
        quote, mark = ("`", "%s") if dialect == "mysql" else ('"', "?")
        columns = ", ".join(f"{quote}{column}{quote}" for column in self.columns)
        marks = ", ".join([mark] * len(self.columns))
        return f"INSERT INTO {quote}{self.name}{quote} ({columns}) VALUES ({marks})"

    def check_columns(self) -> None:
        """Fail clearly when the model gained a required column the generator does not fill."""
        meta = self.model._meta
        unknown = set(self.columns) - meta.db_fields
        required = {
            column
            for name, column in meta.fields_db_projection.items()
            if not meta.fields_map[name].null
        }
        missing = required - set(self.columns)
        if unknown or missing:
            raise RuntimeError(
                f"demo generator out of date for table {self.name}: "
                f"unknown columns {sorted(unknown)}, required columns not filled {sorted(missing)}"
            )


_STAMPS = ("version", "created_at", "updated_at")
_ADDRESS = ("address_line1", "address_line2", "city", "region", "postal_code", "country")

USERS = _Table(User, ("id", "name", "email", "role", "is_active", *_STAMPS))
PRODUCTS = _Table(
    Product, ("id", "sku", "name", "description", "unit_price", "currency", "active", *_STAMPS)
)
COMPANIES = _Table(
    Company,
    ("id", "name", "domain", "industry", "size_band", "phone", "owner_id", *_ADDRESS, *_STAMPS),
)
CUSTOMERS = _Table(
    Customer,
    (
        "id", "first_name", "last_name", "email", "phone", "job_title", "company_id",
        "lifecycle_stage", "owner_id", "source", "birth_date", "marketing_consent", "tags",
        "custom_fields", "deleted_at", *_ADDRESS, *_STAMPS,
    ),
)  # fmt: skip
OPPORTUNITIES = _Table(
    Opportunity,
    (
        "id", "customer_id", "company_id", "owner_id", "name", "amount", "currency", "stage",
        "probability", "expected_close_date", "closed_at", "lost_reason", *_STAMPS,
    ),
)  # fmt: skip
INTERACTIONS = _Table(
    Interaction,
    (
        "id", "customer_id", "author_id", "opportunity_id", "channel", "direction", "subject",
        "body", "occurred_at", "duration_seconds", "outcome", *_STAMPS,
    ),
)  # fmt: skip
ORDERS = _Table(
    Order,
    (
        "id", "number", "customer_id", "status", "currency", "subtotal", "tax_total", "total",
        "placed_at", *_STAMPS,
    ),
)  # fmt: skip
ORDER_ITEMS = _Table(
    OrderItem,
    ("id", "order_id", "product_id", "quantity", "unit_price", "line_total", *_STAMPS),
)
#: In foreign-key order: a table only references tables before it.
TABLES = (USERS, PRODUCTS, COMPANIES, CUSTOMERS, OPPORTUNITIES, INTERACTIONS, ORDERS, ORDER_ITEMS)


def _cents(amount: int) -> str:
    # DECIMAL(14,2) columns take the exact decimal text on both backends (SQLite's NUMERIC
    # affinity turns it into the same number Tortoise's str(Decimal) would give).
    return f"{amount // 100}.{amount % 100:02d}"


def _json(value: object) -> str:
    # The encoding Tortoise's JSONField uses (see the initial migration).
    return json.dumps(value, separators=(",", ":"))


def _datetime_mysql(micros: int) -> str:
    # DATETIME(6) text, in UTC like the rows Tortoise writes (the session time zone is UTC,
    # see db/config.py). Text is about twice as fast for asyncmy to quote as a datetime.
    return str(_NAIVE_EPOCH + timedelta(microseconds=micros))


def _datetime_sqlite(micros: int) -> str:
    # Tortoise stores SQLite datetimes as str(datetime): "2025-01-02 03:04:05.123456+00:00".
    return str(_EPOCH + timedelta(microseconds=micros))


def _date(micros: int) -> str:
    # ISO dates are what Tortoise stores on SQLite and what MySQL reads for a DATE.
    return (_NAIVE_EPOCH + timedelta(microseconds=micros)).date().isoformat()


# --------------------------------------------------------------------------------------------
# How much history each customer gets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    """Mean number of interactions, orders and opportunities per customer.

    Each customer's counts are drawn around these means from skewed distributions (most
    customers quiet, a few very busy), so the totals come out near ``customers * mean``.
    """

    interactions: float = INTERACTIONS_PER_CUSTOMER
    orders: float = ORDERS_PER_CUSTOMER
    opportunities: float = OPPORTUNITIES_PER_CUSTOMER

    def __post_init__(self) -> None:
        for name in ("interactions", "orders", "opportunities"):
            value = getattr(self, name)
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"{name} per customer must be a number of at least 0")

    def caps(self) -> dict[str, int]:
        """Most interactions, orders and opportunities one customer may get.

        The caps keep one outlier from dominating a small data set. They grow with a larger
        mean (so that the mean is still reached) but never shrink below the default ones.
        """
        default = History()
        return {
            name: max(cap, round(cap * getattr(self, name) / getattr(default, name)))
            for name, cap in _CAPS.items()
        }


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


@dataclass
class SeedReport:
    """What a seeding run wrote: rows per table (in insertion order) and the time it took."""

    rows: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def customers(self) -> int:
        """Customers created."""
        return self.rows.get(CUSTOMERS.name, 0)

    @property
    def total_rows(self) -> int:
        """Rows written over all tables."""
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        """Write throughput over the whole run."""
        return self.total_rows / self.elapsed if self.elapsed > 0 else 0.0

    def summary(self) -> str:
        """One line for people: customers, total rows, time and throughput."""
        return (
            f"seeded {self.customers:,} customers, {self.total_rows:,} rows in total, "
            f"in {self.elapsed:.1f} s ({self.rows_per_second:,.0f} rows/s)"
        )


# --------------------------------------------------------------------------------------------
# Sampling helpers
# --------------------------------------------------------------------------------------------


def _table_of(weights: dict[T, float], resolution: int = 1000) -> list[T]:
    """A list where each value appears in proportion to its weight.

    Indexing it with ``int(random() * len)`` is a weighted draw several times cheaper than
    :meth:`random.Random.choices`, which matters at millions of draws.
    """
    total = sum(weights.values())
    table: list[T] = []
    for value, weight in weights.items():
        table.extend([value] * max(1, round(weight / total * resolution)))
    return table


def _normalised(factors: dict[LifecycleStage, float]) -> dict[LifecycleStage, float]:
    # Scale so that the average over the lifecycle mix is 1: the per-customer means then
    # multiply out to the configured averages.
    total = sum(_STAGE_WEIGHTS.values())
    mean = sum(factors[stage] * weight / total for stage, weight in _STAGE_WEIGHTS.items())
    return {stage: value / mean for stage, value in factors.items()}


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


_LEGAL_WORDS = frozenset(
    ("and", "co", "inc", "llc", "ltd", "plc", "group", "gmbh", "kg", "ag", "ohg", "sa", "sas",
     "sarl", "bv", "nv", "the", "sons", "partners")
)  # fmt: skip


def _domain_stem(company: str) -> str:
    """The first one or two significant words of a company name, as in "brown-hill"."""
    folded = unicodedata.normalize("NFKD", company).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.findall(r"[a-z0-9]+", folded) if w not in _LEGAL_WORDS]
    return "-".join(words[:2])[:40] or "company"


def price_point(cents: int) -> int:
    """Round to the kind of price a catalogue shows: 49.99 below 1,000, else whole tens."""
    if cents < 100_000:
        return max(99, (cents + 50) // 100 * 100 - 1)
    return (cents + 500) // 1000 * 1000


# --------------------------------------------------------------------------------------------
# Faker pools
# --------------------------------------------------------------------------------------------


@dataclass
class _LocalePool:
    first_names: list[tuple[str, str]]  # (name, ASCII slug for e-mail addresses)
    last_names: list[tuple[str, str]]
    addresses: list[tuple[str, str | None, str, str, str]]  # line1, line2, city, region, code
    companies: list[str]


def _pool_size(customers: int, share: float, floor: int, ceiling: int) -> int:
    return max(floor, min(ceiling, int(customers * share)))


def _locale_pool(faker: Faker, size: int, companies: int, rng: random.Random) -> _LocalePool:
    has_line2 = hasattr(faker, "secondary_address")

    def address() -> tuple[str, str | None, str, str, str]:
        line2 = faker.secondary_address() if has_line2 and rng.random() < 0.2 else None
        return (
            faker.street_address().replace("\n", ", "),
            line2,
            faker.city(),
            faker.administrative_unit(),
            faker.postcode(),
        )

    firsts = [faker.first_name() for _ in range(size)]
    lasts = [faker.last_name() for _ in range(size)]
    return _LocalePool(
        first_names=[(name, _ascii_slug(name) or "contact") for name in firsts],
        last_names=[(name, _ascii_slug(name) or "person") for name in lasts],
        addresses=[address() for _ in range(size)],
        companies=[faker.company() for _ in range(companies)],
    )


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


@dataclass
class _Skeleton:
    """What must be known about every customer before companies can be written."""

    created: list[int]  # creation time of each customer (microseconds), ascending
    company: list[int]  # index into the company arrays, or -1


class _Generator:
    """Builds rows as tuples; one instance per seeding run."""

    def __init__(
        self,
        customers: int,
        seed: int,
        dialect: str,
        first_ids: dict[str, int],
        history: History | None = None,
    ):
        self.customer_count = customers
        self.history = history or History()
        self.caps = self.history.caps()
        self.rng = random.Random(seed)
        self.next_id = dict(first_ids)
        self.dt: Callable[[int], str] = _datetime_mysql if dialect == "mysql" else _datetime_sqlite
        self.day = _date
        self.used_emails: set[str] = set()

        self.country_table = _table_of({c: c.weight for c in COUNTRIES})
        self.stage_table = _table_of(_STAGE_WEIGHTS)
        self.source_table = _table_of(_SOURCE_WEIGHTS)
        self.channel_table = _table_of(_CHANNEL_WEIGHTS)
        self.item_count_table = _table_of(_ITEM_COUNT_WEIGHTS)
        self.recent_order_table = _table_of(_RECENT_ORDER_WEIGHTS)
        self.old_order_table = _table_of(_OLD_ORDER_WEIGHTS)
        self.recent_deal_table = _table_of(_RECENT_DEAL_WEIGHTS)
        self.old_deal_table = _table_of(_OLD_DEAL_WEIGHTS)
        self.interaction_factor = _normalised(_INTERACTION_FACTOR)
        self.order_factor = _normalised(_ORDER_FACTOR)
        self.opportunity_factor = _normalised(_OPPORTUNITY_FACTOR)
        self._build_pools(seed)

    # -- pools ---------------------------------------------------------------------------

    def _build_pools(self, seed: int) -> None:
        rng = self.rng
        n = self.customer_count
        self.locales: dict[str, _LocalePool] = {}
        for index, country in enumerate(COUNTRIES):
            faker = Faker(country.locale)
            # A distinct seed per locale: locales that share word lists (en_US, en_CA) would
            # otherwise produce the very same names.
            faker.seed_instance(seed * 101 + index)
            share = country.weight / 100
            size = _pool_size(n, share * 0.05, 30, 400)
            # Company names are used in turn rather than drawn, so the pool holds about as
            # many as there will be companies from the locale: few names repeat.
            companies = _pool_size(n // CUSTOMERS_PER_COMPANY, share * 1.1, 10, 20_000)
            self.locales[country.locale] = _locale_pool(faker, size, companies, rng)

        faker = Faker("en_US")
        faker.seed_instance(seed * 101 + 99)
        jobs = (faker.job() for _ in range(400))
        self.job_titles = [job for job in dict.fromkeys(jobs) if len(job) <= 120]
        self.phrases = [faker.catch_phrase() for _ in range(300)]
        self.bodies = [faker.paragraph(nb_sentences=rng.randint(2, 6)) for _ in range(400)]
        self.descriptions = [faker.sentence(nb_words=12) for _ in range(100)]

    # -- small draws ---------------------------------------------------------------------

    def pick(self, values: Sequence[T]) -> T:
        return values[int(self.rng.random() * len(values))]

    def between(self, start: int, end: int) -> int:
        """A time uniformly between two times (microseconds)."""
        return start + int(self.rng.random() * (end - start)) if end > start else start

    def count(self, mean: float, cap: int) -> int:
        """A geometric draw with the given mean: many small counts, a long tail."""
        if mean <= 0:
            return 0
        ratio = mean / (1.0 + mean)
        return min(cap, int(math.log(1.0 - self.rng.random()) / math.log(ratio)))

    def activity(self) -> float:
        # Pareto with mean 1: most customers are quiet, a few are very busy. Together with
        # the geometric counts this gives the long tail real CRMs show.
        return self.rng.paretovariate(2.5) * 0.6

    def phone(self, country: _Country) -> str:
        """An E.164 number: "+", country code, national number without trunk prefix."""
        prefix, digits = self.pick(country.phones)
        # The first local digit is never 0 or 1 (no trunk prefix, valid NANP exchanges).
        rest = self.rng.randrange(10 ** (digits - 1))
        return f"{prefix}{self.rng.randint(2, 9)}{rest:0{digits - 1}d}"

    def take_id(self, table: _Table) -> int:
        self.next_id[table.name] += 1
        return self.next_id[table.name]

    def unique_email(self, local: str, domain: str) -> str:
        email = f"{local}@{domain}"
        suffix = 1
        while email in self.used_emails:
            suffix += 1
            email = f"{local}{suffix}@{domain}"
        self.used_emails.add(email)
        return email

    # -- reference tables ----------------------------------------------------------------

    def users(self, existing_emails: set[str]) -> list[tuple]:
        """Staff: every role at least once, then the usual mix; mostly there from the start."""
        rng = self.rng
        count = max(MIN_STAFF, round(self.customer_count / CUSTOMERS_PER_STAFF_MEMBER))
        role_table = _table_of(_ROLE_WEIGHTS)
        roles = list(Role) + [self.pick(role_table) for _ in range(count)]
        roles = roles[:count]
        self.used_emails |= existing_emails
        pool = self.locales["en_US"]
        rows = []
        self.staff: list[int] = []
        self.sellers: list[int] = []
        for role in roles:
            user_id = self.take_id(USERS)
            first, first_slug = self.pick(pool.first_names)
            last, last_slug = self.pick(pool.last_names)
            email = self.unique_email(f"{first_slug}.{last_slug}", "northwind-crm.example")
            if rng.random() < 0.8:
                created = _START - self.between(0, 90 * _DAY)
            else:
                created = self.between(_START, _NOW - 30 * _DAY)
            active = rng.random() < 0.92 or role is Role.ADMIN
            updated = self.between(created, _NOW)
            rows.append(
                (user_id, f"{first} {last}", email, role.value, int(active), 1,
                 self.dt(created), self.dt(updated))
            )  # fmt: skip
            if active:
                self.staff.append(user_id)
                if role in (Role.SALES, Role.MANAGER):
                    self.sellers.append(user_id)
        if not self.sellers:
            self.sellers = list(self.staff)
        return rows

    def products(self) -> list[tuple]:
        """The catalogue: families x variants, priced at catalogue price points."""
        rng = self.rng
        candidates = [
            (code, f"{family}, {variant}", low, high, max_quantity)
            for code, families, variants, (low, high), max_quantity in _CATALOGUE
            for family in families
            for variant in variants
        ]
        rng.shuffle(candidates)
        chosen = candidates[:PRODUCT_COUNT]
        # Orders use a few best sellers far more than the rest.
        popularity: dict[int, float] = {}
        self.product_ids: list[int] = []
        self.product_names: list[str] = []
        self.product_prices: dict[str, list[int]] = {currency: [] for currency in EXCHANGE_RATES}
        self.product_max_quantity: list[int] = []
        rows = []
        for index, (code, name, low, high, max_quantity) in enumerate(chosen):
            product_id = self.take_id(PRODUCTS)
            # Log-uniform within the range: as many cheap variants as expensive ones.
            units = math.exp(rng.uniform(math.log(low), math.log(high)))
            price = price_point(int(units * 100))
            for currency, rate in EXCHANGE_RATES.items():
                local = price if currency == CATALOGUE_CURRENCY else price_point(int(price * rate))
                self.product_prices[currency].append(local)
            self.product_ids.append(product_id)
            self.product_names.append(name.split(",")[0])
            self.product_max_quantity.append(max_quantity if price < 100_000 else 2)
            popularity[index] = rng.paretovariate(1.2)
            created = _START - self.between(0, 60 * _DAY)
            rows.append(
                (product_id, f"{code}-{product_id:05d}", name, self.pick(self.descriptions),
                 _cents(price), CATALOGUE_CURRENCY, int(rng.random() < 0.92), 1,
                 self.dt(created), self.dt(self.between(created, _NOW)))
            )  # fmt: skip
        self.product_table = _table_of(popularity, resolution=20_000)
        return rows

    def subject_pools(self) -> None:
        """Interaction subjects per channel, from templates filled with phrases and products."""
        self.subjects = {
            channel: [
                self.pick(templates).format(
                    phrase=self.pick(self.phrases).lower(), product=self.pick(self.product_names)
                )
                for _ in range(150)
            ]
            for channel, templates in _SUBJECT_TEMPLATES.items()
        }

    def skeleton(self) -> _Skeleton:
        """Creation times of all customers and which company each belongs to."""
        rng = self.rng
        n = self.customer_count
        span = _NOW - _START
        # u ** 0.8 leans towards recent dates: the customer base grew over time.
        created = sorted(_START + int(span * rng.random() ** 0.8) for _ in range(n))
        company_count = max(1, n // CUSTOMERS_PER_COMPANY)
        size_table = _table_of(_SIZE_WEIGHTS)
        self.company_bands = [self.pick(size_table) for _ in range(company_count)]
        weights = {
            index: _SIZE_CONTACTS[band] * rng.paretovariate(2.0)
            for index, band in enumerate(self.company_bands)
        }
        members = [index for index in range(n) if rng.random() < 0.8]
        if len(members) >= company_count:
            # Every company gets a contact; the rest go mostly to the big ones.
            table = _table_of(weights, resolution=max(10_000, company_count * 20))
            targets = list(range(company_count))
            targets += [self.pick(table) for _ in range(len(members) - company_count)]
            rng.shuffle(targets)
        else:
            targets = rng.sample(range(company_count), len(members))
        company = [-1] * n
        for customer, target in zip(members, targets, strict=True):
            company[customer] = target
        return _Skeleton(created, company)

    def companies(self, skeleton: _Skeleton) -> list[tuple]:
        """Companies, created shortly before their first contact; ids in creation order."""
        rng = self.rng
        count = len(self.company_bands)
        first_contact = [_NOW] * count
        for created, company in zip(skeleton.created, skeleton.company, strict=True):
            if company >= 0 and created < first_contact[company]:
                first_contact[company] = created
        created_at = [
            max(_START, first - self.between(0, 30 * _DAY))
            if first < _NOW
            else self.between(_START, _NOW)
            for first in first_contact
        ]
        order = sorted(range(count), key=lambda index: created_at[index])
        self.company_ids = [0] * count
        self.company_countries: list[_Country] = [COUNTRIES[0]] * count
        self.company_domains = [""] * count
        self.company_names = [""] * count
        self.company_owners: list[int | None] = [None] * count
        domains_seen: dict[str, int] = {}
        names_used: dict[str, int] = {}
        rows = []
        for index in order:
            company_id = self.take_id(COMPANIES)
            country = self.pick(self.country_table)
            pool = self.locales[country.locale]
            turn = names_used.get(country.locale, 0)
            names_used[country.locale] = turn + 1
            name = pool.companies[turn % len(pool.companies)]
            stem = _domain_stem(name)
            seen = domains_seen.get(stem, 0)
            domains_seen[stem] = seen + 1
            domain = f"{stem}{seen + 1 if seen else ''}.{country.tld}"
            owner = self.pick(self.sellers) if rng.random() < 0.9 else None
            address = (
                (*self.pick(pool.addresses), country.code)
                if rng.random() < 0.9
                else (None,) * 5 + (country.code,)
            )
            created = created_at[index]
            rows.append(
                (company_id, name, domain if rng.random() < 0.95 else None,
                 self.pick(INDUSTRIES) if rng.random() < 0.9 else None,
                 self.company_bands[index].value if rng.random() < 0.95 else None,
                 self.phone(country) if rng.random() < 0.8 else None, owner, *address, 1,
                 self.dt(created), self.dt(self.between(created, _NOW)))
            )  # fmt: skip
            self.company_ids[index] = company_id
            self.company_countries[index] = country
            self.company_domains[index] = domain
            self.company_names[index] = name
            self.company_owners[index] = owner
        return rows

    # -- customers and their history -----------------------------------------------------

    def customer_chunk(self, skeleton: _Skeleton, start: int, stop: int) -> Iterator[None]:
        """Generate customers ``start..stop`` with their history into ``self.chunk``.

        Yields now and then so that the previous chunk's writes progress meanwhile.
        """
        self.chunk: dict[str, list[tuple]] = {table.name: [] for table in TABLES[3:]}
        for index in range(start, stop):
            self.customer(skeleton.created[index], skeleton.company[index])
            if index % 3 == 2:
                yield

    def customer(self, created: int, company: int) -> None:
        rng = self.rng
        random_ = rng.random
        chunk = self.chunk
        customer_id = self.take_id(CUSTOMERS)
        if company >= 0:
            company_id: int | None = self.company_ids[company]
            country = (
                self.company_countries[company]
                if random_() < 0.95
                else self.pick(self.country_table)
            )
            owner = self.company_owners[company] if random_() < 0.7 else self.pick(self.sellers)
        else:
            company_id = None
            country = self.pick(self.country_table)
            owner = self.pick(self.sellers)
        if random_() < 0.05:
            owner = None
        pool = self.locales[country.locale]
        first, first_slug = self.pick(pool.first_names)
        last, last_slug = self.pick(pool.last_names)

        stage = self.pick(self.stage_table)
        if stage is LifecycleStage.CHURNED and _NOW - created < 120 * _DAY:
            stage = LifecycleStage.CUSTOMER
        # Churned customers' buying stopped somewhere in their history.
        end = _NOW
        if stage is LifecycleStage.CHURNED:
            end = self.between(created + (_NOW - created) // 3, _NOW)

        if random_() < 0.98:
            if company_id is not None and random_() < 0.85:
                local = self.pick(
                    (f"{first_slug}.{last_slug}", f"{first_slug[0]}{last_slug}",
                     f"{first_slug}_{last_slug}", f"{first_slug}")
                )  # fmt: skip
                domain = self.company_domains[company]
            else:
                local = self.pick(
                    (f"{first_slug}.{last_slug}", f"{first_slug}{last_slug}",
                     f"{last_slug}.{first_slug}", f"{first_slug[0]}.{last_slug}")
                )  # fmt: skip
                if random_() < 0.4:
                    local += str(rng.randint(1, 99))
                domain = self.pick(country.mail_domains)
            email = self.unique_email(local, domain)
        else:
            email = None

        tags: list[str] = []
        if random_() < 0.4:
            tags = sorted(set(rng.sample(_TAGS, self.pick((1, 1, 1, 2, 2, 3)))))
        custom: dict[str, object] = {}
        if random_() < 0.3:
            custom["segment"] = self.pick(_SEGMENTS)
            if random_() < 0.5:
                custom["nps"] = rng.randint(0, 10)
            if country.locale in _LANGUAGES:
                custom["preferred_language"] = _LANGUAGES[country.locale]
        deleted = self.between(created, _NOW) if random_() < 0.01 else None
        updated = deleted if deleted is not None else self.between(created, _NOW)
        if random_() < 0.6:
            address: tuple = (*self.pick(pool.addresses), country.code)
        else:
            address = (None, None, None, None, None, country.code if random_() < 0.5 else None)
        birth = (
            self.day(_NOW - self.between(22 * 365 * _DAY, 70 * 365 * _DAY))
            if random_() < 0.3
            else None
        )
        chunk[CUSTOMERS.name].append(
            (customer_id, first, last, email,
             self.phone(country) if random_() < 0.85 else None,
             self.pick(self.job_titles) if random_() < 0.9 else None,
             company_id, stage.value, owner, self.pick(self.source_table).value, birth,
             int(random_() < 0.55), _json(tags), _json(custom),
             self.dt(deleted) if deleted is not None else None, *address, 1,
             self.dt(created), self.dt(updated))
        )  # fmt: skip

        activity = self.activity()
        history = self.history
        caps = self.caps
        deals = self.opportunities(
            customer_id, company_id, company, owner, first, last, country, created, end,
            self.count(history.opportunities * self.opportunity_factor[stage] * activity,
                       caps["opportunities"]),
        )  # fmt: skip
        self.interactions(
            customer_id, owner, created, end, deals,
            self.count(history.interactions * self.interaction_factor[stage] * activity,
                       caps["interactions"]),
        )  # fmt: skip
        self.orders(
            customer_id, country, created, end,
            self.count(history.orders * self.order_factor[stage] * activity, caps["orders"]),
        )  # fmt: skip

    def opportunities(
        self,
        customer_id: int,
        company_id: int | None,
        company: int,
        owner: int | None,
        first: str,
        last: str,
        country: _Country,
        created: int,
        end: int,
        count: int,
    ) -> list[tuple[int, int]]:
        """Opportunities of one customer; returns (id, created) for linking interactions."""
        rng = self.rng
        rows = self.chunk[OPPORTUNITIES.name]
        account = self.company_names[company] if company >= 0 else f"{first} {last}"
        deals = []
        # Sorted so that ids follow creation time, as they do in a real database.
        for opened in sorted(self.between(created, end) for _ in range(count)):
            deal_id = self.take_id(OPPORTUNITIES)
            age = _NOW - opened
            stage = self.pick(self.recent_deal_table if age < 180 * _DAY else self.old_deal_table)
            # Log-normal amounts: a median around 12k with a few very large deals.
            amount = min(2_000_000, max(500, int(math.exp(rng.gauss(9.4, 1.0)))))
            amount = price_point(amount * 100) if amount < 1000 else amount // 50 * 5000
            if stage in _CLOSED_STAGES:
                closed = opened + int(rng.random() * min(240 * _DAY, age))
                expected = closed
                updated = closed
            else:
                closed = None
                expected = opened + self.between(30 * _DAY, 180 * _DAY)
                updated = self.between(opened, min(_NOW, opened + 90 * _DAY))
            rows.append(
                (deal_id, customer_id, company_id,
                 owner if rng.random() < 0.8 else self.pick(self.sellers),
                 f"{account}: {self.pick(self.product_names)} {self.pick(_DEAL_KINDS)}",
                 _cents(amount), country.currency, stage.value, STAGE_PROBABILITY[stage],
                 self.day(expected), self.dt(closed) if closed is not None else None,
                 self.pick(_LOST_REASONS) if stage is OpportunityStage.CLOSED_LOST else None,
                 1, self.dt(opened), self.dt(updated))
            )  # fmt: skip
            deals.append((deal_id, opened))
        return deals

    def interactions(
        self,
        customer_id: int,
        owner: int | None,
        created: int,
        end: int,
        deals: list[tuple[int, int]],
        count: int,
    ) -> None:
        """Touch points of one customer, in time order, some tied to an opportunity."""
        rng = self.rng
        random_ = rng.random
        pick = self.pick
        dt = self.dt
        rows = self.chunk[INTERACTIONS.name]
        # Churned customers go quiet after their end; a few touch points come later.
        times = sorted(
            self.between(created, end) if random_() < 0.9 else self.between(created, _NOW)
            for _ in range(count)
        )
        for occurred in times:
            channel = pick(self.channel_table)
            duration = None
            outcome = None
            if channel is Channel.NOTE:
                direction = Direction.INTERNAL
            elif channel is Channel.WEB_VISIT:
                direction = Direction.INBOUND
            else:
                direction = Direction.INBOUND if random_() < 0.4 else Direction.OUTBOUND
            if channel is Channel.CALL:
                duration = min(5400, max(20, int(math.exp(rng.gauss(5.9, 0.9)))))
                outcome = pick(_CALL_OUTCOMES)
            elif channel is Channel.MEETING:
                duration = pick((1800, 1800, 2700, 3600, 3600, 5400)) + rng.randint(-300, 600)
                outcome = pick(_MEETING_OUTCOMES)
            elif channel is Channel.EMAIL and direction is Direction.OUTBOUND:
                outcome = pick(_EMAIL_OUTCOMES) if random_() < 0.6 else None
            if channel is Channel.WEB_VISIT:
                author = None
            else:
                author = owner if owner is not None and random_() < 0.6 else pick(self.staff)
            deal = None
            if deals and random_() < 0.4:
                deal_id, opened = pick(deals)
                if opened <= occurred:
                    deal = deal_id
            logged = min(_NOW, occurred + int(random_() * 600 * _SECOND))
            rows.append(
                (self.take_id(INTERACTIONS), customer_id, author, deal, channel.value,
                 direction.value, pick(self.subjects[channel]),
                 pick(self.bodies) if channel is not Channel.WEB_VISIT else None,
                 dt(occurred), duration, outcome, 1, dt(logged), dt(logged))
            )  # fmt: skip

    def orders(
        self, customer_id: int, country: _Country, created: int, end: int, count: int
    ) -> None:
        """Orders of one customer with 1-6 items; totals computed from the items."""
        rng = self.rng
        random_ = rng.random
        pick = self.pick
        dt = self.dt
        order_rows = self.chunk[ORDERS.name]
        item_rows = self.chunk[ORDER_ITEMS.name]
        currency = country.currency
        prices = self.product_prices[currency]
        tax_bp = pick(country.tax_rates_bp)
        for opened in sorted(self.between(created, end) for _ in range(count)):
            order_id = self.take_id(ORDERS)
            status = pick(
                self.recent_order_table if _NOW - opened < 14 * _DAY else self.old_order_table
            )
            if status is OrderStatus.DRAFT:
                placed = None
                updated = self.between(opened, min(_NOW, opened + 3 * _DAY))
            else:
                placed = min(_NOW, opened + int(random_() * 2 * _DAY))
                later = {
                    OrderStatus.PLACED: 0,
                    OrderStatus.PAID: 5 * _DAY,
                    OrderStatus.SHIPPED: 10 * _DAY,
                    OrderStatus.CANCELLED: 7 * _DAY,
                    OrderStatus.REFUNDED: 60 * _DAY,
                }[status]
                updated = min(_NOW, placed + int(random_() * later))
            stamp = dt(opened)
            subtotal = 0
            products = dict.fromkeys(
                pick(self.product_table) for _ in range(pick(self.item_count_table))
            )
            for product in products:
                quantity = (
                    1 if random_() < 0.6 else rng.randint(1, self.product_max_quantity[product])
                )
                unit = prices[product]
                line = quantity * unit
                subtotal += line
                item_rows.append(
                    (self.take_id(ORDER_ITEMS), order_id, self.product_ids[product], quantity,
                     _cents(unit), _cents(line), 1, stamp, stamp)
                )  # fmt: skip
            tax = (subtotal * tax_bp + 5000) // 10000
            order_rows.append(
                (order_id, f"SO-{order_id:08d}", customer_id, status.value, currency,
                 _cents(subtotal), _cents(tax), _cents(subtotal + tax),
                 dt(placed) if placed is not None else None, 1, stamp, dt(updated))
            )  # fmt: skip


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


class _Writer:
    """Multi-row INSERTs of ready-made tuples through the Tortoise connection."""

    def __init__(self, connection_name: str, dialect: str, batch_size: int) -> None:
        self.connection_name = connection_name
        self.batch_size = batch_size
        self.sql = {table.name: table.insert_sql(dialect) for table in TABLES}
        self.rows: dict[str, int] = {table.name: 0 for table in TABLES}

    async def write(self, tables: dict[str, list[tuple]]) -> int:
        """Insert the rows of several tables (in the given order) in one transaction."""
        written = 0
        async with in_transaction(self.connection_name) as connection:
            for name, rows in tables.items():
                for start in range(0, len(rows), self.batch_size):
                    await connection.execute_many(
                        self.sql[name], rows[start : start + self.batch_size]
                    )
                self.rows[name] += len(rows)
                written += len(rows)
        return written


async def _first_ids(connection: BaseDBAsyncClient) -> dict[str, int]:
    # New rows take ids after the current largest so that seeding adds to existing data.
    first = {}
    for table in TABLES:
        quote = "`" if connection.capabilities.dialect == "mysql" else '"'
        _, rows = await connection.execute_query(
            f"SELECT COALESCE(MAX(id), 0) AS top FROM {quote}{table.name}{quote}"
        )
        first[table.name] = int(next(iter(dict(rows[0]).values())))
    return first


def _progress_bar(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rows]:>12,} rows"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not enabled,
    )


async def generate(
    customers: int,
    seed: int,
    *,
    batch_size: int = 2000,
    progress: bool = True,
    connection_name: str = "default",
    history: History | None = None,
) -> SeedReport:
    """Insert demo data through an ORM that is already open; returns what was written.

    ``customers`` sets the scale: staff, companies and history follow from it (see the
    constants at the top of this module). ``history`` sets the mean number of interactions,
    orders and opportunities per customer (default: :class:`History`). ``batch_size`` is the
    number of rows per INSERT.
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    for table in TABLES:
        table.check_columns()
    started = time.perf_counter()
    connection = get_connection(connection_name)
    dialect = connection.capabilities.dialect
    _, existing = await connection.execute_query(f"SELECT email FROM {User._meta.db_table}")
    generator = _Generator(customers, seed, dialect, await _first_ids(connection), history)
    writer = _Writer(connection_name, dialect, batch_size)

    with _progress_bar(progress) as bar:
        task = bar.add_task("staff, products, companies", total=customers, rows=0)
        reference = {
            USERS.name: generator.users({dict(row)["email"] for row in existing}),
            PRODUCTS.name: generator.products(),
        }
        generator.subject_pools()
        skeleton = generator.skeleton()
        reference[COMPANIES.name] = generator.companies(skeleton)
        await writer.write(reference)
        bar.update(task, description="customers", rows=sum(writer.rows.values()))

        # One chunk is written while the next is generated: the database and Python then
        # work at the same time (the event loop runs the write between generation steps).
        pending: asyncio.Task[int] | None = None
        try:
            for start in range(0, customers, CHUNK_CUSTOMERS):
                stop = min(customers, start + CHUNK_CUSTOMERS)
                for _ in generator.customer_chunk(skeleton, start, stop):
                    await asyncio.sleep(0)
                if pending is not None:
                    await pending
                    bar.update(task, advance=CHUNK_CUSTOMERS, rows=sum(writer.rows.values()))
                pending = asyncio.create_task(writer.write(generator.chunk))
            if pending is not None:
                await pending
                pending = None
        finally:
            if pending is not None and not pending.done():
                # Generation failed: roll the chunk being written back before leaving.
                pending.cancel()
                await asyncio.gather(pending, return_exceptions=True)
        bar.update(task, completed=customers, rows=sum(writer.rows.values()))

    return SeedReport(rows=dict(writer.rows), elapsed=time.perf_counter() - started)


async def seed_database(
    settings: Settings,
    customers: int,
    seed: int,
    *,
    batch_size: int = 2000,
    progress: bool = True,
    history: History | None = None,
) -> SeedReport:
    """Open the (already migrated) database and add demo data for ``customers`` customers.

    The same ``seed`` (and ``history``) gives the same data. Existing rows are kept: new rows
    take ids after the largest existing ones.
    """
    async with open_database(database_config(settings)):
        return await generate(
            customers, seed, batch_size=batch_size, progress=progress, history=history
        )


async def generate_if_empty(customers: int, seed: int, *, progress: bool = True) -> int:
    """Like :func:`generate`, but only into a database without customers (ORM already open).

    Returns the number of customers created: 0 when there were customers already.
    """
    if await Customer.all().exists():
        return 0
    report = await generate(customers, seed, progress=progress)
    return report.customers


async def seed_if_empty(
    settings: Settings, customers: int, seed: int, *, progress: bool = True
) -> int:
    """Seed only a database without customers; returns the customers created (0 if none).

    ``serve --demo`` uses it so that restarting the server reuses the data it made instead of
    adding a second copy.
    """
    async with open_database(database_config(settings)):
        return await generate_if_empty(customers, seed, progress=progress)
