"""The documentation shows queries that the schema accepts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import parse, validate

from crm_graphql.schema import build_schema

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCKS = [
    pytest.param(block, id=f"{path.name}#{index}")
    for path in DOCUMENTS
    for index, block in enumerate(re.findall(r"```graphql\n(.*?)```", path.read_text(), re.S))
]


@pytest.mark.parametrize("block", BLOCKS)
def test_every_graphql_example_in_the_docs_is_valid_against_the_schema(block: str):
    errors = validate(build_schema()._schema, parse(block))
    assert not errors, [error.message for error in errors]
