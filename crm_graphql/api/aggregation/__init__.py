"""Aggregation in the database, shared by every domain's aggregates and dashboard views.

- :mod:`.core`: one GROUP BY statement of dimensions and measures over whitelisted
  columns, with the lists' own filter as its WHERE;
- :mod:`.sql`: the dialect parts (date buckets, exact money sums on SQLite);
- :mod:`.periods`: time zones and periods, exact across daylight-saving changes;
- :mod:`.arguments`: arguments every view takes (currency, time zone, group limits);
- :mod:`.aggregates`: ``<records>Aggregate(filter:, groupBy:)`` from one declaration
  per kind of record (:class:`~.aggregates.AggregateSpec`);
- :mod:`.cache`: the short-lived view cache shared through Redis.
"""
