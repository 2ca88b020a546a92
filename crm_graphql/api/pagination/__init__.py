"""Connections with keyset cursors: the one pagination mechanism of every list.

A list is ordered by the sort keys the client asks for, followed by the primary key
as the tie-breaker, so every row has a unique position. A cursor records the values
of those keys for one row; the next page is "rows strictly after these values",
which stays correct while rows are inserted or deleted elsewhere in the list.

Nested lists (a customer's interactions, ...) are paged per parent in one statement
for all parents, with ``ROW_NUMBER() OVER (PARTITION BY parent ORDER BY keys)``.

- :mod:`.types`: the GraphQL types (``Connection``, ``Edge``, ``PageInfo``);
- :mod:`.listing`: how a kind of row is listed (``ListSpec``, ``sortable``);
- :mod:`.cursors`: cursors and the keyset condition;
- :mod:`.pages`: validating a page request (``PagePlan``);
- :mod:`.fetch`: reading a page of a root list or of every parent's nested list;
- :mod:`.fields`: ``connection()``, the one declaration of a list field.
"""
