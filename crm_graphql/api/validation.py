"""Input checks shared by the mutations. Each adds a problem at the input's path and
returns the cleaned value (or None); none of them stops at the first problem."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

from crm_graphql.api.mutations.problems import Problems, UserErrorCode
from crm_graphql.api.scalars import canonical_decimal

Path = Sequence[str | int]

#: The largest amount a DECIMAL(14,2) column holds.
MAX_AMOUNT = Decimal("999999999999.99")


def text(
    problems: Problems, path: Path, value: str | None, *, max_length: int, required: bool = False
) -> str | None:
    """Text stored as given (no escaping), trimmed at the ends, within the column length."""
    if value is None:
        if required:
            problems.add(path, "This is required.", UserErrorCode.REQUIRED)
        return None
    value = value.strip()
    if not value:
        if required:
            problems.add(path, "This is required.", UserErrorCode.REQUIRED)
        return None
    if len(value) > max_length:
        problems.add(path, f"At most {max_length} characters.", UserErrorCode.TOO_LONG)
        return None
    return value


def email(problems: Problems, path: Path, value: str | None) -> str | None:
    """A syntactically valid e-mail address, with its domain normalised."""
    if value is None or not value.strip():
        return None
    try:
        normalized = _normalized_email(value.strip())
    except EmailNotValidError as exc:
        problems.add(path, str(exc), UserErrorCode.INVALID)
        return None
    if len(normalized) > 254:
        problems.add(path, "At most 254 characters.", UserErrorCode.TOO_LONG)
        return None
    return normalized


#: A plain local part (dot-atom of ASCII letters, digits and the other atext characters):
#: email-validator keeps it as it is, so only the domain needs its checks.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_LOCAL = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*\Z")


def _normalized_email(text: str) -> str:
    """What ``validate_email(text).normalized`` is (or raises), checking the domain once
    per distinct domain: an import of a million addresses has a few thousand domains."""
    local, at, domain = text.rpartition("@")
    if at and len(text) <= 254 and len(local) <= 64 and _PLAIN_LOCAL.match(local):
        normalized_domain = _email_domain(domain)
        if normalized_domain is not None:
            return f"{local}@{normalized_domain}"
    return validate_email(text, check_deliverability=False).normalized


@functools.lru_cache(maxsize=8192)
def _email_domain(domain: str) -> str | None:
    """The normalised domain, or None when it is not valid (the full check then says
    why)."""
    try:
        return validate_email(f"a@{domain}", check_deliverability=False).normalized[2:]
    except EmailNotValidError:
        return None


def phone(problems: Problems, path: Path, value: str | None, region: str) -> str | None:
    """A phone number in E.164 form (numbers without a country code use ``region``)."""
    if value is None or not value.strip():
        return None
    e164 = _e164(value, region)
    if e164 is None:
        problems.add(path, "Not a valid phone number.", UserErrorCode.INVALID)
    return e164


@functools.lru_cache(maxsize=8192)
def _e164(value: str, region: str) -> str | None:
    """``value`` in E.164, or None when it is no valid number (kept per distinct value:
    parsing is the costly part of a row of an import)."""
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def country(problems: Problems, path: Path, value: str | None) -> str | None:
    """An ISO 3166-1 alpha-2 country code."""
    if value is None or not value.strip():
        return None
    code = value.strip().upper()
    if not _is_country(code):
        problems.add(path, "Not an ISO 3166-1 alpha-2 country code.", UserErrorCode.INVALID)
        return None
    return code


@functools.lru_cache(maxsize=1024)
def _is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


def currency(problems: Problems, path: Path, value: str | None) -> str | None:
    """An ISO 4217 currency code."""
    if value is None or not value.strip():
        problems.add(path, "This is required.", UserErrorCode.REQUIRED)
        return None
    code = value.strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        problems.add(path, "Not an ISO 4217 currency code.", UserErrorCode.INVALID)
        return None
    return code


def money(
    problems: Problems, path: Path, value: Decimal | str | None, *, allow_negative: bool = False
) -> Decimal | None:
    """An amount with at most two decimals that fits the money columns."""
    if value is None:
        problems.add(path, "This is required.", UserErrorCode.REQUIRED)
        return None
    amount = value if isinstance(value, Decimal) else canonical_decimal(value)
    if amount is None:
        problems.add(
            path,
            "Not a decimal amount: ASCII digits, an optional minus and fraction (1234.50).",
            UserErrorCode.INVALID,
        )
        return None
    exponent = amount.as_tuple().exponent  # a letter for NaN and infinity
    if not isinstance(exponent, int) or exponent < -2:
        problems.add(path, "At most two decimals.", UserErrorCode.INVALID)
        return None
    if (amount < 0 and not allow_negative) or abs(amount) > MAX_AMOUNT:
        problems.add(path, "Out of the allowed range.", UserErrorCode.OUT_OF_RANGE)
        return None
    return amount.quantize(Decimal("0.01"))


def past_date(problems: Problems, path: Path, value: date | None) -> date | None:
    """A date that is not in the future (birth dates)."""
    if value is not None and value > datetime.now(UTC).date():
        problems.add(path, "Must not be in the future.", UserErrorCode.OUT_OF_RANGE)
        return None
    return value


def tags(problems: Problems, path: Path, value: list[str] | None) -> list[str] | None:
    """Free labels: trimmed, unique, at most 50 of at most 50 characters."""
    if value is None:
        return None
    cleaned: list[str] = []
    for index, tag in enumerate(value):
        label = tag.strip()
        if not label or len(label) > 50:
            problems.add([*path, index], "1 to 50 characters.", UserErrorCode.INVALID)
        elif label not in cleaned:
            cleaned.append(label)
    if len(cleaned) > 50:
        problems.add(path, "At most 50 tags.", UserErrorCode.TOO_MANY)
    return cleaned
