"""Helpers of the operations tests: reading /metrics, running a server we can signal."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.server import SERVER_START_SECONDS, free_port, start_serve


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of the samples called ``name`` whose labels include ``labels``."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


@dataclass
class Served:
    """A ``crm-graphql serve`` subprocess and its address."""

    process: subprocess.Popen
    url: str
    log: Path


@contextmanager
def serving(tmp_path: Path, *args: str, **env: str) -> Iterator[Served]:
    """``crm-graphql serve *args`` until ``/healthz`` answers; stopped (if still running)
    afterwards."""
    port = free_port()
    process = start_serve(tmp_path, *args, port=port, **env)
    served = Served(process, f"http://127.0.0.1:{port}", tmp_path / "server.log")
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            assert process.poll() is None, served.log.read_text()
            try:
                if httpx.get(f"{served.url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, served.log.read_text()
            time.sleep(0.3)
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
