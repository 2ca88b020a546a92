"""Running the event machinery: in the server without a broker, or as the worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterable

from tortoise import Tortoise

from crm_graphql.events.queue import QueueDispatcher, make_broker
from crm_graphql.events.runner import EventRunner, InProcessDispatcher
from crm_graphql.events.subscribers import all_subscribers, load_subscriber_modules
from crm_graphql.settings import Settings

logger = logging.getLogger("crm_graphql.events")

#: Longest pause between two attempts to reach a broker that is down.
BROKER_RETRY_MAX_SECONDS = 30.0


class InProcessEvents:
    """Relay, scheduler and runs inside the server process (no broker configured)."""

    def __init__(self, settings: Settings, concurrency: int | None = None) -> None:
        self.dispatcher = InProcessDispatcher(settings, concurrency or settings.events_concurrency)
        self.runner = EventRunner(settings, self.dispatcher)

    async def start(self) -> None:
        """Start (the ORM must be initialised)."""
        self.dispatcher.start()
        await self.runner.start()

    async def stop(self) -> None:
        """Stop; unfinished runs are picked up again after their lease."""
        await self.runner.stop()
        await self.dispatcher.stop()


async def _start_broker(broker, stop: asyncio.Event) -> bool:  # type: ignore[no-untyped-def]
    """Connect to the broker, trying again with growing pauses while it is down.
    Returns false when asked to stop first."""
    pause = 1.0
    while not stop.is_set():
        try:
            await broker.startup()
            return True
        except Exception as exc:
            logger.warning(
                "the job queue is not reachable (%s), trying again in %.0f s", exc, pause
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)
            pause = min(pause * 2, BROKER_RETRY_MAX_SECONDS)
    return False


async def _consume(broker, settings: Settings, concurrency: int, stop: asyncio.Event) -> None:  # type: ignore[no-untyped-def]
    """Consume the queue until ``stop``; a lost broker connection is tried again."""
    from taskiq.acks import AcknowledgeType
    from taskiq.receiver import Receiver

    pause = 1.0
    while not stop.is_set():
        receiver = Receiver(
            broker=broker,
            max_async_tasks=concurrency,
            max_prefetch=0,
            run_startup=False,
            ack_type=AcknowledgeType.WHEN_EXECUTED,
            propagate_exceptions=False,
            wait_tasks_timeout=settings.events_handler_timeout_seconds,
        )
        try:
            await receiver.listen(stop)
            pause = 1.0
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.warning("consuming the job queue failed (%s), again in %.0f s", exc, pause)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)
            pause = min(pause * 2, BROKER_RETRY_MAX_SECONDS)
            await _redeclare(broker)


async def _redeclare(broker) -> None:  # type: ignore[no-untyped-def]
    """A Redis that restarted without its data lost the stream's consumer group: create
    it again (RabbitMQ's client reconnects and declares its queues by itself)."""
    from taskiq_redis import RedisStreamBroker

    if isinstance(broker, RedisStreamBroker):
        with contextlib.suppress(Exception):
            await broker.startup()


async def run_worker(
    settings: Settings,
    *,
    config: dict,
    concurrency: int | None = None,
    modules: Iterable[str] = (),
    stop: asyncio.Event | None = None,
) -> None:
    """The ``crm-graphql worker`` process: relay, scheduler and queue consumers until
    SIGTERM/SIGINT (or ``stop``). Without ``CRM_BROKER_URL`` the runs happen in this
    process (like the server does without a broker)."""
    load_subscriber_modules(modules)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    concurrency = concurrency or settings.events_concurrency
    names = ", ".join(sorted(sub.name for sub in all_subscribers())) or "none"
    await Tortoise.init(config=config, _enable_global_fallback=True)
    try:
        if settings.broker_url is None:
            logger.info("worker without a broker: runs in this process; subscribers: %s", names)
            events = InProcessEvents(settings, concurrency)
            await events.start()
            try:
                await stop.wait()
            finally:
                await events.stop()
            return
        broker = make_broker(settings)
        broker.is_worker_process = True
        if not await _start_broker(broker, stop):
            return
        logger.info(
            "worker consuming %s with %s at once; subscribers: %s",
            settings.broker_queue,
            concurrency,
            names,
        )
        runner = EventRunner(settings, QueueDispatcher(broker))
        await runner.start()
        try:
            await _consume(broker, settings, concurrency, stop)
        finally:
            await runner.stop()
            with contextlib.suppress(Exception):
                await broker.shutdown()
    finally:
        await Tortoise.close_connections()
