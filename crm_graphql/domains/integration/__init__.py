"""The integration domain: outbound webhooks signed with HMAC-SHA256, CSV export of the
CRM's lists and CSV import of customers and companies (see docs/integration.md)."""

# The change hook that writes the events of record changes (webhooks and automation
# rules read them): registered wherever the domain's models are loaded (the server, the
# worker, the command line).
from crm_graphql.domains.integration import hooks as hooks
