"""Sampling helpers and the pools of Faker-made values every row samples from."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from faker import Faker

from crm_graphql.demo.reference import STAGE_WEIGHTS
from crm_graphql.domains.customers.models import (
    LifecycleStage,
)

# --------------------------------------------------------------------------------------------
# Sampling helpers
# --------------------------------------------------------------------------------------------

T = TypeVar("T")


def table_of(weights: Mapping[T, float], resolution: int = 1000) -> list[T]:
    """A list where each value appears in proportion to its weight.

    Indexing it with ``int(random() * len)`` is a weighted draw several times cheaper than
    :meth:`random.Random.choices`, which matters at millions of draws.
    """
    total = sum(weights.values())
    table: list[T] = []
    for value, weight in weights.items():
        table.extend([value] * max(1, round(weight / total * resolution)))
    return table


def normalised(factors: dict[LifecycleStage, float]) -> dict[LifecycleStage, float]:
    # Scale so that the average over the lifecycle mix is 1: the per-customer means then
    # multiply out to the configured averages.
    total = sum(STAGE_WEIGHTS.values())
    mean = sum(factors[stage] * weight / total for stage, weight in STAGE_WEIGHTS.items())
    return {stage: value / mean for stage, value in factors.items()}


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


_LEGAL_WORDS = frozenset(
    ("and", "co", "inc", "llc", "ltd", "plc", "group", "gmbh", "kg", "ag", "ohg", "sa", "sas",
     "sarl", "bv", "nv", "the", "sons", "partners")
)  # fmt: skip


def domain_stem(company: str) -> str:
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
class LocalePool:
    first_names: list[tuple[str, str]]  # (name, ASCII slug for e-mail addresses)
    last_names: list[tuple[str, str]]
    addresses: list[tuple[str, str | None, str, str, str]]  # line1, line2, city, region, code
    companies: list[str]


def pool_size(customers: int, share: float, floor: int, ceiling: int) -> int:
    return max(floor, min(ceiling, int(customers * share)))


def locale_pool(faker: Faker, size: int, companies: int, rng: random.Random) -> LocalePool:
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
    return LocalePool(
        first_names=[(name, _ascii_slug(name) or "contact") for name in firsts],
        last_names=[(name, _ascii_slug(name) or "person") for name in lasts],
        addresses=[address() for _ in range(size)],
        companies=[faker.company() for _ in range(companies)],
    )
