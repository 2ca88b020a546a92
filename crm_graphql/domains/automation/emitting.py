"""The events automation listens to are the change events of the integration domain
(``lead.created``, ``opportunity.stage_changed``...: one event per change, written in its
transaction by :mod:`crm_graphql.domains.integration.hooks`), whose ``data.changed`` holds
the fields that really changed, by GraphQL name, with their new values."""

from __future__ import annotations

from crm_graphql.domains.integration.hooks import field_name

__all__ = ["field_name"]
