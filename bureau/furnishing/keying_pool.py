"""Worker processes that turn base records into keyed accounts while the ingest reads on.

An ingest's client work is one Python process, so one core however many the machine has
(the GIL): reading and validating, then per record the account mapping and its blind indexes,
then matching, encryption and the COPYs in the writer thread. The mapping and the blind
indexes need neither the database nor a data key, so batches of records go to worker
processes (keying.keyed_records) and come back, in file order, as keyed accounts for the one
writer transaction. Workers hold no connection and write nothing: a file still lands whole or
not at all, and a worker that dies fails the ingest (its transaction rolls back).

Workers are started by `spawn` (never `fork`: the ingest's process has threads and an open
connection), once per process, and leave by themselves if that process dies (even by
SIGKILL). Files under `POOL_FROM_BYTES` stay in-process: starting a worker costs more than
keying them. FAIRFILE_INGEST_WORKERS sets the number of workers (0: none).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.util import Finalize
from pathlib import Path
from uuid import UUID

from bureau.config import SettingsInvalid
from bureau.furnishing.keying import Keyed, Packed, keyed_records
from bureau.vault.indexer import BlindIndexer

WORKERS_ENV = "FAIRFILE_INGEST_WORKERS"
POOL_FROM_BYTES = 2 << 20  # about 4,900 plain records
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0
_at_exit: Finalize | None = None


def configured_workers(env: Mapping[str, str] | None = None) -> int:
    """FAIRFILE_INGEST_WORKERS, or one worker per core (at most 4) when it is not set."""
    text = (os.environ if env is None else env).get(WORKERS_ENV, "").strip()
    if not text:
        return min(os.cpu_count() or 1, 4)
    if not text.isdigit():
        raise SettingsInvalid(f"{WORKERS_ENV} must be a whole number (0: no workers), not {text!r}")
    return int(text)


def _leave_with_parent(parent: int) -> None:
    """Worker start-up: exit as soon as the process that started it is gone."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def pool(workers: int) -> ProcessPoolExecutor:
    """This process's pool of `workers` processes (started once, reused by every ingest)."""
    global _pool, _pool_size, _at_exit
    with _lock:
        if _pool is None or _pool_size != workers:
            if _pool is not None:
                _pool.shutdown(wait=True)
            _pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_leave_with_parent,
                                        initargs=(os.getpid(),))  # fmt: skip
            _pool_size = workers
            if _at_exit is None:
                # A process that is itself a multiprocessing child joins its children before
                # the interpreter's own exit hooks would stop them: stop the workers first.
                # At exit only (no object to watch): a finalizer tied to the pool ran when the
                # pool was dropped, inside `shutdown`'s lock, and the process hung there.
                _at_exit = Finalize(None, shutdown, exitpriority=10)
        return _pool


def shutdown() -> None:
    """Stop this process's workers (started again by the next ingest that needs them)."""
    global _pool, _pool_size
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
        _pool, _pool_size = None, 0


def workers_cpu_seconds() -> float:
    """CPU seconds the pool's live workers have used (a benchmark adds it to its own)."""
    processes = getattr(_pool, "_processes", None) or {}
    total = 0.0
    for pid in list(processes):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def workers_peak_rss_mb() -> list[float]:
    """Each live worker's peak resident memory (VmHWM), in MB: a worker holds at most one
    batch at a time, so a benchmark shows this not growing with the file."""
    processes = getattr(_pool, "_processes", None) or {}
    peaks = []
    for pid in list(processes):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return peaks


class KeyingPipeline:
    """Batches of packed records keyed in the pool, handed on in the order they were given;
    at most `depth` batches in flight, so memory stays bounded however large the file."""

    def __init__(self, executor: ProcessPoolExecutor, indexer: BlindIndexer, furnisher_id: UUID,
                 deliver: Callable[[list[Keyed]], None], depth: int) -> None:  # fmt: skip
        self.executor = executor
        self.indexer = indexer
        self.furnisher_id = furnisher_id
        self.deliver = deliver
        self.depth = depth
        self.flight: deque[Future[list[Keyed]]] = deque()

    def submit(self, records: Sequence[Packed]) -> None:
        self.flight.append(
            self.executor.submit(keyed_records, self.indexer, self.furnisher_id, records)
        )
        while len(self.flight) > self.depth:
            self.deliver(self.flight.popleft().result())

    def drain(self) -> None:
        """Hand on every batch still in flight (a worker's failure is raised here)."""
        while self.flight:
            self.deliver(self.flight.popleft().result())

    def cancel(self) -> None:
        for future in self.flight:
            future.cancel()
        self.flight.clear()
