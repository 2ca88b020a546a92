"""The shared input checks: the cached e-mail and phone checks answer exactly what the
libraries answer for each address, per distinct domain or number."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email

from crm_graphql.api import validation
from crm_graphql.api.mutations.problems import Problems

ADDRESSES = [
    "ann@example.com",
    "Ann.Lee+crm@Example.COM",
    "o'brien@example.ie",
    "x_y-z!#$%&*/=?^`{|}~@mail.example.org",
    "ann@bücher.example",
    "ann@xn--bcher-kva.example",
    "jörg@example.de",
    '"quoted name"@example.com',
    "a..b@example.com",
    ".ann@example.com",
    "ann.@example.com",
    "ann@example",
    "ann@localhost",
    "ann@example..com",
    "ann@-example.com",
    "ann@example.com.",
    "ann@@example.com",
    "ann@exa mple.com",
    "Ann Lee <ann@example.com>",
    "ann@123.123.123.123",
    "ann@[127.0.0.1]",
    "ann@invalid",
    "ann@test.test",
    "a" * 64 + "@example.com",
    "a" * 65 + "@example.com",
    "ann@" + "a" * 64 + ".com",
    "ann@" + ".".join(["a" * 60] * 4) + ".com",
    "no-at-sign",
    "@example.com",
    "ann@",
]


def _library(text: str) -> tuple[str | None, str | None]:
    try:
        normalized = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        return None, str(exc)
    if len(normalized) > 254:
        return None, "At most 254 characters."
    return normalized, None


@pytest.mark.parametrize("text", ADDRESSES)
def test_email_check_answers_what_email_validator_answers(text: str):
    for _ in range(2):  # the second time from the domain cache
        problems = Problems(None)
        value = validation.email(problems, ["email"], text)
        messages = [problem.message for problem in problems.errors]
        assert (value, messages[0] if messages else None) == _library(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(415) 555-0100", "+14155550100"),
        ("+44 20 7946 0000", "+442079460000"),
        ("+1 415 555 0100", "+14155550100"),
        ("12", None),
        ("not a number", None),
    ],
)
def test_phone_check_is_e164_or_a_problem(text: str, expected: str | None):
    for _ in range(2):
        problems = Problems(None)
        assert validation.phone(problems, ["phone"], text, "US") == expected
        assert len(problems.errors) == (0 if expected else 1)
