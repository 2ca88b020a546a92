"""Metrics that add up across uvicorn worker processes (prometheus-client multiprocess mode)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

#: Read by prometheus-client when it is imported: the folder of the shared samples.
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def metrics_shared_by_workers(workers: int) -> Iterator[str | None]:
    """Set up ``PROMETHEUS_MULTIPROC_DIR`` for a server with ``workers`` processes.

    More than one worker: a fresh, empty folder for this start (samples of an earlier
    run must not be added in), removed when the server stops. The variable must be
    set before the workers import prometheus-client; uvicorn starts them as new
    interpreters, which inherit it. One worker keeps its samples in memory.
    """
    if workers <= 1:
        os.environ.pop(MULTIPROCESS_ENV, None)
        yield None
        return
    folder = tempfile.mkdtemp(prefix="crm-graphql-metrics-")
    os.environ[MULTIPROCESS_ENV] = folder
    try:
        yield folder
    finally:
        os.environ.pop(MULTIPROCESS_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)
