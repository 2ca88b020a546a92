"""Sort orders of the API key list."""

from __future__ import annotations

from crm_graphql.api.pagination.cursors import SortKey
from crm_graphql.api.pagination.listing import sortable
from crm_graphql.domains.auth.models import ApiKey

API_KEY_LIST = sortable(
    "ApiKey",
    ApiKey,
    {
        "NAME": ("name", "Name."),
        "CREATED_AT": ("created_at", "Creation time."),
        "LAST_USED_AT": ("last_used_at", "Time of last use."),
    },
    default=(SortKey("created_at", True),),
)
