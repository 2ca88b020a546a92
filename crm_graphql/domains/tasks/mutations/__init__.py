"""Mutations of the tasks domain."""
