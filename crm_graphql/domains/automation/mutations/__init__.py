"""Mutations of the automation domain."""
