"""The background writer applies batches in order and never hides a failure."""

from __future__ import annotations

import threading

import pytest

from bureau.furnishing.background_apply import BackgroundWriter


def test_batches_are_applied_in_order_and_all_before_close_returns() -> None:
    applied: list[int] = []
    with BackgroundWriter(applied.append) as writer:
        for batch in range(20):
            writer.submit(batch)
    assert applied == list(range(20))


def test_a_failure_while_applying_is_raised_in_the_caller() -> None:
    def apply(batch: int) -> None:
        if batch == 3:
            raise ValueError("batch 3 does not fit")

    with pytest.raises(ValueError, match="batch 3"), BackgroundWriter(apply) as writer:
        for batch in range(10):
            writer.submit(batch)


def test_batches_after_a_failure_are_not_applied() -> None:
    applied: list[int] = []

    def apply(batch: int) -> None:
        if batch == 2:
            raise ValueError("broken")
        applied.append(batch)

    with pytest.raises(ValueError), BackgroundWriter(apply) as writer:
        for batch in range(10):
            writer.submit(batch)
    assert applied == [0, 1]


def test_a_failure_in_the_caller_stops_the_thread_before_it_propagates() -> None:
    started, release = threading.Event(), threading.Event()
    applied: list[int] = []

    def apply(batch: int) -> None:
        started.set()
        release.wait(5)
        applied.append(batch)

    with pytest.raises(RuntimeError, match="reader failed"), BackgroundWriter(apply) as writer:
        writer.submit(1)
        assert started.wait(5)  # the thread is inside apply (think: mid-COPY)
        threading.Timer(0.2, release.set).start()  # it finishes only after the caller failed
        raise RuntimeError("reader failed")
    # when the error reaches the caller, the thread has finished with the connection: the
    # batch it was applying is complete and nothing is still running to race the rollback
    assert applied == [1]
    assert not any(t.name == "ingest-writer" for t in threading.enumerate())
