"""Mutations of the leads domain."""
