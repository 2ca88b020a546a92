"""Realistic, reproducible demo data, written fast enough for millions of rows.

Two things keep it fast. Faker is slow (tens of microseconds a call), so it is called a few
thousand times up front to fill pools of names, addresses, subjects and bodies, and every
row then samples those pools with one seeded :class:`random.Random`. Rows are plain tuples
already in the form Tortoise itself would store, written with multi-row INSERTs through the
Tortoise connection, with primary keys assigned here so children can reference parents
without reading them back.

Generation and writing overlap: while one chunk of customers (with all their records) is
being written in its own transaction, the next chunk is generated.

The same seed gives the same data on every backend: nothing depends on the wall clock (dates
are spread back from :data:`REFERENCE_NOW`) and the random draws do not depend on the batch
size.

- :mod:`.reference`: reference data and the shape of the demo CRM;
- :mod:`.tables`: the tables filled and the form of values in each database;
- :mod:`.sampling`: sampling helpers and the Faker pools;
- :mod:`.generator`: the generator of rows;
- :mod:`.history`: how much history each customer gets, and the report;
- :mod:`.seed`: writing, and the seed commands.
"""
