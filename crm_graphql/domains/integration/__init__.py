"""The integration domain: outbound webhooks signed with HMAC-SHA256, CSV export of the
CRM's lists and CSV import of customers and companies (see docs/integration.md)."""
