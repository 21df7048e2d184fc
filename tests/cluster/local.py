"""The session's local Citus cluster, when FAIRFILE_TEST_CLUSTER=citus asks for one.

One cluster per pytest process (coordinator + 2 workers on 127.0.0.1, bureau/db/cluster.py);
tests that need to know whether they run distributed ask `running()`.
"""

from __future__ import annotations

import os
from typing import Any

import psycopg

from bureau.db.cluster import LocalCluster, start_cluster

_ENV = "FAIRFILE_TEST_CLUSTER"
_session: list[LocalCluster] = []


def requested() -> bool:
    value = os.environ.get(_ENV, "")
    if value not in ("", "citus"):
        raise RuntimeError(f"{_ENV} must be 'citus' or unset, not {value!r}")
    return value == "citus"


def start() -> LocalCluster:
    if not _session:
        _session.append(start_cluster(workers=2))
    return _session[0]


def running() -> LocalCluster | None:
    return _session[0] if _session else None


def stop() -> None:
    while _session:
        _session.pop().stop()


def waits_on_a_worker(observer: psycopg.Connection[Any], pid: int) -> bool:
    """Whether the coordinator's backend `pid` waits for a lock held on a worker.

    A row lock of a distributed table is taken on the worker holding the row, so the
    coordinator's pg_locks shows no wait: Citus's `citus_lock_waits` does, naming the backend
    by its global pid (the coordinator's node id * 10^10 + its pid). False off the cluster."""
    if not _session:
        return False
    row = observer.execute(
        "SELECT count(*) FROM citus_lock_waits WHERE waiting_gpid = "
        "(SELECT nodeid::bigint * 10000000000 + %s FROM pg_dist_node WHERE groupid = 0)",
        (pid,),
    ).fetchone()
    return bool(row and row[0])
