"""The servers side by side: how each is asked the headline query, and what it costs.

A :class:`Contender` is one running server process: how to send it the headline query
for ``first: N``, how to turn its answer into the API's ``data``, and the CPU time its
process (and any children) has used, read from ``/proc``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

START_SECONDS = 120
_TICKS = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(child) for child in handle.read().split())
    except OSError:
        pass
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` and its descendants so far."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/stat") as handle:
                # The command name may contain spaces: fields follow its closing ")".
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / _TICKS
        pending.extend(_children(current))
    return total


@dataclass
class Contender:
    """One server answering the headline query."""

    key: str
    label: str
    base_url: str
    process: subprocess.Popen
    #: ``first`` -> (method, path, JSON body or None, query parameters or None).
    request: Callable[[int], tuple[str, str, Any, Any]]
    #: The answer's JSON -> the API's ``data``.
    shape: Callable[[dict[str, Any]], Any]
    headers: dict[str, str] = field(default_factory=dict)
    log: Path | None = None

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)

    async def send(self, client: httpx.AsyncClient, first: int) -> httpx.Response:
        method, path, body, params = self.request(first)
        return await client.request(
            method, self.base_url + path, json=body, params=params, headers=self.headers
        )

    async def answer(self, client: httpx.AsyncClient, first: int) -> Any:
        """The answer for ``first`` in the API's shape (the run stops on an error)."""
        response = await self.send(client, first)
        body = response.json() if response.status_code == 200 else None
        if body is None or body.get("errors") or body.get("data") is None:
            raise SystemExit(f"{self.label}: HTTP {response.status_code} {response.text[:1000]}")
        return self.shape(body["data"])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def wait_until_answers(contender: Contender) -> None:
    """Until the server answers the headline query for ``first: 1`` with HTTP 200."""
    deadline = time.monotonic() + START_SECONDS
    async with httpx.AsyncClient(timeout=30) as client:
        while True:
            if contender.process.poll() is not None:
                log = contender.log.read_text()[-3000:] if contender.log else ""
                raise SystemExit(f"{contender.label} exited during start\n{log}")
            try:
                if (await contender.send(client, 1)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{contender.label} did not start")
            await asyncio.sleep(0.3)
