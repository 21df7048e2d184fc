"""Benchmark: the same data on one node and on a Citus cluster of a coordinator and two workers
on this machine, in the same run (issue 22 item 5).

On each: the migrations (placing every table on the cluster), a furnisher's first Metro 2
cycle of N new consumers (untimed), then their next monthly cycle, timed (`ingest_rps`: records
per second of a steady cycle); then a consent grant for each of the first P subjects and a
report pull under each, one after the other on one connection, each in its own transaction
(`pulls_per_s`); then, untimed, a re-delivery of some of those reports and the subjects' own
disclosures. Every statement of those paths is counted (bureau/db/shard_census.py):
`router_share` is the share of the hot paths' statements (grant, pull, re-delivery,
disclosure) that the cluster ran on one shard; the ingest's own share goes to stderr (its
set-based steps visit the shards once per batch by design).

On 2 cores shared by three nodes and the client the cluster cannot be faster than one node:
the figures show the cost of distribution (a second hop, two-phase commit when a transaction
writes on a worker and the coordinator's access log) and that the hot paths are router
queries; docs/scale.md turns them into a capacity plan.

Last stdout line: {"bench": "cluster", "router_share", "pulls_per_s_single",
"pulls_per_s_cluster", "ingest_rps_single", "ingest_rps_cluster", ...}; details on stderr.

    python bench/cluster.py [--n 5000] [--pulls 300] [--shards 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import scratch_database
from ingest import add_furnisher, write_cycles
from psycopg.rows import dict_row

from bureau.auth.repo import insert_organization
from bureau.auth.service import SubjectPrincipal
from bureau.db.cluster import citus_installed, start_cluster
from bureau.db.migrate import migrate
from bureau.db.shard_census import Census
from bureau.file.service import disclose_to_subject
from bureau.furnishing.ingest import ingest_metro2
from bureau.furnishing.keying_pool import workers_cpu_seconds
from bureau.reports import release
from bureau.reports.redelivery import redeliver
from bureau.signing import SigningKey, signing_key_file
from bureau.vault import Vault
from consent.service import grant_consent

LENDER = "Bench Lender"
PURPOSE, SCOPE = "credit-transaction", "full"
REDELIVERED = 20  # re-deliveries and disclosures counted (untimed)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _stat(pid: str) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def server_cpu_seconds(data_dirs: list[Path]) -> float:
    """CPU seconds the servers of these data directories have used so far: each postmaster's
    own and its reaped children's, and its live children's (backends, Citus's maintenance
    daemon). Wall rates on a shared 2-core machine say little; CPU per record or per pull is
    what the capacity plan (docs/scale.md) multiplies."""
    postmasters = set()
    for folder in data_dirs:
        pid_file = folder / "postmaster.pid"
        if pid_file.exists():
            postmasters.add(pid_file.read_text().split("\n", 1)[0].strip())
    ticks = 0
    for pid in (p.name for p in Path("/proc").iterdir() if p.name.isdigit()):
        fields = _stat(pid)
        if fields is None:
            continue
        if pid in postmasters:
            ticks += sum(int(f) for f in fields[11:15])
        elif fields[1] in postmasters:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Spent:
    """Client and server CPU seconds over a stretch (`with Spent(dirs) as spent: ...`); the
    first data directory's server (the coordinator, on the cluster) is also counted alone."""

    data_dirs: list[Path]
    client: float = 0.0
    server: float = 0.0
    first: float = 0.0

    def __enter__(self) -> Spent:
        self.client = -time.process_time() - workers_cpu_seconds()
        self.server = -server_cpu_seconds(self.data_dirs)
        self.first = -server_cpu_seconds(self.data_dirs[:1])
        return self

    def __exit__(self, *_: object) -> None:
        self.client += time.process_time() + workers_cpu_seconds()
        self.server += server_cpu_seconds(self.data_dirs)
        self.first += server_cpu_seconds(self.data_dirs[:1])

    def per(self, n: int) -> dict[str, float]:
        """Microseconds of CPU per unit: the client's, every server's, the first server's."""
        return {"client_us": round(self.client / n * 1e6), "server_us": round(self.server / n * 1e6),
                "coordinator_us": round(self.first / n * 1e6)}  # fmt: skip


@dataclass(frozen=True)
class Measured:
    ingest_rps: float
    pulls_per_s: float
    hot: Census
    ingest: Census
    ingest_cpu: dict[str, float]
    pull_cpu: dict[str, float]


def _ingest(conn: psycopg.Connection[Any], vault: Vault, org: UUID, path: Path) -> int:
    with path.open("rb") as stream:
        report = ingest_metro2(conn, vault, org, stream)
    conn.commit()
    if report.rejected:
        raise SystemExit(f"bench: {report.rejected} records rejected: {report.to_json(limit=3)}")
    return report.accepted


async def _pulls(
    url: str, vault: Vault, key: SigningKey, lender: UUID, grants: list[UUID], census: Census,
    spent: Spent,
) -> tuple[float, list[UUID]]:  # fmt: skip
    """Pulls/s of one pull after another on one connection, each in its own transaction."""
    reports: list[UUID] = []
    async with await psycopg.AsyncConnection.connect(url, row_factory=dict_row) as conn:
        await conn.set_autocommit(True)
        await census.attach_async(conn)
        await conn.set_autocommit(False)
        started = time.perf_counter()
        with spent:
            for grant_id in grants:
                async with conn.transaction():
                    released = await release.pull_report(
                        conn, vault, key, lender, LENDER, grant_id, PURPOSE, SCOPE, True,
                        datetime.now(UTC),
                    )  # fmt: skip
                reports.append(released.report_id)
        seconds = time.perf_counter() - started
        for report_id in reports[:REDELIVERED]:
            async with conn.transaction():
                await redeliver(conn, vault, lender, report_id, datetime.now(UTC))
    return len(grants) / seconds, reports


def measure(
    label: str, url: str, vault: Vault, key: SigningKey, cycles: tuple[Path, Path], pulls: int,
    data_dirs: list[Path],
) -> Measured:  # fmt: skip
    furnisher, lender = uuid4(), uuid4()
    with psycopg.connect(url, row_factory=dict_row) as conn:
        vault.record_fingerprints(conn)
        insert_organization(conn, lender, LENDER, ["user"])
        conn.commit()
        add_furnisher(conn, furnisher)
        n = _ingest(conn, vault, furnisher, cycles[0])
        log(f"{label}: first cycle of {n:,} new consumers loaded")
    ingest_census = Census()
    with psycopg.connect(url, row_factory=dict_row, autocommit=True) as conn:
        ingest_census.attach(conn)
        conn.autocommit = False
        started = time.perf_counter()
        with Spent(data_dirs) as ingest_spent:
            n = _ingest(conn, vault, furnisher, cycles[1])
        ingest_rps = n / (time.perf_counter() - started)
    log(f"{label}: steady cycle {ingest_rps:,.0f} records/s, CPU per record "
        f"{ingest_spent.per(n)}")  # fmt: skip
    hot = Census()
    with psycopg.connect(url, row_factory=dict_row, autocommit=True) as conn:
        subjects = [
            row["subject_id"]
            for row in conn.execute(
                "SELECT subject_id FROM subjects ORDER BY subject_id LIMIT %s", (pulls,)
            )
        ]
        hot.attach(conn)
        conn.autocommit = False
        signing = key
        grants = []
        for subject_id in subjects:
            grants.append(
                grant_consent(conn, signing, subject_id, lender, PURPOSE, SCOPE, None, None,
                              None, datetime.now(UTC)).grant_id
            )  # fmt: skip
            conn.commit()
        pull_spent = Spent(data_dirs)
        pulls_per_s, _ = asyncio.run(_pulls(url, vault, key, lender, grants, hot, pull_spent))
        for subject_id in subjects[:REDELIVERED]:
            disclose_to_subject(conn, vault, SubjectPrincipal(subject_id, "bench"))
            conn.commit()
    log(f"{label}: {pulls_per_s:,.1f} pulls/s over {len(grants)} pulls, CPU per pull "
        f"{pull_spent.per(len(grants))}")  # fmt: skip
    return Measured(ingest_rps, pulls_per_s, hot, ingest_census, ingest_spent.per(n),
                    pull_spent.per(len(grants)))  # fmt: skip


def _fanned(census: Census) -> dict[str, int]:
    counts: dict[str, int] = {}
    for statement in census.multi_shard:
        counts[statement[:100]] = counts.get(statement[:100], 0) + 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="consumers (one account each)")
    parser.add_argument("--pulls", type=int, default=300, help="grants and pulls per target")
    parser.add_argument("--shards", type=int, default=8, help="shards per distributed table")
    args = parser.parse_args()
    if not citus_installed():
        raise SystemExit("bench: Citus is not built into pgserver: run .ci/checks/citus-build.sh")
    work = Path(tempfile.mkdtemp(prefix="fairfile-bench-cluster-"))
    folder: Path | None = None
    cluster = None
    try:
        key_file = work / "keys" / "master.key"
        key_file.parent.mkdir()
        key = SigningKey.load_or_create(signing_key_file(key_file))
        vault = Vault.from_key_file(key_file)
        cycles = (work / "first.m2", work / "second.m2")
        write_cycles(*cycles, args.n)
        single_url, _, folder = scratch_database.create("fairfile-bench-single-")
        migrate(single_url)
        assert folder is not None or os.environ.get("DATABASE_URL")
        single_dirs = [folder / "pg"] if folder is not None else []
        single = measure("single", single_url, vault, key, cycles, args.pulls, single_dirs)
        cluster = start_cluster(workers=2, shards=args.shards)
        cluster_url = cluster.create_database("fairfile_bench")
        placed: list[str] = []
        migrate(cluster_url, on_placed=placed.append)
        log(f"cluster: {len(placed)} tables placed, {args.shards} shards per distributed table")
        cluster_dirs = [node.folder for node in cluster.nodes]
        distributed = measure("cluster", cluster_url, vault, key, cycles, args.pulls, cluster_dirs)
    finally:
        if cluster is not None:
            cluster.stop()
        scratch_database.stop_server(folder)
        shutil.rmtree(work, ignore_errors=True)
    hot, ingest = distributed.hot, distributed.ingest
    log(f"cluster hot paths: {hot.statements} statements, {len(hot.multi_shard)} over the "
        f"shards: {_fanned(hot)}")  # fmt: skip
    log(f"cluster ingest (steady cycle): {ingest.statements} statements, "
        f"{len(ingest.multi_shard)} over the shards (router share "
        f"{ingest.router_share:.3f}): {_fanned(ingest)}")  # fmt: skip
    result = {
        "bench": "cluster",
        "router_share": round(hot.router_share, 4),
        "pulls_per_s_single": round(single.pulls_per_s, 1),
        "pulls_per_s_cluster": round(distributed.pulls_per_s, 1),
        "ingest_rps_single": round(single.ingest_rps),
        "ingest_rps_cluster": round(distributed.ingest_rps),
        "n": args.n,
        "pulls": args.pulls,
        "shards": args.shards,
        "workers": 2,
        "ingest_router_share": round(ingest.router_share, 4),
        "ingest_cpu_single": single.ingest_cpu,
        "ingest_cpu_cluster": distributed.ingest_cpu,
        "pull_cpu_single": single.pull_cpu,
        "pull_cpu_cluster": distributed.pull_cpu,
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
