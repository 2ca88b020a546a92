"""Billing: invoices, credit notes, payments and what customers owe."""
