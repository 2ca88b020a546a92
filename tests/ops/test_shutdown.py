"""SIGTERM: in-flight requests finish, the connection pool closes, the process ends;
a request that never finishes is cut after CRM_SHUTDOWN_TIMEOUT.

After its orderly shutdown uvicorn raises the signal it caught again, so the process
ends "killed by SIGTERM" (143 in a shell), as supervisors expect of a stopped service.
"""

from __future__ import annotations

import json
import signal
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.ops.support import serving

JWT_SECRET = "ops-test-only-jwt-secret-0123456789-abcdefgh"
BODY = json.dumps({"query": "query SlowProbe { __typename }"}).encode()


def _start_request(url: str) -> socket.socket:
    """A POST /graphql whose headers and first half of the body have been sent: the
    server has started on it and is waiting for the rest."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(BODY)}\r\n\r\n"
    )
    sock.sendall(head.encode() + BODY[: len(BODY) // 2])
    return sock


def _read_response(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _log_lines(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def test_sigterm_lets_an_in_flight_request_finish_then_exits_cleanly(tmp_path: Path) -> None:
    env = {"CRM_JWT_SECRET": JWT_SECRET, "CRM_LOG_LEVEL": "info", "CRM_SHUTDOWN_TIMEOUT": "30"}
    with serving(tmp_path, **env) as server:
        sock = _start_request(server.url)
        time.sleep(0.5)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(1.5)
        assert server.process.poll() is None  # waiting for the request, not gone
        sock.sendall(BODY[len(BODY) // 2 :])
        response = _read_response(sock)
        sock.close()
        assert server.process.wait(timeout=30) == -signal.SIGTERM

    status_line, _, rest = response.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 200 OK", response
    assert b'"__typename":"Query"' in rest
    lines = _log_lines(server.log)
    messages = [line["message"] for line in lines]
    finished = [line for line in lines if line.get("operation") == "SlowProbe"]
    assert finished and finished[0]["status"] == 200
    # In order: the request ended, then the pool closed, then the process.
    closed = messages.index("database connections closed")
    assert lines.index(finished[0]) < closed
    assert closed < messages.index("Application shutdown complete.")
    assert messages[-1].startswith("Finished server process")
    assert "Traceback" not in server.log.read_text()


def test_a_request_that_never_finishes_is_cut_after_the_shutdown_timeout(tmp_path: Path) -> None:
    env = {"CRM_JWT_SECRET": JWT_SECRET, "CRM_LOG_LEVEL": "info", "CRM_SHUTDOWN_TIMEOUT": "1"}
    with serving(tmp_path, **env) as server:
        sock = _start_request(server.url)
        time.sleep(0.5)
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == -signal.SIGTERM
        waited = time.monotonic() - started
        sock.close()
    assert 1 <= waited < 15
    assert "database connections closed" in server.log.read_text()
