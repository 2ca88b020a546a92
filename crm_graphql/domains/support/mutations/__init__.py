"""Mutations of the customer-service domain, one module per kind of record."""
