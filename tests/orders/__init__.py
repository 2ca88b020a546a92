"""Tests of the orders domain: products, orders, items and their rules."""
