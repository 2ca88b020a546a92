"""The response body's JSON, made by orjson, byte for byte what ``json.dumps`` makes.

Strawberry encodes a response with ``json.dumps(data, separators=(",", ":"))``: ASCII
only (``ensure_ascii``: every other character, and DEL, as a ``\\uXXXX`` escape) and
floats as ``repr`` writes them. orjson writes the same bytes for everything else at a
fraction of the cost, but UTF-8 for non-ASCII text, DEL as itself, and floats below
1e-4 or from 1e16 up without (or with a shorter) exponent. An answer is encoded by orjson
first; when its bytes hold anything that may differ (a byte outside printable ASCII, a
digit followed by an exponent, ``0.0000``: a conservative test that strings can also
trip) or orjson refuses a value (an integer beyond 64 bits), ``json.dumps`` encodes it.
Not-a-number floats cannot occur: GraphQL's ``Float`` refuses to serialise them.
"""

from __future__ import annotations

import json
import re

import orjson

#: In orjson's output: where ``json.dumps`` may have written something else.
_MAY_DIFFER = re.compile(rb"[^\x20-\x7e]|[0-9][eE]|0\.0000")


def standard_json(data: object) -> bytes:
    """Strawberry's encoding of a response."""
    return json.dumps(data, separators=(",", ":")).encode()


def fast_json(data: object) -> bytes:
    """The bytes of :func:`standard_json`, mostly made by orjson (see the module doc)."""
    try:
        encoded = orjson.dumps(data)
    except TypeError:
        return standard_json(data)
    if _MAY_DIFFER.search(encoded) is not None:
        return standard_json(data)
    return encoded
