"""Running the real ``crm-graphql serve`` command in a subprocess for a test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from crm_graphql.api.roles import Role
from crm_graphql.domains.auth.services import DEMO_PASSWORD, demo_email

SERVER_START_SECONDS = 180


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_serve(tmp_path: Path, *args: str, port: int = 0, **env: str) -> subprocess.Popen:
    """``crm-graphql serve *args`` on a SQLite file in ``tmp_path``; output in server.log.

    CRM_JWT_SECRET is not inherited: a test sets it when it wants one.
    """
    environment = {
        **{k: v for k, v in os.environ.items() if k != "CRM_JWT_SECRET"},
        "CRM_DATABASE_URL": f"sqlite://{tmp_path / 'crm.sqlite3'}",
        "CRM_HOST": "127.0.0.1",
        "CRM_PORT": str(port or 1),
        "CRM_LOG_LEVEL": "warning",
        **env,
    }
    command = [sys.executable, "-c", "from crm_graphql.cli import main; main()", "serve", *args]
    log = (tmp_path / "server.log").open("wb")
    return subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)


@contextmanager
def running_server(tmp_path: Path, *args: str, **env: str) -> Iterator[str]:
    """A started server (its /health answers 200); yields its base URL, stops it after."""
    port = free_port()
    process = start_serve(tmp_path, *args, port=port, **env)
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class DemoServer:
    """A running ``crm-graphql serve --demo``, with its demo users."""

    url: str

    def sign_in(self, role: Role) -> str:
        """An access token of the demo user of ``role``, from ``login`` over HTTP."""
        response = httpx.post(
            f"{self.url}/graphql",
            json={
                "query": "mutation ($email: String!, $password: String!) {"
                " login(email: $email, password: $password) { accessToken } }",
                "variables": {"email": demo_email(role), "password": DEMO_PASSWORD},
            },
        )
        body = response.json()
        assert not body.get("errors"), body
        return body["data"]["login"]["accessToken"]

    def query(
        self, query: str, token: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The response body of ``query`` (with ``variables``) sent with ``token``."""
        headers = {"Authorization": f"Bearer {token}"}
        body = {"query": query, "variables": variables or {}}
        return httpx.post(f"{self.url}/graphql", json=body, headers=headers).json()
