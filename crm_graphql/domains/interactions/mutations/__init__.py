"""Mutations of the interactions domain, one module per kind of record."""
