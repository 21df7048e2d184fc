"""Benchmark: report pulls through the real HTTP server against a one-query endpoint baseline.

Seeds N subjects (encrypted identity, M accounts each, one recurring grant each to a bench
lender) in a fresh database, starts the real server (uvicorn, in a child process) with one
extra route for the baseline, then drives in the same run, each for --seconds in all with
--clients concurrent clients, in alternating slices (`ROUNDS`; each slice after a half-second
ramp that is driven but not measured):
  (a) POST /v1/reports: authenticate, lock the grant, decide, assemble and decrypt the file,
      apply obsolescence, write the inquiry, count the use, append the access-log entry, sign
      the report (Ed25519 JWS), record it, commit;
  (b) GET /bench/baseline/{subject_id}: the same server, one indexed SELECT of the subject's
      accounts in one transaction, no authentication.
Last stdout line: {"bench": "pull", "pulls_per_s", "p50_ms", "p99_ms", "baseline_per_s",
"baseline_p50_ms", "baseline_p99_ms", "ratio", "ratios", "edge"}. The baseline's own latencies
say what the machine allows: with 16 clients that never pause, latency is 16 / throughput, so a
p99 the baseline itself cannot reach is out of reach for pulls on that run.

`--edge on` turns on what a served bureau adds per pull beyond the always-on edge layers
(request id, access log and metrics, response headers, body limit): rate limits (counted in
PostgreSQL, with limits too high to refuse anything) and an Idempotency-Key on every pull, a
new one each time (so every pull is stored, none replayed). `--edge limits` and `--edge keys`
turn on one of the two; `--edge off` (the default) is the app as built in code, rate limits
off, no key sent.

    python bench/pull.py [--subjects 100000] [--accounts 10] [--seconds 20] [--clients 16]
                         [--repeat 1] [--edge off|limits|keys|on] [--compare-edge]
                         [--compare-with DIR]

`--repeat N` measures N times over the one seeded database (seeding is most of a run's time):
the JSON line's figures are over all N, and `ratios` lists each measurement's own ratio, so
the spread of one run is there to see beside its total.

`--compare-edge` adds `edge_off_per_s`, `edge_on_per_s`, `edge_ratio` (on / off) and each side's
p50 and CPU per request, from alternating slices of the same run. `--compare-with DIR` does the
same between this checkout's code and another checkout's (a worktree at the base commit, say),
over the same database, and adds `this_*`, `other_*` and `code_ratio` (this / other): on a
shared machine, where runs minutes apart differ by ±30 %, the way to measure a change. Server
CPU counts the serving process's whole tree (its access-log sequencer included); `serving` is
the serving process alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from uuid import UUID, uuid4

import checkout_first  # noqa: F401 (this checkout's bureau, not the venv's)
import httpx
import psycopg
import scratch_database
from psycopg.rows import dict_row

from bureau.api.deps import Tx
from bureau.auth.service import issue_api_key
from bureau.db.migrate import migrate
from bureau.signing import SigningKey, signing_key_file
from bureau.subjects.creation import open_file
from bureau.subjects.identities import copy_new_documents, documents_of
from bureau.vault import Vault


def seed(url: str, vault: Vault, subjects: int, accounts: int) -> tuple[str, list[tuple]]:
    """Subjects, accounts and grants; returns the lender's API key and (subject, grant) pairs."""
    rng = random.Random(1)
    lender, furnisher = uuid4(), uuid4()
    pairs: list[tuple[UUID, UUID]] = []
    now = datetime.now(UTC)
    with psycopg.connect(url, row_factory=dict_row) as conn, conn.transaction():
        conn.execute(
            "INSERT INTO organizations (org_id, name, roles, furnisher_code) VALUES "
            "(%s, 'Bench Lender', ARRAY['user'], NULL), "
            "(%s, 'Bench Bank', ARRAY['furnisher'], 'BENCH00001')",
            (lender, furnisher),
        )
        key = str(issue_api_key(conn, lender, ["pull"], "bench"))
        identities, tradelines, grants = [], [], []
        for n in range(subjects):
            subject_id = uuid4()
            cipher = open_file(conn, vault, subject_id)
            for kind, value in (
                ("name", f"Person {n} Bench"), ("national_id", f"{100000000 + n}"),
                ("dob", date(1960 + n % 40, 1 + n % 12, 1 + n % 28).isoformat()),
                ("address", f"{n} Bench Street, Springfield"),
            ):  # fmt: skip
                identities.append((subject_id, uuid4(), kind, cipher.encrypt(kind, value), 1,
                                   vault.blind_index(kind, value)))  # fmt: skip
            for t in range(accounts):
                number = f"B{n:08d}{t:02d}"
                late = rng.random() < 0.1
                opened = date(2008, 1, 1) + timedelta(days=rng.randint(0, 6000))
                tradelines.append((
                    subject_id, uuid4(), furnisher,
                    vault.blind_index("account", f"{furnisher}:{number}"),
                    cipher.encrypt("account", number), 1, "R", "18", "1", opened,
                    date(2026, 11, 1), rng.randint(1000, 20000), "71" if late else "11",
                    "0" * 24, rng.randint(0, 5000),
                    opened + timedelta(days=400) if late else None,
                ))  # fmt: skip
            grant_id = uuid4()
            pairs.append((subject_id, grant_id))
            grants.append((subject_id, grant_id, lender, "credit-transaction", "full",
                           now - timedelta(minutes=5), now + timedelta(days=300)))  # fmt: skip
            if n % 5000 == 0:
                print(f"generated {n}/{subjects} subjects", file=sys.stderr)
        print("copying rows", file=sys.stderr)
        copies: list[tuple[str, list[tuple]]] = [
            ("COPY tradelines (subject_id, tradeline_id, furnisher_id, account_ref, "
             "account_number_ct, key_version, portfolio_type, account_type, ecoa_code, "
             "date_opened, date_account_information, credit_limit, account_status, "
             "payment_history, current_balance, date_first_delinquency) FROM STDIN", tradelines),
            ("COPY consent_grants (subject_id, grant_id, requester_org_id, purpose, scope, "
             "valid_from, expires_at) FROM STDIN", grants),
        ]  # fmt: skip
        copy_new_documents(conn, documents_of(
            ((s, k, ct, v, b, None) for s, _, k, ct, v, b in identities), now))  # fmt: skip
        for statement, rows in copies:
            with conn.cursor().copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
    with psycopg.connect(url, autocommit=True) as maintenance:
        maintenance.execute("VACUUM ANALYZE")
        maintenance.execute(
            "CHECKPOINT"
        )  # the seed's writes are flushed now, not while pulls are timed
    return key, pairs


def bench_app() -> Any:
    """The real app plus the baseline route (a factory, so uvicorn can start several workers)."""
    from fastapi import APIRouter

    from bureau.app import create_app
    from bureau.config import EdgeSettings, Settings

    key_file = Path(os.environ["BENCH_KEY_FILE"])
    edge = EdgeSettings(rate_limits=os.environ.get("BENCH_EDGE") in ("on", "limits"),
                        per_key=10**9, per_address=10**9)  # fmt: skip
    settings = Settings(database_url=os.environ["BENCH_DATABASE_URL"], data_dir=key_file.parent,
                        key_file=key_file, edge=edge)  # fmt: skip
    app = create_app(settings)
    baseline = APIRouter()

    @baseline.get("/bench/baseline/{subject_id}")
    def accounts(subject_id: UUID, conn: Tx) -> dict[str, Any]:
        rows = conn.execute(
            "SELECT tradeline_id, account_type, current_balance, credit_limit, account_status "
            "FROM tradelines WHERE subject_id = %s",
            (subject_id,),
        ).fetchall()
        return {"accounts": [{k: str(v) for k, v in r.items()} for r in rows]}

    app.include_router(baseline)
    return app


def serve(url: str, key_file: str, port: int, workers: int) -> None:
    """The child process: uvicorn serving `bench_app`."""
    import uvicorn

    os.environ["BENCH_DATABASE_URL"] = url
    os.environ["BENCH_KEY_FILE"] = key_file
    # This checkout's code (`checkout_first`, imported before any of it), and this bench's
    # module for uvicorn to import.
    sys.path[:0] = [str(Path(__file__).parent)]
    uvicorn.run("pull:bench_app", factory=True, host="127.0.0.1", port=port,
                workers=workers, log_level="warning")  # fmt: skip


KEY_SLOT = b"@" * 16
"""Where a pull's Idempotency-Key goes in its encoded request (`--edge on`): same width as the
key written there, so the encoded Content-Length stays right."""

RAMP_SECONDS = 0.5
"""Driven but not measured at the start of each phase: the clients connect and send their first
requests all at once, a burst no steady load has (it once put a fifth of the pulls' 1 % tail
into the first tenth of a second)."""


class Run(NamedTuple):
    ok: int
    failed: int
    samples: list[tuple[float, float]]
    """(seconds since the measured window began, latency in ms) per measured request."""
    driven: int
    """Every request answered, the ramp's included (what the CPU figures are divided by)."""
    client_cpu: float
    """CPU seconds the clients used while driving (not the child's start-up)."""


def drive(port: int, clients: int, seconds: float, requests: list[bytes]) -> Run:
    """Run `clients` keep-alive connections for a ramp and then `seconds`, in a child process.

    The clients live in their own process and speak HTTP/1.1 over asyncio streams with requests
    encoded beforehand, so the load generator costs little CPU and does not share a GIL with
    anything it measures (16 httpx threads in this process cost about 1 ms of CPU a request,
    taken from the same two cores the server and PostgreSQL need).
    """
    # Spawned, not forked: the wait sampler's thread is running when the clients start, and a
    # fork copies a process with a live thread.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
        return child.submit(_drive, port, clients, seconds, requests).result()


def _drive(port: int, clients: int, seconds: float, requests: list[bytes]) -> Run:
    latencies: list[tuple[float, float]] = []
    counts = {"ok": 0, "failed": 0, "driven": 0}
    # Keys unique to this drive: the clients' request sequences repeat from one drive to the
    # next (seeded by client number), and a repeated key would be a replay, not a pull.
    tag = os.urandom(2).hex()

    async def client(n: int, stop: float) -> None:
        rng = random.Random(n)
        sent = 0
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                request = requests[rng.randrange(len(requests))]
                if KEY_SLOT in request:  # a new Idempotency-Key for every pull
                    sent += 1
                    request = request.replace(KEY_SLOT, f"{tag}{n:02x}{sent:010x}".encode())
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
                body = await reader.readexactly(int(length.group(1)) if length else 0)
                counts["driven"] += 1
                if started < measured:
                    continue
                latencies.append((started - measured, (time.perf_counter() - started) * 1000))
                if head[9:12] in (b"200", b"201"):
                    counts["ok"] += 1
                else:
                    counts["failed"] += 1
                    if counts["failed"] <= 3:
                        print(f"failed: {head[:12]!r} {body[:200]!r}", file=sys.stderr)
        finally:
            writer.close()

    measured, cpu = time.perf_counter() + RAMP_SECONDS, time.process_time()

    async def all_clients() -> None:
        stop = measured + seconds
        await asyncio.gather(*(client(n, stop) for n in range(clients)))

    asyncio.run(all_clients())
    client_cpu = time.process_time() - cpu
    return Run(counts["ok"], counts["failed"], latencies, counts["driven"], client_cpu)


def http_request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """One HTTP/1.1 keep-alive request, encoded once before the clients start."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class WaitSampler(threading.Thread):
    """Samples what the server's database sessions wait on (diagnostics on stderr)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.counts: dict[str, int] = {}
        self._halt = threading.Event()
        self.sampling = threading.Event()
        """Set while pulls are driven: baseline slices are not sampled."""

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True, application_name=PROBE_NAME) as conn:
            while not self._halt.wait(0.05):
                if not self.sampling.is_set():
                    continue
                rows = conn.execute(
                    "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend'"
                ).fetchall()
                for state, kind, event in rows:
                    label = f"{state}:{kind or 'cpu'}:{event or '-'}"
                    self.counts[label] = self.counts.get(label, 0) + 1

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def summary(self) -> str:
        top = sorted(self.counts.items(), key=lambda kv: -kv[1])[:6]
        return ", ".join(f"{k}={v}" for k, v in top)


PROBE_NAME = "fairfile-bench-probe"
"""The `application_name` of the bench's own sessions (the wait sampler, the CPU probe), so the
CPU counted for PostgreSQL is the bench server's backends and nothing else."""


def _process_cpu(pid: int | str) -> tuple[float, int] | None:
    """(CPU seconds used so far, parent pid) of a process, from /proc; None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), int(fields[1])


class CpuProbe:
    """CPU used so far by the server process (and its workers) and by the PostgreSQL backends
    serving the bench database: where a request's cost lands (diagnostics; Linux /proc only).

    Why only those backends: other PostgreSQL servers on a shared machine (other sessions'
    test databases) used to be counted too, which made the figure meaningless, even negative,
    whenever they started or stopped. The backends are the bench database's client sessions in
    `pg_stat_activity`, less the bench's own (named `PROBE_NAME`); a pool connection opened
    between two samples counts from zero, one closed between them loses what it used."""

    def __init__(self, url: str, server_pid: int) -> None:
        self.url, self.server_pid = url, server_pid

    def backends(self) -> list[int]:
        with psycopg.connect(self.url, autocommit=True, application_name=PROBE_NAME) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND application_name <> %s",
                (PROBE_NAME,),
            ).fetchall()
        return [pid for (pid,) in rows]

    def sample(self) -> dict[str, Any]:
        """The server's whole process tree (uvicorn workers, the access-log sequencer each
        serving process starts) counted as `server`; its own process apart as `serving`."""
        processes = {int(entry.name): found for entry in Path("/proc").iterdir()
                     if entry.name.isdigit() and (found := _process_cpu(entry.name))}  # fmt: skip
        tree, grew = {self.server_pid}, True
        while grew:
            below = {pid for pid, (_, parent) in processes.items() if parent in tree}
            grew = not below <= tree
            tree |= below
        server = sum(processes[pid][0] for pid in tree if pid in processes)
        serving = processes[self.server_pid][0] if self.server_pid in processes else 0.0
        backends = {pid: found[0] for pid in self.backends()
                    if (found := _process_cpu(pid)) is not None}  # fmt: skip
        return {"server": server, "serving": serving, "backends": backends}


def cpu_used(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
    """Server (its process tree), the serving process alone, and PostgreSQL CPU seconds
    between two `CpuProbe.sample`s."""
    postgres = sum(used - before["backends"].get(pid, 0.0)
                   for pid, used in after["backends"].items())  # fmt: skip
    return {"server": after["server"] - before["server"],
            "serving": after["serving"] - before["serving"], "postgres": postgres}  # fmt: skip


def tail_report(samples: list[tuple[float, float]], window: float = 0.1) -> str:
    """Where the slowest 1 % of requests started, in `window`-second slices of the run.

    Why: a tail spread over the whole run is queueing; one bunched into a few slices is a stall
    that held every client at once (a full garbage collection, a checkpoint), and the two need
    different fixes. The 1 % tail of report pulls was once entirely such stalls.
    """
    if not samples:
        return "no requests"
    cut = percentile([ms for _, ms in samples], 0.99)
    slow = [start for start, ms in samples if ms >= cut]
    slices: dict[int, int] = {}
    for start in slow:
        slices[int(start / window)] = slices.get(int(start / window), 0) + 1
    worst = sorted(slices.items(), key=lambda kv: -kv[1])[:5]
    total = int(max(start for start, _ in samples) / window) + 1
    return (
        f"slowest 1 % ({len(slow)} requests, >= {cut:.1f} ms) started in {len(slices)} of "
        f"{total} {window * 1000:.0f}-ms slices; most at "
        + ", ".join(f"{n * window:.1f} s ({count})" for n, count in worst)
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def start_server(
    url: str, key_file: Path, workers: int, edge: str, checkout: Path | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """The server child (`--serve`) with the given edge mode, once its /health answers; with
    `checkout`, that checkout's bench serves its own code."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = str(checkout / "bench" / "pull.py") if checkout else __file__
    server = subprocess.Popen(
        [sys.executable, script, "--serve", url, str(key_file), str(port), str(workers)],
        env={**os.environ, "BENCH_EDGE": edge},
    )
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return server, port


def pull_requests(headers: dict[str, str], pairs: list[tuple], edge: str) -> list[bytes]:
    """One encoded pull per grant; with a slot for a new Idempotency-Key when keys are on."""
    if edge in ("on", "keys"):
        headers = {**headers, "Idempotency-Key": KEY_SLOT.decode()}
    return [
        http_request("POST", "/v1/reports", headers, json.dumps(
            {"grant_id": str(grant_id), "purpose": "credit-transaction"}).encode())
        for _, grant_id in pairs
    ]  # fmt: skip


ROUNDS = 4
"""The pulls and the baseline are measured in alternating slices, --seconds / ROUNDS each with
its own ramp, in the order pulls, baseline, baseline, pulls, pulls, ... (so a steady drift
falls on both alike). Why not one phase each: this VM's speed drifts within a minute. On
2026-12-03 the same server's pulls cost 25-30 % more CPU in a first 20-s phase than in slices a
minute later, and two phases run one after the other measured the drift as much as the code."""


class Phase:
    """One endpoint's slices of a run, added up: what `Run` is for a single drive."""

    def __init__(self) -> None:
        self.ok = self.failed = self.driven = 0
        self.client_cpu = 0.0
        self.samples: list[tuple[float, float]] = []
        self.cpu = {"server": 0.0, "serving": 0.0, "postgres": 0.0}

    def add(self, run: Run | Phase, used: dict[str, float], offset: float) -> None:
        """A slice (or a whole earlier measurement, `--repeat`), its samples' start times
        shifted by the time measured before it."""
        self.ok += run.ok
        self.failed += run.failed
        self.driven += run.driven
        self.client_cpu += run.client_cpu
        self.samples.extend((offset + start, ms) for start, ms in run.samples)
        for where in self.cpu:
            self.cpu[where] += used[where]

    def cpu_line(self) -> str:
        requests = max(self.driven, 1)
        used = {"client": self.client_cpu, **self.cpu}
        return "CPU ms per request: " + ", ".join(
            f"{k} {1000 * v / requests:.2f}" for k, v in used.items()
        )


def measure(
    args: argparse.Namespace,
    url: str,
    server: subprocess.Popen[bytes],
    port: int,
    pulls: list[bytes],
    baselines: list[bytes],
    waits: WaitSampler,
) -> tuple[Phase, Phase]:
    """Pulls and the baseline on one server, in alternating slices (`ROUNDS`)."""
    phases = {"pulls": Phase(), "baseline": Phase()}
    requests = {"pulls": pulls, "baseline": baselines}
    slice_seconds = args.seconds / ROUNDS
    probe = CpuProbe(url, server.pid)
    for turn in range(ROUNDS):
        for side in ("pulls", "baseline") if turn % 2 == 0 else ("baseline", "pulls"):
            if side == "pulls":
                waits.sampling.set()
            before = probe.sample()
            run = drive(port, args.clients, slice_seconds, requests[side])
            used = cpu_used(before, probe.sample())
            waits.sampling.clear()
            phases[side].add(run, used, turn * slice_seconds)
    return phases["pulls"], phases["baseline"]


COMPARE_ROUNDS = 4


def alternate(args: argparse.Namespace, url: str, sides: dict[str, tuple]) -> dict[str, Any]:
    """Pulls on two servers over the same database, in alternating slices of the same run
    (a, b, a, b, ...), so a neighbour's load and the machine's drift fall on both alike.
    Each slice has its own ramp; CPU per request is summed over each side's slices.
    `sides` maps a label to (server, port, encoded requests); keys come out as
    `{label}_per_s`, `{label}_p50_ms`, ..."""
    totals: dict[str, dict[str, Any]] = {side: {"ok": 0, "failed": 0, "driven": 0, "server": 0.0,
                     "serving": 0.0, "postgres": 0.0, "ms": []} for side in sides}  # fmt: skip
    slice_seconds = args.seconds / COMPARE_ROUNDS
    for _, port, requests in list(sides.values())[1:]:  # warm the other servers up
        drive(port, args.clients, min(2.0, args.seconds), requests)
    for _ in range(COMPARE_ROUNDS):
        for side, (server, port, requests) in sides.items():
            probe = CpuProbe(url, server.pid)
            before = probe.sample()
            run = drive(port, args.clients, slice_seconds, requests)
            used = cpu_used(before, probe.sample())
            total = totals[side]
            for counted in ("ok", "failed", "driven"):
                total[counted] += getattr(run, counted)
            for where in ("server", "serving", "postgres"):
                total[where] += used[where]
            total["ms"].extend(ms for _, ms in run.samples)
    out: dict[str, Any] = {}
    for side, total in totals.items():
        driven = max(total["driven"], 1)
        out[f"{side}_per_s"] = round(total["ok"] / args.seconds, 1)
        out[f"{side}_failed"] = total["failed"]
        out[f"{side}_p50_ms"] = round(percentile(total["ms"], 0.5), 2)
        out[f"{side}_p99_ms"] = round(percentile(total["ms"], 0.99), 2)
        for where in ("server", "serving", "postgres"):
            out[f"{side}_{where}_cpu_ms"] = round(1000 * total[where] / driven, 2)
    return out


def compare_edge(args: argparse.Namespace, url: str, off: tuple, on: tuple) -> dict[str, Any]:
    """Pulls with the edge off and on, alternating (`alternate`)."""
    out = alternate(args, url, {"edge_off": off, "edge_on": on})
    off_rate = out["edge_off_per_s"]
    out["edge_ratio"] = round(out["edge_on_per_s"] / off_rate, 3) if off_rate else None
    print(f"edge off vs on, alternating: {out}", file=sys.stderr)
    return out


def compare_code(args: argparse.Namespace, url: str, this: tuple, other: tuple) -> dict[str, Any]:
    """Pulls served by this checkout's code and by another's (`--compare-with`), alternating
    over the same database: a change measured against its base in one run."""
    out = alternate(args, url, {"this": this, "other": other})
    other_rate = out["other_per_s"]
    out["code_ratio"] = round(out["this_per_s"] / other_rate, 3) if other_rate else None
    print(f"this code vs {args.compare_with}, alternating: {out}", file=sys.stderr)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--repeat", type=int, default=1, help="measure this many times over the one seeded database"
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--edge", choices=("off", "limits", "keys", "on"), default="off",
                        help="rate limits (limits), an Idempotency-Key on every pull (keys), "
                             "or both (on)")  # fmt: skip
    parser.add_argument("--compare-edge", nargs="?", const="on", choices=("limits", "keys", "on"),
                        help="then pull for --seconds more, alternating between this server and "
                             "one with this --edge mode (default on; same run, same database)")  # fmt: skip
    parser.add_argument("--compare-with", type=Path, metavar="CHECKOUT",
                        help="then pull for --seconds more, alternating between this code and the "
                             "code of another checkout (e.g. a worktree at the base commit), "
                             "same database; adds this_*, other_* and code_ratio")  # fmt: skip
    parser.add_argument("--serve", nargs=4, metavar=("URL", "KEY_FILE", "PORT", "WORKERS"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], args.serve[1], int(args.serve[2]), int(args.serve[3]))
        return

    url, _, folder = scratch_database.create("fairfile-bench-pull-")
    key_dir = Path(tempfile.mkdtemp(prefix="fairfile-bench-key-"))
    servers: list[subprocess.Popen[bytes]] = []
    compared: dict[str, Any] = {}
    ratios: list[float | None] = []
    try:
        migrate(url)
        key_file = key_dir / "master.key"
        with psycopg.connect(url) as conn:  # the keys recorded, as `bureau init` does
            vault = Vault.initialise(key_file, conn)
        SigningKey.load_or_create(signing_key_file(key_file))  # as `bureau init` makes it
        started = time.perf_counter()
        api_key, pairs = seed(url, vault, args.subjects, args.accounts)
        print(f"seeded in {time.perf_counter() - started:.0f}s", file=sys.stderr)
        server, port = start_server(url, key_file, args.workers, args.edge)
        servers.append(server)
        headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        pulls = pull_requests(headers, pairs, args.edge)
        baselines = [http_request("GET", f"/bench/baseline/{subject_id}", {})
                     for subject_id, _ in pairs]  # fmt: skip
        drive(port, args.clients, min(2.0, args.seconds), pulls)  # warm up
        drive(port, args.clients, min(1.0, args.seconds), baselines)
        print(f"pulls and the baseline for {args.seconds}s each with {args.clients} clients, "
              f"in {ROUNDS} alternating slices each", file=sys.stderr)  # fmt: skip
        waits = WaitSampler(url)
        waits.start()
        pulled, based = Phase(), Phase()
        for repeat in range(args.repeat):
            once_pulled, once_based = measure(args, url, server, port, pulls, baselines, waits)
            ratios.append(round(once_pulled.ok / once_based.ok, 3) if once_based.ok else None)
            print(f"measurement {repeat + 1}: ratio {ratios[-1]}", file=sys.stderr)
            pulled.add(once_pulled, once_pulled.cpu, repeat * args.seconds)
            based.add(once_based, once_based.cpu, repeat * args.seconds)
        waits.stop()
        print(f"pulls: {pulled.cpu_line()}", file=sys.stderr)
        print(tail_report(pulled.samples), file=sys.stderr)
        print(f"server backends during pulls, by wait event: {waits.summary()}", file=sys.stderr)
        print(f"baseline: {based.cpu_line()}", file=sys.stderr)
        if args.compare_edge:
            mode = args.compare_edge
            other, other_port = start_server(url, key_file, args.workers, mode)
            servers.append(other)
            compared = compare_edge(args, url, (server, port, pulls),
                                    (other, other_port, pull_requests(headers, pairs, mode)))  # fmt: skip
            compared["edge_compared"] = mode
        if args.compare_with:
            other, other_port = start_server(url, key_file, args.workers, args.edge,
                                             args.compare_with.resolve())  # fmt: skip
            servers.append(other)
            compared |= compare_code(args, url, (server, port, pulls),
                                     (other, other_port, pulls))  # fmt: skip
    finally:
        for running in servers:
            running.terminate()
            running.wait(timeout=30)
        scratch_database.stop_server(folder)
        shutil.rmtree(key_dir, ignore_errors=True)
    measured = args.seconds * args.repeat
    pulls_per_s = pulled.ok / measured
    baseline_per_s = based.ok / measured
    latencies = [ms for _, ms in pulled.samples]
    based_ms = [ms for _, ms in based.samples]
    print(json.dumps({
        "bench": "pull", "subjects": args.subjects, "accounts_per_subject": args.accounts,
        "clients": args.clients, "workers": args.workers, "seconds": args.seconds,
        "repeat": args.repeat,
        "pulls_per_s": round(pulls_per_s, 1), "p50_ms": round(percentile(latencies, 0.5), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2), "failed": pulled.failed + based.failed,
        "baseline_per_s": round(baseline_per_s, 1),
        "baseline_p50_ms": round(percentile(based_ms, 0.5), 2),
        "baseline_p99_ms": round(percentile(based_ms, 0.99), 2),
        "ratio": round(pulls_per_s / baseline_per_s, 3) if baseline_per_s else None,
        "ratios": ratios, "edge": args.edge, **compared,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
