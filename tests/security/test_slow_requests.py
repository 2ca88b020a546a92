"""Issue 12, finding 10: half-sent requests (headers a piece at a time, or a body
shorter than its Content-Length) are cut after the read timeouts with a 408, instead
of holding a connection for as long as the client likes."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlparse

import httpx

from tests.security.conftest import BODY_TIMEOUT_SECONDS, HEADER_TIMEOUT_SECONDS

#: How long the test waits for the server's answer at most (the old behaviour: forever).
WAIT_SECONDS = 15


async def _send_and_read(base_url: str, raw: bytes) -> tuple[bytes, float]:
    """Send ``raw`` over a new connection, then read until the server closes it."""
    parts = urlparse(base_url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    started = time.perf_counter()
    try:
        writer.write(raw)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), WAIT_SECONDS)
    finally:
        writer.close()
    return answer, time.perf_counter() - started


def _status_and_body(answer: bytes) -> tuple[int, dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


async def test_a_body_shorter_than_its_length_is_cut_after_the_body_timeout(
    real_server: str,
) -> None:
    raw = (
        b"POST /graphql HTTP/1.1\r\nHost: crm\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n{"
    )
    answer, seconds = await _send_and_read(real_server, raw)
    status, body = _status_and_body(answer)
    assert status == 408
    assert body["errors"][0]["extensions"]["code"] == "REQUEST_TIMEOUT"
    assert "body" in body["errors"][0]["message"]
    assert seconds < BODY_TIMEOUT_SECONDS + 5


async def test_headers_that_never_end_are_cut_after_the_header_timeout(real_server: str) -> None:
    answer, seconds = await _send_and_read(real_server, b"POST /graphql HTTP/1.1\r\nHost: crm\r\n")
    status, body = _status_and_body(answer)
    assert status == 408
    assert body["errors"][0]["extensions"]["code"] == "REQUEST_TIMEOUT"
    assert "headers" in body["errors"][0]["message"]
    assert seconds < HEADER_TIMEOUT_SECONDS + 5


async def test_a_silent_connection_is_closed_after_the_header_timeout(real_server: str) -> None:
    answer, seconds = await _send_and_read(real_server, b"")
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408")
    assert seconds < HEADER_TIMEOUT_SECONDS + 5


async def test_whole_requests_are_served_on_the_same_server(real_server: str) -> None:
    async with httpx.AsyncClient(base_url=real_server, timeout=30) as http:
        response = await http.post("/graphql", json={"query": "{ __typename }"})
    assert response.json() == {"data": {"__typename": "Query"}}
