"""Where an ingest's time goes, step by step: the client's CPU and the PostgreSQL backend's
CPU per record for each step of one real ingest (`ingest_metro2`), for a file of new people
(`--cycle new`) and for the next monthly cycle of the same accounts (`--cycle steady`).

bench/ingest.py gives the totals (client µs and server µs per record); this splits them. Each
step is a function of the ingest path wrapped in place (`Steps.wrap`): its exclusive time
(nested wrapped steps are taken out) is the thread's CPU (`time.thread_time`, so the reader
thread and the writer thread are counted apart and never twice) and, for the steps that talk
to the database, the backend's CPU (`/proc/<pid>/stat`) over the call. The wrapper's own cost
is measured on a no-op and taken out per call. What no step covers (the loops between them,
thread hand-over) is reported as "rest"; the sum is the process's CPU over the ingest.

    python bench/ingest_steps.py [--n 100000] [--cycle new|steady|both]
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import scratch_database
from ingest import add_furnisher, run_cycles, write_cycles, write_file
from psycopg.rows import dict_row

from bureau.db.migrate import migrate
from bureau.furnishing import ingest, keying_pool, matching, repo, unchanged
from bureau.furnishing.metro2.columnar.validate import ColumnarValidator
from bureau.subjects import creation, identities
from bureau.vault import SubjectCipher, Vault


class Steps:
    """Exclusive CPU per labelled step, per thread, with the backend's CPU for DB steps."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.server: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.local = threading.local()
        self.backend: Path | None = None
        # CPU seconds a wrapped call costs beyond the wrapped function (inner, outer)
        self.overhead: dict[bool, tuple[float, float]] = {}
        self.server_calls = 0
        self.server_labels: set[str] = set()

    def backend_cpu(self) -> float:
        if self.backend is None:
            return 0.0
        fields = self.backend.read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _stack(self) -> list[list[float]]:
        stack: list[list[float]] | None = getattr(self.local, "stack", None)
        if stack is None:
            stack = self.local.stack = []
        return stack

    def timed(self, label: str, fn: Callable[..., Any], *, server: bool = False) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            outer = time.thread_time()
            stack = self._stack()
            child = [0.0, 0.0]  # CPU and server CPU of nested steps, wrappers included
            stack.append(child)
            s0 = self.backend_cpu() if server else 0.0
            c0 = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                cpu = time.thread_time() - c0
                srv = self.backend_cpu() - s0 if server else 0.0
                stack.pop()
                self.cpu[label] += cpu - child[0]
                if server:  # else the nested steps' server time is all there is to pass on
                    self.server[label] += srv - child[1]
                else:
                    srv = child[1]
                self.calls[label] += 1
                if server:
                    self.server_calls += 1
                if stack:  # the parent's exclusive time leaves this call out, wrapper and all
                    stack[-1][0] += time.thread_time() - outer
                    stack[-1][1] += srv

        return run

    def wrap(self, owner: Any, name: str, label: str, *, server: bool = False) -> None:
        if not hasattr(owner, name):  # a step this version of the ingest does not have
            return
        if server:
            self.server_labels.add(label)
        setattr(owner, name, self.timed(label, getattr(owner, name), server=server))

    def wrap_generator(self, owner: Any, name: str, label: str) -> None:
        """A generator method: the time spent producing each item counts for `label`."""
        original = getattr(owner, name)
        step = self.timed(label, next)

        def items(*args: Any, **kwargs: Any) -> Iterator[Any]:
            inner = original(*args, **kwargs)
            while True:
                try:
                    yield step(inner)
                except StopIteration:
                    return

        static = isinstance(inspect.getattr_static(owner, name), staticmethod)
        setattr(owner, name, staticmethod(items) if static else items)

    def calibrate(self) -> None:
        """The wrapper's cost per call: `inner` (inside the measured window, so in the
        step's own figure) and `outer` (all of it), for plain and for database steps."""
        rounds = 20_000
        for server in (False, True):
            probe = self.timed("calibration", lambda: None, server=server)
            c0 = time.thread_time()
            for _ in range(rounds):
                probe()
            outer = (time.thread_time() - c0) / rounds
            inner = self.cpu.pop("calibration") / rounds
            self.calls.pop("calibration")
            self.server.pop("calibration", None)
            self.overhead[server] = (inner, outer)
        self.server_calls = 0


# (owner, attribute, label, talks to the database)
_STEPS: tuple[tuple[Any, str, str, bool], ...] = (
    (ingest, "file_digest", "digest (SHA-256 of the file)", False),
    (ingest, "columnar_duplicates", "duplicate-account framing pass", False),
    (ingest, "account_from_record", "record -> account values", False),
    (ingest, "associated_accounts", "record -> account values", False),
    (ingest._Ingest, "take", "take (report bookkeeping)", False),
    (matching.Matcher, "keyed", "blind indexes (normalise + HMAC)", False),
    (ingest, "accounts_of", "record -> account values", False),
    (ingest, "keyed_accounts", "blind indexes (normalise + HMAC)", False),
    (ingest, "pack", "records packed for the workers", False),
    (keying_pool.KeyingPipeline, "submit", "waiting for / unpickling keyed batches", False),
    (keying_pool.KeyingPipeline, "drain", "waiting for / unpickling keyed batches", False),
    (matching.Matcher, "resolve", "matching (account, identity lookups)", True),
    (repo, "previous_cycles", "matching: stored state of the accounts", True),
    (identities, "subjects_holding", "matching: identity lookups", True),
    (creation.Creation, "claim", "matching: new-person locks", True),
    (matching, "open_files", "new subjects + data keys (wrap, COPY)", True),
    (matching.Matcher, "cipher", "data keys of known subjects (unwrap)", False),
    (ingest._Ingest, "_open_files_only", "closed-file check", True),
    (
        ingest._Ingest,
        "_check_cycles",
        "cycle rules: changed accounts (stored state composed)",
        False,
    ),
    (ingest._Ingest, "_recognise", "unchanged: recognised (split, account refs)", False),
    (unchanged, "report_digests", "unchanged: digests (HMAC)", False),
    (unchanged, "row_digests", "unchanged: digests (HMAC)", False),
    (ingest._Ingest, "recognise_block", "unchanged: recognised (split, account refs)", False),
    (unchanged, "row_account_numbers", "unchanged: recognised (split, account refs)", False),
    (ingest, "cycle_hits", "cycle rules: unchanged rows by columns", False),
    (ingest, "check_cycle", "cycle rules: each finding explained", False),
    (unchanged, "recognise", "unchanged: recognised (split, account refs)", False),
    (repo, "digests_held", "unchanged: stored digests (read)", True),
    (ingest._Ingest, "apply_repeats", "unchanged: cycle rules + rows", False),
    (ingest, "cycle_problems", "cycle rules: record by record", False),
    (repo, "copy_repeats", "unchanged: staging COPY", True),
    (repo, "merge_repeats", "merge: unchanged periods", True),
    (identities, "held", "facts already held (read)", True),
    (SubjectCipher, "encrypt", "AES-GCM", False),
    (ingest, "encrypt_many", "AES-GCM", False),
    (identities, "new_fact", "identity document rows", False),
    (identities, "copy_new_documents", "identity documents + blind indexes COPY", True),
    (identities, "stage_facts", "identity facts staged", True),
    (ingest._Ingest, "apply", "staging rows built (writer loop)", False),
    (repo, "copy_stage", "staging COPY (encode + server)", True),
    (identities, "merge_staged", "merge: identity facts", True),
    (repo, "merge_stage", "merge: tradelines + history", True),
    (repo, "record_batch", "merge: batch record", True),
)


def profile(cycle: str, base: str, work: Path, n: int, key_file: Path) -> dict[str, Any]:
    """One profiled ingest of the cycle (the steady one after an unprofiled first cycle)."""
    vault = Vault.from_key_file(key_file)
    url = scratch_database.new_database(base)
    migrate(url)
    org = uuid4()
    if cycle == "new":
        path = work / "new.m2"
        write_file(path, n)
    else:
        first, path = work / "cycle1.m2", work / "cycle2.m2"
        write_cycles(first, path, n)
    with psycopg.connect(url, row_factory=dict_row) as conn:
        add_furnisher(conn, org)
        if cycle == "steady":
            with first.open("rb") as stream:
                ingest.ingest_metro2(conn, vault, org, stream)
            conn.commit()
        steps = Steps()
        steps.calibrate()
        for owner, name, label, talks in _STEPS:
            steps.wrap(owner, name, label, server=talks)
        steps.wrap_generator(ColumnarValidator, "items", "parse + validate (columnar)")
        steps.wrap_generator(ColumnarValidator, "blocks", "parse + validate (columnar)")
        steps.wrap_generator(ColumnarValidator, "block_items", "records made (block -> items)")
        steps.backend = Path(f"/proc/{conn.info.backend_pid}/stat")
        conn.execute("SELECT 1")
        server_before = steps.backend_cpu()
        workers_before = keying_pool.workers_cpu_seconds()
        client_before = time.process_time()
        started = time.perf_counter()
        with path.open("rb") as stream:
            report = ingest.ingest_metro2(conn, vault, org, stream)
        conn.commit()
        wall = time.perf_counter() - started
        client = time.process_time() - client_before
        server = steps.backend_cpu() - server_before
        workers = keying_pool.workers_cpu_seconds() - workers_before
    keying_pool.shutdown()
    assert report.accepted == n, report.to_json(limit=3)
    per = 1e6 / n
    rows: dict[str, dict[str, float]] = {}
    overhead_s = 0.0
    for label in steps.cpu:
        inner, outer = steps.overhead[label in steps.server_labels]
        calls = steps.calls[label]
        cpu = max(steps.cpu[label] - calls * inner, 0.0)
        overhead_s += calls * outer
        rows[label] = {"client_us": round(cpu * per, 1),
                       "server_us": round(steps.server[label] * per, 1),
                       "calls": calls}  # fmt: skip
    counted = sum(r["client_us"] for r in rows.values())
    overhead_us = overhead_s * per
    rows["rest (loops, threads, other)"] = {
        "client_us": round(client * per - counted - overhead_us, 1),
        "server_us": round(server * per - sum(r["server_us"] for r in rows.values()), 1),
        "calls": 0,
    }
    return {"bench": "ingest_steps", "cycle": cycle, "n": n,
            "ingest_rps": round(n / wall), "client_us": round(client * per, 1),
            "server_us": round(server * per, 1), "workers_us": round(workers * per, 1),
            "wrapper_us": round(overhead_us, 1),
            "steps": rows}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="records per cycle")
    parser.add_argument("--cycle", choices=("new", "steady", "both"), default="both")
    args = parser.parse_args()

    def show(result: dict[str, Any]) -> None:
        for label, row in sorted(result["steps"].items(), key=lambda kv: -kv[1]["client_us"]):
            print(f"{result['cycle']:6} {label:45} client {row['client_us']:7.1f} µs  "
                  f"server {row['server_us']:6.1f} µs  ({row['calls']} calls)",
                  file=sys.stderr)  # fmt: skip

    run_cycles(profile, args.cycle, args.n, show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
