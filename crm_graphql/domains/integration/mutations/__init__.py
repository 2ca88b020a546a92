"""Mutations of the integration domain."""
