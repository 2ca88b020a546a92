"""The headline customer-360 query served by peers of this API, measured side by side.

``python -m benchmarks.peers --database-url mysql://...`` starts every contender and
prints the table; see ``benchmarks/peers/README.md``.
"""
