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

Each run also extends every subject's chain and the log's hash chain inside the entries it
numbers, and signs a checkpoint over the grown tree in the same transaction (docs/audit.md), so
no numbered entry is ever unsigned. It runs before any tree head is signed (so every proof
covers numbered entries only) and, in a served bureau, every `interval` seconds in the
background, bounding the merge delay.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from bureau.audit import heads, repo
from bureau.audit.log import leaf_hash
from bureau.signing import SigningKey, b64url

BATCH = 5000
"""Entries numbered per statement: bounds memory when a large backlog has built up."""

logger = logging.getLogger(__name__)


def sequence(conn: psycopg.Connection[Any], key: SigningKey, wait: bool = True) -> int:
    """Number every pending entry this transaction can see, extend each subject's chain, and
    sign the checkpoint over the grown log; returns how many entries were numbered.

    The checkpoint is signed in the same transaction as the numbering, so no numbered entry is
    ever behind the last signature: deleting or rewriting the newest one breaks it. The caller
    commits. Without `wait`, returns 0 at once if another sequencer is at work.
    """
    if not repo.needs_sequencing(conn):
        return 0  # the common case for readers: no lock, no write
    head = repo.lock_log_head(conn, wait)
    if head is None:
        return 0
    next_index = int(head["next_index"])
    previous = repo.leaf_hashes(conn, next_index - 1, next_index) if next_index else []
    total = 0
    while True:
        pending = repo.pending_entries(conn, BATCH)
        if not pending:
            break
        assigned = _chained(conn, next_index, pending, previous[0] if previous else None)
        previous = [assigned[-1][3]]
        next_index += len(pending)
        repo.assign_indexes(conn, next_index, assigned)
        total += len(pending)
        if len(pending) < BATCH:
            break
    _sign_checkpoint(conn, key, head, next_index)
    return total


def _chained(
    conn: psycopg.Connection[Any],
    first: int,
    pending: list[tuple[int, dict[str, Any]]],
    previous: bytes | None,
) -> list[tuple[int, int, dict[str, Any], bytes]]:
    """(entry_id, index, what the entry gains, leaf hash) for each pending entry in order.

    Every entry gains `prev_leaf_hash`, the leaf hash of the entry before it (`previous` for
    the first), so rewriting one and recomputing its hash is named by the entry after it.
    An entry naming a subject gains its place in that subject's chain: `subject_entry`, the
    count of entries naming them so far, this one included, and `subject_prev`, the index of
    the one before (None for the first). The tips are read and written one row per subject.
    """
    subjects = sorted({str(e["subject_id"]) for _, e in pending if e.get("subject_id")})
    tips = repo.subject_tips(conn, subjects)
    changed: dict[str, tuple[int, int]] = {}
    assigned = []
    for offset, (entry_id, entry) in enumerate(pending):
        index = first + offset
        additions: dict[str, Any] = {
            "index": index,
            "prev_leaf_hash": None if previous is None else b64url(previous),
        }
        subject = entry.get("subject_id")
        if subject:
            count, last = tips.get(str(subject), (0, None))
            additions["subject_entry"] = count + 1
            additions["subject_prev"] = last
            tips[str(subject)] = changed[str(subject)] = (count + 1, index)
        previous = leaf_hash({**entry, **additions})
        assigned.append((entry_id, index, additions, previous))
    repo.save_subject_tips(conn, changed)
    return assigned


def _sign_checkpoint(
    conn: psycopg.Connection[Any], key: SigningKey, head: dict[str, Any], size: int
) -> None:
    """Sign the tree of `size` leaves, grown from the last checkpoint (or, right after the
    upgrade that added checkpoints, from the newest published head)."""
    old = head["checkpoint_size"]
    if old is None:
        latest = repo.latest_head(conn)
        old = 0 if latest is None else min(int(latest["tree_size"]), size)
    root = heads.grow(conn, int(old), size)
    at = datetime.now(UTC)
    if head["checkpoint_at"] is not None:
        at = max(at, head["checkpoint_at"])  # monotonic, like the heads
    sth = heads.sign(key, size, root, at)
    repo.save_checkpoint(conn, size, root, sth.head.timestamp, sth.key_id, sth.signature)


class BackgroundSequencer:
    """Sequences every `interval` seconds in a daemon thread, each run its own transaction.

    Why: a subject who asks for their log gets fresh entries numbered on the spot anyway; this
    keeps the backlog (and so the work a reader would wait for) small in a busy bureau.
    """

    def __init__(self, pool: ConnectionPool, key: SigningKey, interval: float) -> None:
        self.pool = pool
        self.key = key
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
                    sequence(conn, self.key, wait=False)
            except Exception:  # a failed run rolls back whole; the next one retries
                logger.exception("sequencing the access log failed")
