"""The cyclic garbage collector of a serving process.

A large read builds tens of thousands of short-lived containers (rows, dicts, lists of
GraphQL results). With Python's default thresholds (700, 10, 10) the collector runs
dozens of times per request and traverses every long-lived object of the process (the
modules, the schema, the ORM's metadata) in each full collection: a pause of well over
a hundred milliseconds every few requests, the p95 tail. After start-up nothing made so
far is garbage: :func:`tune_after_start` freezes it (``gc.freeze``, the collector never
traverses it again) and raises the young generation's threshold, so that most request
garbage is freed by reference counting before the collector looks at it.
"""

from __future__ import annotations

import gc
import logging

from crm_graphql.settings import Settings

logger = logging.getLogger("crm_graphql")

#: The older generations' thresholds once the young one is raised: a middle-generation
#: collection every 20 young ones, a full one every 100 middle ones (full collections
#: also wait until a quarter of the long-lived objects are new, see the gc docs).
OLDER_THRESHOLDS = (20, 100)

_tuned = False


def tune_after_start(settings: Settings) -> None:
    """Freeze the objects of start-up and set the thresholds (once per process)."""
    global _tuned
    if _tuned:
        return
    _tuned = True
    if settings.gc_threshold:
        gc.set_threshold(settings.gc_threshold, *OLDER_THRESHOLDS)
    if settings.gc_freeze:
        # Collect first: what start-up left as garbage should not be frozen with the rest.
        gc.collect()
        gc.freeze()
    logger.debug(
        "garbage collector: thresholds %s, %d objects frozen",
        gc.get_threshold(),
        gc.get_freeze_count(),
    )
