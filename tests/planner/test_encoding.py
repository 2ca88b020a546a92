"""Responses encoded by orjson are the bytes the standard library makes."""

from __future__ import annotations

import json
import random

import pytest

from crm_graphql.api.runtime.encoding import fast_json, standard_json

TRICKY = [
    {"name": "José Müller", "emoji": "😀", "quote": 'say "hi"\\', "control": "a\x00\x1f\x7fb"},
    {"small": [1e-05, 2.5e-07, 0.0001, 1e-4 - 1e-20], "large": [1e16, 1.5e300, 123456789.125]},
    {"big": 2**70, "negative": -(2**65), "max": 2**63 - 1},
    {"plain": [0.1, 1.0, -0.0, 100.0, 1e15], "text": "100e5 and 0.00001 as text"},
    {"data": None, "errors": [{"message": "x", "path": ["a", 0, "b"], "extensions": {}}]},
    {"separators": {"a": [1, True, None, {"b": -5}], "": ""}, "slash": "</script>"},
]


@pytest.mark.parametrize("value", TRICKY)
def test_tricky_values_encode_as_the_standard_library_does(value):
    assert fast_json(value) == standard_json(value)
    assert standard_json(value) == json.dumps(value, separators=(",", ":")).encode()


def test_random_floats_and_strings_encode_as_the_standard_library_does():
    rng = random.Random(7)
    for _ in range(5000):
        value = {
            "f": rng.choice([-1, 1]) * rng.random() * 10 ** rng.randint(-30, 30),
            "s": "".join(chr(rng.randint(0, 0x3FF)) for _ in range(rng.randint(0, 5))),
            "i": rng.randint(-(2**70), 2**70),
        }
        assert fast_json(value) == standard_json(value), value


def test_plain_answers_are_made_by_orjson_alone():
    import orjson

    value = {"data": {"customers": {"nodes": [{"id": "Q3VzdG9tZXI6MQ==", "total": "12.50"}]}}}
    assert fast_json(value) == orjson.dumps(value)
