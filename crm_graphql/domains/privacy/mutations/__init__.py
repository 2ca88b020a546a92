"""The mutations of privacy requests."""
