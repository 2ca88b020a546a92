"""Faker-made demo data."""
