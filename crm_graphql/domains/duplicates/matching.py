"""Which records may be duplicates, and how likely: blocking keys, then a score.

For each kind of record a :class:`Matching` states its blocking keys (see
:mod:`.blocking`) and how a candidate pair is scored. Names are compared with RapidFuzz
(the better of ``ratio`` and ``token_sort_ratio``, which ignores word order) after its
default processing (lower case, punctuation removed); for companies, legal forms (Inc,
GmbH, Ltd...) are dropped first. Each reason is a piece of evidence with a weight; the score is
``1 - prod(1 - weight)``: two pieces of evidence make a pair more likely than either.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process
from tortoise.expressions import Q
from tortoise.models import Model

from crm_graphql.domains.customers.models import Company, Customer
from crm_graphql.domains.duplicates.blocking import BlockingKey, block_rows, candidate_pairs
from crm_graphql.domains.duplicates.enums import DuplicateEntity, DuplicateReason
from crm_graphql.domains.leads.models import Lead

#: Legal forms left out when company names are compared.
LEGAL_FORMS = frozenset(
    [
        "inc",
        "incorporated",
        "llc",
        "ltd",
        "limited",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "co",
        "corp",
        "corporation",
        "company",
        "kg",
        "ohg",
        "pty",
        "lp",
        "llp",
    ]
)


def person_name(row: dict[str, Any]) -> str:
    """A person's name as compared: first and last name, processed."""
    return default_process(f"{row.get('first_name') or ''} {row.get('last_name') or ''}")


def company_name(row: dict[str, Any]) -> str:
    """A company's name as compared: processed, without its legal form."""
    words = default_process(row.get("name") or "").split()
    kept = [word for word in words if word not in LEGAL_FORMS]
    return " ".join(kept or words)


def _email_key(column: str) -> BlockingKey:
    return BlockingKey(
        "EMAIL",
        (f"LOWER(TRIM({column}))",),
        f"{column} IS NOT NULL AND TRIM({column}) <> ''",
    )


def _phone_key(column: str) -> BlockingKey:
    return BlockingKey("PHONE", (column,), f"{column} IS NOT NULL AND {column} <> ''")


#: People in name order: by last name, or by first name in the blocks of first names
#: (so that two spellings of one last name meet there).
NAME_ORDER = ("LOWER(base.last_name)", "LOWER(base.first_name)", "base.id")
FIRST_NAME_ORDER = ("LOWER(base.first_name)", "LOWER(base.last_name)", "base.id")


@dataclass(frozen=True)
class Matching:
    """How duplicates of one kind of record are found and scored."""

    #: The GraphQL type of the records.
    type_name: str
    model: type[Model]
    #: The columns read for blocking and scoring (``id`` first).
    columns: tuple[str, ...]
    keys: tuple[BlockingKey, ...]
    #: The order of the records within a block (SQL, over ``base``: the columns read).
    order: tuple[str, ...]
    #: The name compared, from the columns read.
    name_of: Callable[[dict[str, Any]], str]
    #: Blocking keys that are themselves a reason, with the reason and its weight.
    exact: dict[str, tuple[DuplicateReason, float]]
    #: Similar names count from this similarity (0-1) on.
    name_threshold: float
    #: The column of the group that makes similar names a strong reason (the company);
    #: None: similar names are a strong reason by themselves.
    group_column: str | None


#: How people (customers, leads) are compared once a block pairs them.
PEOPLE: dict[str, Any] = {
    "order": NAME_ORDER,
    "name_of": person_name,
    "exact": {
        "EMAIL": (DuplicateReason.SAME_EMAIL, 0.9),
        "PHONE": (DuplicateReason.SAME_PHONE, 0.6),
    },
    "name_threshold": 0.85,
}

CUSTOMERS = Matching(
    type_name="Customer",
    model=Customer,
    columns=("id", "first_name", "last_name", "email", "phone", "company_id"),
    keys=(
        _email_key("email"),
        _phone_key("phone"),
        # Similar names within a company: two blocks (last-name and first-name prefix),
        # so that a typo in one name still meets the other.
        BlockingKey(
            "COMPANY_LAST",
            ("company_id", "LOWER(SUBSTR(last_name, 1, 2))"),
            "company_id IS NOT NULL",
        ),
        BlockingKey(
            "COMPANY_FIRST",
            ("company_id", "LOWER(SUBSTR(first_name, 1, 2))"),
            "company_id IS NOT NULL",
            order=FIRST_NAME_ORDER,
        ),
    ),
    **PEOPLE,
    group_column="company_id",
)

LEADS = Matching(
    type_name="Lead",
    model=Lead,
    columns=("id", "first_name", "last_name", "email", "phone", "company_name"),
    keys=(
        _email_key("email"),
        _phone_key("phone"),
        BlockingKey(
            "COMPANY_LAST",
            ("LOWER(TRIM(company_name))", "LOWER(SUBSTR(last_name, 1, 2))"),
            "company_name IS NOT NULL AND TRIM(company_name) <> ''",
        ),
        BlockingKey(
            "COMPANY_FIRST",
            ("LOWER(TRIM(company_name))", "LOWER(SUBSTR(first_name, 1, 2))"),
            "company_name IS NOT NULL AND TRIM(company_name) <> '' AND first_name IS NOT NULL",
            order=FIRST_NAME_ORDER,
        ),
    ),
    **PEOPLE,
    group_column="company_name",
)

COMPANIES = Matching(
    type_name="Company",
    model=Company,
    columns=("id", "name", "domain", "phone"),
    keys=(
        BlockingKey(
            "DOMAIN",
            ("LOWER(TRIM(domain))",),
            "domain IS NOT NULL AND TRIM(domain) <> ''",
        ),
        _phone_key("phone"),
        BlockingKey("NAME", ("LOWER(SUBSTR(name, 1, 3))",), "name IS NOT NULL"),
    ),
    order=("LOWER(base.name)", "base.id"),
    name_of=company_name,
    exact={
        "DOMAIN": (DuplicateReason.SAME_DOMAIN, 0.85),
        "PHONE": (DuplicateReason.SAME_PHONE, 0.6),
    },
    name_threshold=0.9,
    group_column=None,
)

MATCHINGS = {
    DuplicateEntity.CUSTOMER: CUSTOMERS,
    DuplicateEntity.COMPANY: COMPANIES,
    DuplicateEntity.LEAD: LEADS,
}


@dataclass(frozen=True)
class ScoredPair:
    """Two records that may be the same, with the score (0-1) and the reasons."""

    score: float
    first_id: int
    second_id: int
    reasons: tuple[DuplicateReason, ...]


def name_similarity(left: str, right: str) -> float:
    """How alike two processed names are, 0-1: the better of the plain ratio (a typo
    that moves a word in sorted order, "Taylor"/"Tyalor") and the ratio of the words
    sorted (first and last name swapped)."""
    if not left or not right:
        return 0.0
    return max(fuzz.ratio(left, right), fuzz.token_sort_ratio(left, right)) / 100


def _same_group(a: dict[str, Any], b: dict[str, Any], column: str) -> bool:
    left, right = a.get(column), b.get(column)
    if left is None or right is None:
        return False
    if isinstance(left, str) and isinstance(right, str):
        return left.strip().lower() == right.strip().lower() != ""
    return bool(left == right)


def score_pair(
    matching: Matching,
    a: dict[str, Any],
    b: dict[str, Any],
    names: tuple[str, str],
    blocks: set[str],
) -> ScoredPair | None:
    """The score and reasons of one candidate pair; None when nothing but a shared
    block speaks for it."""
    reasons: list[DuplicateReason] = []
    weights: list[float] = []
    strong = False
    for block in sorted(blocks):
        if block in matching.exact:
            reason, weight = matching.exact[block]
            reasons.append(reason)
            weights.append(weight)
            strong = True
    similarity = name_similarity(*names)
    if similarity >= matching.name_threshold:
        if matching.group_column is None:
            reasons.append(DuplicateReason.SIMILAR_NAME)
            weights.append(0.8 * similarity)
            strong = True
        elif _same_group(a, b, matching.group_column):
            reasons.append(DuplicateReason.SIMILAR_NAME_SAME_COMPANY)
            weights.append(0.8 * similarity)
            strong = True
        else:
            # Alone, a common name says little; with a shared e-mail it adds.
            reasons.append(DuplicateReason.SIMILAR_NAME)
            weights.append(0.5 * similarity)
    if not strong:
        return None
    score = 1 - math.prod(1 - weight for weight in weights)
    first, second = sorted((int(a["id"]), int(b["id"])))
    return ScoredPair(round(score, 4), first, second, tuple(reasons))


async def find_duplicates(
    matching: Matching, condition: Q, *, min_score: float
) -> list[ScoredPair]:
    """Every scored candidate pair of the records matching ``condition`` with at least
    ``min_score``, most likely first (then by IDs): one SQL statement."""
    rows = await block_rows(
        matching.model, condition, matching.columns, matching.keys, matching.order
    )
    records: dict[int, dict[str, Any]] = {}
    for row in rows:
        records.setdefault(int(row["id"]), row)
    names = {pk: matching.name_of(row) for pk, row in records.items()}
    scored: list[ScoredPair] = []
    for (a, b), blocks in candidate_pairs(rows, matching.keys).items():
        pair = score_pair(matching, records[a], records[b], (names[a], names[b]), blocks)
        if pair is not None and pair.score >= min_score:
            scored.append(pair)
    scored.sort(key=sort_key)
    return scored


def sort_key(pair: ScoredPair) -> tuple[float, int, int]:
    """Most likely first, then by the IDs."""
    return (-pair.score, pair.first_id, pair.second_id)


def after_position(pairs: Sequence[ScoredPair], position: tuple[float, int, int]) -> int:
    """The index of the first pair after ``position`` (a :func:`sort_key`)."""
    low, high = 0, len(pairs)
    while low < high:
        middle = (low + high) // 2
        if sort_key(pairs[middle]) <= position:
            low = middle + 1
        else:
            high = middle
    return low
