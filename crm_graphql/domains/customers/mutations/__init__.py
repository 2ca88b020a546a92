"""Mutations of the customers domain, one module per kind of record."""
