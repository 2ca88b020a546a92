"""Reference data and the shape of the demo CRM: countries, the product catalogue,
vocabularies, and how records are spread over customers, stages and time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from crm_graphql.api.roles import Role
from crm_graphql.domains.customers.models import (
    CustomerSource,
    LifecycleStage,
    SizeBand,
)
from crm_graphql.domains.interactions.models import Channel
from crm_graphql.domains.orders.models import OrderStatus
from crm_graphql.domains.sales.models import OpportunityStage

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
CAPS = {"interactions": 600, "orders": 150, "opportunities": 40}
#: Sizes of the reference tables relative to the number of customers.
CUSTOMERS_PER_COMPANY = 4
CUSTOMERS_PER_STAFF_MEMBER = 50
MIN_STAFF = 8
PRODUCT_COUNT = 200

#: Customers generated, then written in one transaction, at a time. Fixed (not derived from
#: the batch size) so that the random draws, hence the data, do not depend on the batch size.
CHUNK_CUSTOMERS = 1000

SECOND = 1_000_000
DAY = 86_400 * SECOND
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NAIVE_EPOCH = datetime(1970, 1, 1)
NOW = (REFERENCE_NOW - EPOCH) // timedelta(microseconds=1)
START = NOW - HISTORY_DAYS * DAY

# --------------------------------------------------------------------------------------------
# Reference data: countries, catalogue, vocabularies
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Country:
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
    Country(
        "US", 74, "en_US", "USD",
        (("+1212", 7), ("+1415", 7), ("+1312", 7), ("+1617", 7), ("+1512", 7), ("+1206", 7),
         ("+1305", 7), ("+1720", 7)),
        (0, 0, 0, 600, 625, 725, 825, 888),
        "com", (*_GLOBAL_MAIL, "aol.com", "hotmail.com"),
    ),
    Country(
        "CA", 8, "en_CA", "USD", (("+1416", 7), ("+1604", 7), ("+1514", 7)), (500, 1300),
        "ca", (*_GLOBAL_MAIL, "rogers.com"),
    ),
    Country(
        "AU", 5, "en_AU", "USD", (("+614", 8), ("+612", 8), ("+613", 8)), (1000,),
        "com.au", (*_GLOBAL_MAIL, "bigpond.com"),
    ),
    Country(
        "IN", 3, "en_IN", "USD", (("+919", 9), ("+918", 9), ("+917", 9)), (1800,),
        "in", (*_GLOBAL_MAIL, "rediffmail.com"),
    ),
    Country(
        "GB", 4, "en_GB", "GBP", (("+447", 9), ("+4420", 8), ("+44161", 7)), (2000, 2000, 0),
        "co.uk", (*_GLOBAL_MAIL, "btinternet.com", "hotmail.co.uk"),
    ),
    Country(
        "DE", 2.5, "de_DE", "EUR", (("+4915", 9), ("+4917", 9), ("+4930", 8), ("+4989", 8)),
        (1900, 1900, 0), "de", (*_GLOBAL_MAIL, "web.de", "gmx.de", "t-online.de"),
    ),
    Country(
        "FR", 1.5, "fr_FR", "EUR", (("+336", 8), ("+337", 8), ("+331", 8)), (2000, 2000, 0),
        "fr", (*_GLOBAL_MAIL, "orange.fr", "free.fr", "laposte.net"),
    ),
    Country(
        "NL", 1, "nl_NL", "EUR", (("+316", 8), ("+3120", 7)), (2100, 2100, 0),
        "nl", (*_GLOBAL_MAIL, "ziggo.nl", "kpnmail.nl"),
    ),
    Country(
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
CATALOGUE = (
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

DEAL_KINDS = (
    "new business", "renewal", "upsell", "expansion", "pilot", "multi-year renewal",
    "services add-on", "replacement",
)  # fmt: skip
LOST_REASONS = (
    "Price too high", "Chose a competitor", "No budget this year", "Went dark",
    "Timing: revisit next year", "Missing feature", "Project cancelled",
    "Lost executive sponsor", "Went with in-house solution",
)  # fmt: skip
TAGS = (
    "vip", "newsletter", "webinar", "partner", "trial", "enterprise", "churn-risk", "upsell",
    "event-lead", "beta", "reference", "renewal-due",
)  # fmt: skip
SEGMENTS = ("SMB", "Mid-market", "Enterprise", "Public sector")
LANGUAGES = {"en_US": "en", "de_DE": "de", "fr_FR": "fr", "nl_NL": "nl"}

CALL_OUTCOMES = (
    "Connected", "Connected", "Left voicemail", "No answer", "Call back requested",
    "Meeting booked",
)  # fmt: skip
MEETING_OUTCOMES = (
    "Next steps agreed", "Demo completed", "Proposal requested", "No decision yet",
    "Rescheduled",
)  # fmt: skip
EMAIL_OUTCOMES = ("Replied", "No reply", "Bounced")

SUBJECT_TEMPLATES: dict[str, tuple[str, ...]] = {
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
ROLE_WEIGHTS = {
    Role.SALES: 45, Role.SUPPORT: 20, Role.MARKETING: 10, Role.MANAGER: 10,
    Role.ANALYST: 10, Role.ADMIN: 5,
}  # fmt: skip
SIZE_WEIGHTS = {
    SizeBand.MICRO: 30, SizeBand.SMALL: 35, SizeBand.MEDIUM: 20, SizeBand.LARGE: 10,
    SizeBand.ENTERPRISE: 5,
}  # fmt: skip
#: Relative number of contacts a company of each size has in the CRM.
SIZE_CONTACTS = {
    SizeBand.MICRO: 0.5, SizeBand.SMALL: 1.0, SizeBand.MEDIUM: 2.0, SizeBand.LARGE: 4.0,
    SizeBand.ENTERPRISE: 8.0,
}  # fmt: skip
STAGE_WEIGHTS = {
    LifecycleStage.LEAD: 28, LifecycleStage.PROSPECT: 17, LifecycleStage.CUSTOMER: 45,
    LifecycleStage.CHURNED: 10,
}  # fmt: skip
SOURCE_WEIGHTS = {
    CustomerSource.WEB_FORM: 35, CustomerSource.REFERRAL: 15, CustomerSource.IMPORT: 15,
    CustomerSource.EVENT: 13, CustomerSource.EMAIL: 12, CustomerSource.OTHER: 10,
}  # fmt: skip
#: How much of each kind of history a customer of each lifecycle stage has (before scaling
#: to the averages above): leads and prospects do not buy, churned customers bought once.
INTERACTION_FACTOR = {
    LifecycleStage.LEAD: 0.5, LifecycleStage.PROSPECT: 1.0, LifecycleStage.CUSTOMER: 1.3,
    LifecycleStage.CHURNED: 0.9,
}  # fmt: skip
ORDER_FACTOR = {
    LifecycleStage.LEAD: 0.0, LifecycleStage.PROSPECT: 0.0, LifecycleStage.CUSTOMER: 1.0,
    LifecycleStage.CHURNED: 0.8,
}  # fmt: skip
OPPORTUNITY_FACTOR = {
    LifecycleStage.LEAD: 0.3, LifecycleStage.PROSPECT: 1.5, LifecycleStage.CUSTOMER: 1.2,
    LifecycleStage.CHURNED: 0.6,
}  # fmt: skip
CHANNEL_WEIGHTS = {
    Channel.EMAIL: 34, Channel.CALL: 20, Channel.NOTE: 12, Channel.WEB_VISIT: 12,
    Channel.MEETING: 9, Channel.CHAT: 6, Channel.SMS: 4, Channel.SOCIAL: 3,
}  # fmt: skip
ITEM_COUNT_WEIGHTS = {1: 30, 2: 25, 3: 18, 4: 12, 5: 9, 6: 6}
#: Orders placed in the last two weeks are still moving; older ones have mostly shipped.
RECENT_ORDER_WEIGHTS = {
    OrderStatus.DRAFT: 20, OrderStatus.PLACED: 35, OrderStatus.PAID: 30,
    OrderStatus.SHIPPED: 10, OrderStatus.CANCELLED: 5,
}  # fmt: skip
OLD_ORDER_WEIGHTS = {
    OrderStatus.SHIPPED: 70, OrderStatus.PAID: 12, OrderStatus.CANCELLED: 8,
    OrderStatus.REFUNDED: 4, OrderStatus.DRAFT: 3, OrderStatus.PLACED: 3,
}  # fmt: skip
#: Opportunities younger than half a year are mostly open; older ones mostly closed.
RECENT_DEAL_WEIGHTS = {
    OpportunityStage.PROSPECTING: 25, OpportunityStage.QUALIFICATION: 22,
    OpportunityStage.PROPOSAL: 18, OpportunityStage.NEGOTIATION: 12,
    OpportunityStage.CLOSED_WON: 12, OpportunityStage.CLOSED_LOST: 11,
}  # fmt: skip
OLD_DEAL_WEIGHTS = {
    OpportunityStage.CLOSED_WON: 33, OpportunityStage.CLOSED_LOST: 57,
    OpportunityStage.NEGOTIATION: 3, OpportunityStage.PROPOSAL: 3,
    OpportunityStage.QUALIFICATION: 2, OpportunityStage.PROSPECTING: 2,
}  # fmt: skip
CLOSED_STAGES = (OpportunityStage.CLOSED_WON, OpportunityStage.CLOSED_LOST)
