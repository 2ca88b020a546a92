"""Rate limits by cost: each caller may spend ``CRM_RATE_LIMIT_COST_PER_MINUTE`` of query
cost per clock minute (a fixed window). Kept in memory by default, or in Redis when
``CRM_REDIS_URL`` is set, so that several server processes share one budget.

An operation is charged its requested cost before it runs; one that does not fit in
what is left is refused and charged nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

#: Length of a budget window, in seconds.
WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Charge:
    """The answer to one charge: whether it fit, and the budget after it."""

    allowed: bool
    limit: int
    used: int
    reset_in_seconds: int

    @property
    def remaining(self) -> int:
        """Cost still available in this window."""
        return max(0, self.limit - self.used)


class CostBudget(Protocol):
    """Where the spent cost of every caller is kept."""

    async def charge(self, caller: str, cost: int) -> Charge:
        """Spend ``cost`` of ``caller``'s budget, unless it would go over the limit."""
        ...


def _window(now: float) -> tuple[int, int]:
    """The current window's number and the seconds until the next one (at least 1)."""
    window = int(now // WINDOW_SECONDS)
    return window, max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))


class MemoryBudget:
    """Budgets of one process (each worker process has its own)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._spent: dict[str, tuple[int, int]] = {}

    async def charge(self, caller: str, cost: int) -> Charge:
        window, reset_in = _window(time.time())
        spent_window, used = self._spent.get(caller, (window, 0))
        if spent_window != window:
            used = 0
            if len(self._spent) > 10_000:
                # Forget callers of past windows, so the table does not grow forever.
                self._spent = {k: v for k, v in self._spent.items() if v[0] == window}
        if used + cost > self.limit:
            return Charge(False, self.limit, used, reset_in)
        self._spent[caller] = (window, used + cost)
        return Charge(True, self.limit, used + cost, reset_in)


#: Check and spend in one step on the server, so concurrent processes cannot both take
#: the last of a budget. Returns the cost used in the window, and 1 when charged.
_CHARGE_SCRIPT = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local cost = tonumber(ARGV[1])
if used + cost > tonumber(ARGV[2]) then
  return {used, 0}
end
used = redis.call('INCRBY', KEYS[1], cost)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {used, 1}
"""


class RedisBudget:
    """Budgets shared by every process using the same Redis."""

    def __init__(self, redis: Redis, limit: int, prefix: str) -> None:
        self.limit = limit
        self.prefix = prefix
        self._script = redis.register_script(_CHARGE_SCRIPT)

    async def charge(self, caller: str, cost: int) -> Charge:
        window, reset_in = _window(time.time())
        key = f"{self.prefix}cost:{caller}:{window}"
        used, charged = await self._script(keys=[key], args=[cost, self.limit, WINDOW_SECONDS * 2])
        return Charge(bool(charged), self.limit, int(used), reset_in)
