"""The customer timeline: everything about a customer as one feed, newest first."""
