"""Query limits: what a request may ask for, how much, how often and for how long.

Each refusal is an error with its own ``extensions.code`` and happens before anything
runs. The parts, in the order a request meets them:

- ``http``: body size (413), content type (CSRF), batches, mutations only over POST;
- ``persisted``: automatic persisted queries and the allow-list;
- ``size``: the document's size with its fragments expanded (before any rule walks it);
- ``rules``: tokens, depth, aliases, root fields, introspection (validation rules);
- ``cost``: the worst-case node count, refused over ``CRM_MAX_QUERY_COST``;
- ``budget``: cost per caller per minute (memory, or Redis shared by processes);
- ``timeouts``: an asyncio timeout per operation and the SQL server's statement limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from strawberry.extensions import AddValidationRules, MaxTokensLimiter

from crm_graphql.api.limits.budget import CostBudget, MemoryBudget, RedisBudget
from crm_graphql.api.limits.cost import CostAnalysis, QueryCost
from crm_graphql.api.limits.extensions import (
    CostRateLimit,
    LimitedValidationCache,
    QueryCostLimit,
    QuerySizeLimit,
)
from crm_graphql.api.limits.persisted import (
    MemoryQueryStore,
    PersistedQueries,
    RedisQueryStore,
    load_allow_list,
)
from crm_graphql.api.limits.rules import validation_rules
from crm_graphql.settings import Settings

__all__ = ["Limits", "QueryCost"]

#: Documents whose cost plan is kept (plans are small: a few tuples each).
COST_PLAN_CACHE_SIZE = 512
#: Validation results kept (by document and rules).
VALIDATION_CACHE_SIZE = 256


@dataclass
class Limits:
    """The limits of one server, built once from its settings."""

    settings: Settings
    redis: Redis | None
    budget: CostBudget | None
    persisted: PersistedQueries
    analysis: CostAnalysis

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """Stores in Redis when ``CRM_REDIS_URL`` is set, else in this process."""
        redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        prefix = settings.redis_key_prefix
        budget: CostBudget | None = None
        if settings.rate_limit_cost_per_minute:
            limit = settings.rate_limit_cost_per_minute
            budget = RedisBudget(redis, limit, prefix) if redis else MemoryBudget(limit)
        allowed = load_allow_list(settings.allowed_queries) if settings.allowed_queries else None
        store = None
        if settings.persisted_queries:
            store = RedisQueryStore(redis, prefix) if redis else MemoryQueryStore()
        analysis = CostAnalysis(
            default_page_size=settings.default_page_size,
            list_size=settings.cost_list_size,
            cache_size=COST_PLAN_CACHE_SIZE,
        )
        return cls(settings, redis, budget, PersistedQueries(store, allowed), analysis)

    async def close(self) -> None:
        """Close the Redis connections, if any (at shutdown)."""
        if self.redis is not None:
            await self.redis.aclose()

    def validation(self) -> list[Any]:
        """The validation step: the expanded size first, then the (cached) validation
        rules, which run only on documents within that size."""
        max_fields = self.settings.max_query_fields
        extensions: list[Any] = []
        if max_fields:
            extensions.append(lambda: QuerySizeLimit(max_fields=max_fields))
        extensions.append(lambda: LimitedValidationCache(maxsize=VALIDATION_CACHE_SIZE))
        return extensions

    def before_authentication(self) -> list[Any]:
        """Extensions (factories) that refuse a document before credentials are checked:
        nothing about the caller is needed to see that it is too big."""
        settings = self.settings
        rules = validation_rules(settings)
        extensions: list[Any] = [lambda: AddValidationRules(rules)]
        if settings.max_query_tokens:
            extensions.append(lambda: MaxTokensLimiter(settings.max_query_tokens))
        analysis, max_cost = self.analysis, settings.max_query_cost
        extensions.append(lambda: QueryCostLimit(analysis=analysis, max_cost=max_cost))
        return extensions

    def after_authentication(self) -> list[Any]:
        """Extensions that need the caller: the rate budget."""
        budget = self.budget
        return [lambda: CostRateLimit(budget=budget)] if budget is not None else []
