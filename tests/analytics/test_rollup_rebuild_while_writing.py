"""``rollups rebuild`` runs while the server keeps serving: a burst of creates, updates,
deletes and restores through the API during the rebuild leaves every cell equal to what
the records say (``rollups.verify`` finds nothing), and the answers equal the rows'.

On MariaDB the rebuild's month transactions and the writes really overlap (the rebuild
reads a month's records with shared locks; a change of one of them waits, then adds its
delta to the new cells); on SQLite they interleave at every await.
"""

from __future__ import annotations

import asyncio
import random

from crm_graphql.api.aggregation import rollups
from crm_graphql.domains.interactions.models import Channel, Interaction
from tests.analytics.rollup_helpers import live_client, verify_clean
from tests.analytics.test_rollups import _burst, _compare, _world


async def test_a_rebuild_during_a_burst_of_writes_leaves_every_cell_exact(gql, db):
    rng = random.Random(2319)
    world = await _world(rng)
    # Cells gone wrong behind the API's back, so that the rebuild has months to redo.
    wrong = await Interaction.all().order_by("id").limit(5)
    await Interaction.filter(pk__in=[row.pk for row in wrong]).update(channel=Channel.SOCIAL)
    assert await rollups.verify(rollups.registered()[0]) != []

    writing = False
    months_while_writing = 0
    cells_reported = 0

    def progress(rollup: object, batch: object, cells: int) -> None:
        nonlocal months_while_writing, cells_reported
        months_while_writing += writing
        cells_reported += cells

    async def burst() -> None:
        nonlocal writing
        writing = True
        try:
            await _burst(rng, gql, world)
        finally:
            writing = False

    written, _ = await asyncio.gather(rollups.rebuild_all(progress=progress), burst())
    assert months_while_writing > 10  # many month transactions ran beside the writes
    # On MariaDB two groups of rollups are counted at once: the total still adds up.
    assert written == cells_reported > 0
    await verify_clean()

    async with live_client(db, gql) as live:
        served = await _compare(rng, world, gql, live, 40)
    assert served >= 25
