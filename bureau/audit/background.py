"""The served bureau's access-log sequencer, in a process of its own.

Why a process and not a thread: a sequencer run is Python work (a leaf hash per entry, each
subject's map path checked and rewritten, a checkpoint signed), about 0.9 ms of CPU per entry
numbered. In the serving process that time came off the requests' one interpreter lock, a
tenth of what a report pull costs, and a run holding the lock delayed every request waiting
for it. In its own process it runs on another core, over one connection of its own.

Each serving process starts one (uvicorn workers each start theirs); they never interleave,
because a run holds the log head's row lock and `sequence(wait=False)` skips a run that finds
another at work. The process leaves when told to, and by itself when its parent is gone (even
after a SIGKILL), within one interval.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from multiprocessing.synchronize import Event
from multiprocessing.util import Finalize
from pathlib import Path

import psycopg

from bureau.audit.sequencing import sequence
from bureau.signing import SigningKey

logger = logging.getLogger(__name__)

APPLICATION_NAME = "fairfile-sequencer"
"""The process's connection names itself so (pg_stat_activity), apart from request connections."""


class SequencerProcess:
    """Numbers committed entries every `interval` seconds in a spawned process."""

    def __init__(self, database_url: str, signing_key_path: Path, interval: float) -> None:
        self.database_url = database_url
        self.signing_key_path = signing_key_path
        self.interval = interval
        context = multiprocessing.get_context("spawn")  # never fork a process with threads
        self._halt = context.Event()
        self._process = context.Process(
            target=run,
            args=(database_url, str(signing_key_path), interval, self._halt, os.getpid()),
            name="fairfile-sequencer",
        )
        # Told to stop before the interpreter's exit joins its children, if `stop` never ran.
        self._finalizer: Finalize | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def exitcode(self) -> int | None:
        return self._process.exitcode

    def start(self) -> None:
        self._process.start()
        self._finalizer = Finalize(self, self._halt.set, exitpriority=10)

    def stop(self) -> None:
        """Finish the run in progress (it commits or rolls back whole) and leave."""
        self._halt.set()
        if self._process.pid is None:
            return
        self._process.join(timeout=10)
        if self._process.is_alive():  # a run stuck on a lock: its transaction rolls back
            self._process.terminate()
            self._process.join(timeout=5)


def run(
    database_url: str, signing_key_path: str, interval: float, halt: Event, parent: int
) -> None:
    """The process: one transaction per run, until halted or orphaned."""
    # Ctrl-C in a terminal reaches the whole process group; the parent stops this one itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(format="%(levelname)s:     %(name)s: %(message)s")
    key = SigningKey.load(Path(signing_key_path))
    conn: psycopg.Connection[tuple[object, ...]] | None = None
    try:
        while not halt.wait(interval) and os.getppid() == parent:
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(
                        database_url, autocommit=True, application_name=APPLICATION_NAME
                    )
                with conn.transaction():
                    sequence(conn, key, wait=False)
            except psycopg.OperationalError as lost:  # the server restarted: connect again
                logger.warning("sequencing the access log: %s", str(lost).strip())
                if conn is not None:
                    conn.close()
                conn = None
            except Exception:  # a failed run rolls back whole; the next one retries
                logger.exception("sequencing the access log failed")
    finally:
        if conn is not None:
            conn.close()
