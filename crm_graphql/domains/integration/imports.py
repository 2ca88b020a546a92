"""CSV import jobs (see docs/integration.md)."""

from __future__ import annotations

#: The event that starts (or resumes) an import job.
IMPORT_REQUESTED = "import.requested"


async def run_job(job_id: int) -> None:
    """Run import job ``job_id`` from where it stopped."""
    raise NotImplementedError
