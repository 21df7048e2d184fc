"""The session's local Citus cluster, when FAIRFILE_TEST_CLUSTER=citus asks for one.

One cluster per pytest process (coordinator + 2 workers on 127.0.0.1, bureau/db/cluster.py);
tests that need to know whether they run distributed ask `running()`.
"""

from __future__ import annotations

import os

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
