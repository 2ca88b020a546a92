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

#: In orjson's output, an exponent: "e" then a digit or a minus sign (the digit before
#: it is checked for each match: matches are rare, and a pattern starting with a literal
#: is searched much faster than one starting with a class).
_EXPONENT = re.compile(rb"e[-0-9]")
_DIGITS = range(0x30, 0x3A)


def may_differ(encoded: bytes) -> bool:
    """True when ``json.dumps`` may have written other bytes than orjson's ``encoded``:
    non-ASCII text, DEL, a float written with an exponent or as ``0.0000...``."""
    if not encoded.isascii() or b"\x7f" in encoded or b"0.0000" in encoded:
        return True
    return any(
        match.start() > 0 and encoded[match.start() - 1] in _DIGITS
        for match in _EXPONENT.finditer(encoded)
    )


def standard_json(data: object) -> bytes:
    """Strawberry's encoding of a response."""
    return json.dumps(data, separators=(",", ":")).encode()


def fast_json(data: object) -> bytes:
    """The bytes of :func:`standard_json`, mostly made by orjson (see the module doc)."""
    try:
        encoded = orjson.dumps(data)
    except TypeError:
        return standard_json(data)
    if may_differ(encoded):
        return standard_json(data)
    return encoded
