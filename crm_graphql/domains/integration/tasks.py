"""Background work of the integration domain, on the event machinery's worker.

- ``integration.webhooks.fan_out`` (transactional): for each event of the documented
  list, one delivery per subscribed endpoint, and one ``webhook.delivery_due`` event per
  delivery, committed together (exactly once).
- ``integration.webhooks.send`` (external effect, at least once): one POST per run;
  a failure is retried by the event machinery with exponential backoff and jitter
  (30 s doubling up to an hour) until ``CRM_WEBHOOK_RETRY_HOURS`` have passed.
- ``integration.imports.run``: runs a CSV import job (see :mod:`.imports`), with a
  heartbeat: a long import keeps its claim while its worker is alive.
"""

from __future__ import annotations

from crm_graphql.domains.integration import imports, webhooks
from crm_graphql.domains.integration.event_types import EVENT_TYPES
from crm_graphql.events import Event, PermanentFailure, subscriber

#: Retries of a delivery: 30 s, 60 s, ... up to 1 h apart (with jitter): about a day in
#: 30-odd attempts; the delivery itself gives up after ``CRM_WEBHOOK_RETRY_HOURS``.
RETRY_BASE_SECONDS = 30.0
RETRY_MAX_SECONDS = 3600.0
MAX_ATTEMPTS = 60
#: An import renews its claim every 20 s while its worker lives (a heartbeat); a
#: worker that died is replaced a minute after its last renewal, and the job goes on
#: after its last committed batch. However long the file, the run has this long.
IMPORT_LEASE_SECONDS = 60.0
IMPORT_TIME_LIMIT_SECONDS = 24 * 3600.0


@subscriber("integration.webhooks.fan_out", events=sorted(EVENT_TYPES))
async def fan_out(event: Event) -> None:
    """Make the deliveries of ``event`` (in the run's transaction)."""
    await webhooks.make_deliveries(event)


async def send(event: Event) -> None:
    """One attempt of one delivery."""
    try:
        await webhooks.attempt(int(event.entity_id), webhooks.current_settings())
    except webhooks.GiveUp as exc:
        raise PermanentFailure(str(exc)) from None


def register_sender(
    *,
    retry_base_seconds: float = RETRY_BASE_SECONDS,
    retry_max_seconds: float = RETRY_MAX_SECONDS,
    max_attempts: int = MAX_ATTEMPTS,
) -> None:
    """Register the sender with its retry policy (tests register it with short delays)."""
    subscriber(
        "integration.webhooks.send",
        events=[webhooks.DELIVERY_DUE],
        transactional=False,
        max_attempts=max_attempts,
        retry_base_seconds=retry_base_seconds,
        retry_max_seconds=retry_max_seconds,
        timeout_seconds=120.0,
    )(send)


register_sender()


async def run_import(event: Event) -> None:
    """Run (or go on with) an import job."""
    await imports.run_job(int(event.entity_id))


def register_importer(*, lease_seconds: float = IMPORT_LEASE_SECONDS) -> None:
    """Register the import runner with its heartbeat's lease (tests use a short one)."""
    subscriber(
        "integration.imports.run",
        events=[imports.IMPORT_REQUESTED],
        transactional=False,
        max_attempts=20,
        timeout_seconds=IMPORT_TIME_LIMIT_SECONDS,
        lease_seconds=lease_seconds,
    )(run_import)


register_importer()
