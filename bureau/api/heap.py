"""Keep the garbage collector's full passes off the request path of a served bureau.

Why: a full (generation 2) collection walks every object the collector tracks, and right after
start-up that is the whole framework (about 110,000 objects: modules, routes, pydantic models,
pools). Under load such a pass ran about once a second and stopped the event loop for about
35 ms on the two-core bench machine, every time: that pause was the whole p99 of report pulls.
Objects that exist once the app has started live as long as the process, so moving them to
the permanent generation (`gc.freeze`) leaves them out of every later pass, which then walks
only what requests created.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def startup_heap_frozen() -> Iterator[None]:
    """Freeze what start-up built (garbage collected first, so none of it is kept forever);
    thaw it at shutdown, so an app started and stopped inside a longer process leaves nothing
    uncollectable behind."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
