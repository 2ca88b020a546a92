"""crm-graphql: a CRM backend serving one GraphQL API over MySQL or embedded SQLite."""

__version__ = "0.1.0"
