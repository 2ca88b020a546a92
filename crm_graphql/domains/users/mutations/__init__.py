"""Mutations of the users domain, one module per kind of record."""
