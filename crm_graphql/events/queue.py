"""The job queue: taskiq on Redis Streams (``redis://``) or RabbitMQ (``amqp://``).

One task, ``crm.events.deliver(deliveries)``, runs subscribers on events: each message
carries up to ``MESSAGE_DELIVERIES`` (event ID, subscriber) pairs of one relay batch,
run one after the other, each in its own transaction (fewer, larger messages cost the
broker and the worker far less per event under load).

Messages are acknowledged after the task ran (``when_executed``): a worker killed
mid-run leaves its messages unacknowledged, and the broker hands them to another
consumer (RabbitMQ when the connection drops; Redis when they have been idle for
``CRM_EVENTS_REDELIVERY_SECONDS``, claimed with ``XAUTOCLAIM``). Retries are not
messages held by the broker: a failed run gets its next due time on its delivery row,
and the scheduler pass publishes it again then (see ``relay.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from taskiq import AsyncBroker

from crm_graphql.events.delivery import run_delivery
from crm_graphql.events.relay import Delivery
from crm_graphql.events.subscribers import get_subscriber
from crm_graphql.settings import Settings

logger = logging.getLogger("crm_graphql.events")

#: The one task of the queue.
TASK_NAME = "crm.events.deliver"
#: Most deliveries one message carries.
MESSAGE_DELIVERIES = 20
#: Longest a Redis stream gets (acknowledged entries are trimmed beyond it); an entry
#: trimmed before it was read is published again when its delivery row becomes due.
REDIS_STREAM_MAXLEN = 100_000
#: Seconds to wait for the broker when connecting or publishing.
BROKER_TIMEOUT_SECONDS = 5.0


def is_redis(url: str) -> bool:
    """True for a Redis URL, false for AMQP (RabbitMQ)."""
    return url.startswith(("redis://", "rediss://"))


def make_broker(settings: Settings) -> AsyncBroker:
    """The taskiq broker for ``CRM_BROKER_URL``, with the delivery task registered."""
    url = settings.broker_url
    if url is None:
        raise ValueError("CRM_BROKER_URL is not set")
    queue = settings.broker_queue
    broker: AsyncBroker
    if is_redis(url):
        from taskiq_redis import RedisStreamBroker

        broker = RedisStreamBroker(
            url,
            queue_name=queue,
            consumer_group_name=queue,
            # A group created after messages were added still reads them.
            consumer_id="0",
            xread_block=1000,
            xread_count=settings.events_concurrency,
            maxlen=REDIS_STREAM_MAXLEN,
            idle_timeout=int(settings.events_redelivery_seconds * 1000),
            unacknowledged_lock_timeout=30,
            socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
            health_check_interval=30,
        )
    else:
        from taskiq_aio_pika import AioPikaBroker
        from taskiq_aio_pika.exchange import Exchange
        from taskiq_aio_pika.queue import Queue

        broker = AioPikaBroker(
            url,
            exchange=Exchange(name=queue),
            task_queues=[Queue(name=queue)],
            dead_letter_queue=Queue(name=f"{queue}.dead"),
            qos=settings.events_concurrency,
            timeout=BROKER_TIMEOUT_SECONDS,
        )

    async def deliver(deliveries: list[tuple[int, str]]) -> None:
        for event_id, subscriber in deliveries:
            try:
                await run_delivery(event_id, subscriber, settings)
            except Exception:
                # The database failed: the row stays due and is published again.
                logger.exception("running %s on event %s failed", subscriber, event_id)

    broker.register_task(deliver, task_name=TASK_NAME)
    return broker


class QueueDispatcher:
    """Publishes deliveries as messages of the delivery task."""

    def __init__(self, broker: AsyncBroker) -> None:
        task = broker.find_task(TASK_NAME)
        if task is None:
            raise LookupError(f"task {TASK_NAME} is not registered on the broker")
        self.task: Any = task

    async def publish(self, deliveries: Sequence[Delivery]) -> Sequence[Delivery]:
        """Publish the deliveries in messages of up to ``MESSAGE_DELIVERIES`` (one per
        message for subscribers with external effects, which may be slow); after the
        first failure the rest are not tried (and are returned)."""
        messages = _messages(deliveries)
        for index, message in enumerate(messages):
            try:
                await asyncio.wait_for(
                    self.task.kiq([list(delivery) for delivery in message]),
                    BROKER_TIMEOUT_SECONDS,
                )
            except Exception as exc:
                logger.warning("the job queue refused a message, publishing later: %s", exc)
                return [delivery for rest in messages[index:] for delivery in rest]
        return []


def _messages(deliveries: Sequence[Delivery]) -> list[list[Delivery]]:
    quick: list[Delivery] = []
    messages: list[list[Delivery]] = []
    for delivery in deliveries:
        subscriber = get_subscriber(delivery[1])
        if subscriber is not None and not subscriber.transactional:
            messages.append([delivery])
        else:
            quick.append(delivery)
    for start in range(0, len(quick), MESSAGE_DELIVERIES):
        messages.append(quick[start : start + MESSAGE_DELIVERIES])
    return messages
