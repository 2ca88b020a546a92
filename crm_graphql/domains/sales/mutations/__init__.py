"""Mutations of the sales domain, one module per kind of record."""
