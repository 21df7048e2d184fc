"""The served bureau's sequencer process: entries get numbered without anyone asking, and the
process never outlives the bureau that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from bureau.audit import repo, trail
from bureau.audit.background import APPLICATION_NAME, SequencerProcess
from bureau.signing import signing_key_file


def _index_of(database_url: str, entry_id: int) -> int | None:
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        return repo.leaf_index_of(c, entry_id)


def _append(database_url: str, note: str) -> int:
    with psycopg.connect(database_url, row_factory=dict_row) as c, c.transaction():
        return trail.append(c, "test.release", None, {"note": note})


def _wait_for(check: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)


def _gone(pid: int) -> bool:
    """Exited: no process, or a zombie waiting for whoever adopted it to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def _sequencer_connections(database_url: str) -> int:
    with psycopg.connect(database_url) as c:
        row = c.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
            "AND datname = current_database()",
            (APPLICATION_NAME,),
        ).fetchone()
        return int(row[0]) if row else 0


def test_a_served_bureau_numbers_entries_in_its_sequencer_process(
    database_url: str, session_key_file: Path
) -> None:
    entry = _append(database_url, "numbered without being asked")
    sequencer = SequencerProcess(database_url, signing_key_file(session_key_file), 0.05)
    sequencer.start()
    try:
        _wait_for(lambda: _index_of(database_url, entry) is not None)
        assert _index_of(database_url, entry) is not None
        assert sequencer.pid != os.getpid()  # the work is not in this process
        later = _append(database_url, "and the next one too")
        _wait_for(lambda: _index_of(database_url, later) is not None)
        assert _index_of(database_url, later) == _index_of(database_url, entry) + 1  # type: ignore[operator]
    finally:
        sequencer.stop()
    assert sequencer.exitcode == 0  # left when told, not killed


def test_the_sequencer_leaves_when_the_bureau_that_started_it_is_killed(
    database_url: str, session_key_file: Path
) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from bureau.audit.background import SequencerProcess
            s = SequencerProcess({database_url!r}, Path({str(signing_key_file(session_key_file))!r}), 0.05)
            s.start()
            print(s.pid, flush=True)
            time.sleep(600)
        """)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    _wait_for(lambda: _sequencer_connections(database_url) > 0)
    assert _sequencer_connections(database_url) > 0
    os.kill(parent.pid, signal.SIGKILL)  # no shutdown hook runs
    parent.wait()
    _wait_for(lambda: _gone(child), seconds=20)
    assert _gone(child)
    _wait_for(lambda: _sequencer_connections(database_url) == 0, seconds=20)
    assert _sequencer_connections(database_url) == 0
