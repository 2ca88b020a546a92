"""Events: the transactional outbox, subscribers, scheduled events and the job queue.

A kernel package: it imports nothing from ``crm_graphql.domains``; domains import it.

- ``await emit(type, entity=, entity_id=, data=, actor_id=)`` inside the mutation's
  ``in_transaction()``: the event commits with the change or not at all.
- ``@subscriber("name", events=["opportunity.*"])`` on ``async def handle(event)``:
  runs after the commit, at most once in effect per (subscriber, event), retried with
  backoff on failure, recorded in ``event_delivery``.
- ``await schedule(at, type, entity, entity_id, data, key=)``, ``reschedule(key, at)``,
  ``cancel(key)``: events that happen at a time (reminders).

See docs/events.md for the contract.
"""

from crm_graphql.events.delivery import Outcome, Policy, run_delivery
from crm_graphql.events.models import (
    DeliveryState,
    EventDelivery,
    EventLock,
    OutboxEvent,
    ScheduledEvent,
)
from crm_graphql.events.outbox import InvalidEvent, NewEvent, NotInTransaction, emit, emit_many
from crm_graphql.events.scheduling import cancel, reschedule, schedule, schedule_many
from crm_graphql.events.subscribers import (
    Event,
    Handler,
    PermanentFailure,
    Subscriber,
    SubscriberError,
    all_subscribers,
    get_subscriber,
    load_subscriber_modules,
    subscriber,
    subscribers_for,
    unregister,
)

__all__ = [
    "DeliveryState",
    "Event",
    "EventDelivery",
    "EventLock",
    "Handler",
    "InvalidEvent",
    "NewEvent",
    "NotInTransaction",
    "OutboxEvent",
    "Outcome",
    "PermanentFailure",
    "Policy",
    "ScheduledEvent",
    "Subscriber",
    "SubscriberError",
    "all_subscribers",
    "cancel",
    "emit",
    "emit_many",
    "get_subscriber",
    "load_subscriber_modules",
    "reschedule",
    "run_delivery",
    "schedule",
    "schedule_many",
    "subscriber",
    "subscribers_for",
    "unregister",
]
