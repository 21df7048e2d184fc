"""Applying batches in a background thread while the caller reads and checks the next ones.

Ingest is two kinds of work: CPU-bound reading, validating and blind-indexing (pure Python),
and applying a batch to the database (matching queries, COPY, the server's inserts and
index updates). The database work mostly waits on PostgreSQL, which releases the GIL, so
doing it in a second thread lets the next batch be read meanwhile: on two cores the two
overlap instead of taking turns.

Order and atomicity are unchanged: batches are applied one at a time, in the order given, on
the caller's connection, inside the caller's transaction. The caller may read on that
connection meanwhile (the ingest reads its batches' stored digests: unchanged.py); psycopg
runs one statement at a time on a connection, so the two take turns. A failure in the thread is raised in the caller at the next `submit` or at
`close`; the caller's transaction then rolls back as before. At most `depth` batches wait,
so memory stays bounded however large the file.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")
_DONE = object()


class BackgroundWriter(Generic[T]):
    """Calls `apply(batch)` for each submitted batch, in order, in one background thread."""

    def __init__(self, apply: Callable[[T], None], *, depth: int = 1) -> None:
        self._apply = apply
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (batch := self._queue.get()) is not _DONE:
            if self._error is None:  # after a failure, only drain (the caller will raise)
                try:
                    self._apply(batch)  # type: ignore[arg-type]
                except BaseException as exc:  # re-raised in the caller
                    self._error = exc

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def submit(self, batch: T) -> None:
        """Queue a batch (blocks while `depth` batches already wait)."""
        self._raise_failure()
        self._queue.put(batch)

    def close(self) -> None:
        """Wait until every submitted batch is applied; raise the thread's failure, if any."""
        if self._thread.is_alive():
            self._queue.put(_DONE)
            self._thread.join()
        self._raise_failure()

    def __enter__(self) -> BackgroundWriter[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
            return
        # the caller failed: stop the thread before the connection is used again
        self._error = self._error or exc
        if self._thread.is_alive():
            self._queue.put(_DONE)
            self._thread.join()
