"""Database configuration, connection setup and migrations."""
