"""Data management: duplicate records found and scored, and merged into one."""
