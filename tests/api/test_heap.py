"""A served bureau keeps its start-up objects out of the garbage collector's full passes."""

from __future__ import annotations

import gc
import weakref

from bureau.api.heap import startup_heap_frozen


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector can free it


def test_what_start_up_built_is_frozen_while_serving_and_thawed_at_shutdown() -> None:
    with startup_heap_frozen():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_garbage_made_while_serving_is_still_collected() -> None:
    with startup_heap_frozen():
        made_by_a_request = _Node()
        gone = weakref.ref(made_by_a_request)
        del made_by_a_request
        gc.collect()
        assert gone() is None


def test_start_up_garbage_is_collected_before_freezing_not_kept_forever() -> None:
    left_over = _Node()
    gone = weakref.ref(left_over)
    del left_over
    with startup_heap_frozen():
        assert gone() is None


def test_frozen_objects_become_collectable_again_after_shutdown() -> None:
    with startup_heap_frozen():
        pass
    kept = _Node()
    with startup_heap_frozen():
        gone = weakref.ref(kept)
        del kept
        gc.collect()
        assert gone() is not None  # frozen: a full pass does not look at it
    gc.collect()
    assert gone() is None
