"""Mutations of the orders domain, one module per kind of record."""
