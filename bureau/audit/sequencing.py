"""Give committed access-log entries their leaf indexes: contiguous, gap-free, in commit order.

Why a separate step: numbering inside the writing transaction means holding the single head
row from the append until commit, so every release in the bureau committed one at a time.
Here a release only inserts its entry (pending, no index); a sequencer numbers the entries
whose transactions have committed. Under READ COMMITTED it sees nothing uncommitted, and it
holds the head row while it works, so:

- an entry rolled back with its release is never seen, so it leaves no gap;
- every entry numbered in one run committed before the run began, and every entry numbered in
  a later run gets a higher index: indexes follow commit order (within a run, append order);
- two sequencers never interleave (the head row is their mutex), and a run that fails rolls
  back whole, so indexes stay contiguous.

It runs before any tree head is signed (so every proof covers numbered entries only) and, in
a served bureau, every `interval` seconds in the background, bounding the merge delay.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from bureau.audit import repo
from bureau.audit.log import leaf_hash

BATCH = 5000
"""Entries numbered per statement: bounds memory when a large backlog has built up."""

logger = logging.getLogger(__name__)


def sequence(conn: psycopg.Connection[Any], wait: bool = True) -> int:
    """Number every pending entry this transaction can see; returns how many were numbered.

    The caller commits. Without `wait`, returns 0 at once if another sequencer is at work.
    """
    if not repo.has_pending(conn):
        return 0  # the common case for readers: no lock, no write
    next_index = repo.lock_log_head(conn, wait)
    if next_index is None:
        return 0
    total = 0
    while True:
        pending = repo.pending_entries(conn, BATCH)
        if not pending:
            break
        assigned = [
            (entry_id, next_index + offset, leaf_hash({**entry, "index": next_index + offset}))
            for offset, (entry_id, entry) in enumerate(pending)
        ]
        next_index += len(pending)
        repo.assign_indexes(conn, next_index, assigned)
        total += len(pending)
        if len(pending) < BATCH:
            break
    return total


class BackgroundSequencer:
    """Sequences every `interval` seconds in a daemon thread, each run its own transaction.

    Why: a subject who asks for their log gets fresh entries numbered on the spot anyway; this
    keeps the backlog (and so the work a reader would wait for) small in a busy bureau.
    """

    def __init__(self, pool: ConnectionPool, interval: float) -> None:
        self.pool = pool
        self.interval = interval
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-sequencer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._halt.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._halt.wait(self.interval):
            try:
                with self.pool.connection() as conn, conn.transaction():
                    sequence(conn, wait=False)
            except Exception:  # a failed run rolls back whole; the next one retries
                logger.exception("sequencing the access log failed")
