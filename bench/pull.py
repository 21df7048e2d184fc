"""Benchmark: report pulls through the real HTTP server against a one-query endpoint baseline.

Seeds N subjects (encrypted identity, M accounts each, one recurring grant each to a bench
lender) in a fresh database, starts the real server (uvicorn, in a child process) with one
extra route for the baseline, then drives in the same run, each for --seconds with --clients
concurrent clients:
  (a) POST /v1/reports: authenticate, lock the grant, decide, assemble and decrypt the file,
      apply obsolescence, write the inquiry, count the use, append the access-log entry, sign
      the report (Ed25519 JWS), record it, commit;
  (b) GET /bench/baseline/{subject_id}: the same server, one indexed SELECT of the subject's
      accounts in one transaction, no authentication.
Last stdout line: {"bench": "pull", "pulls_per_s", "p50_ms", "p99_ms", "baseline_per_s", "ratio"}.

    python bench/pull.py [--subjects 100000] [--accounts 10] [--seconds 20] [--clients 16]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import psycopg
import scratch_database
from psycopg.rows import dict_row

from bureau.api.deps import Tx
from bureau.auth.service import issue_api_key
from bureau.db.migrate import migrate
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
            cipher = vault.new_subject(conn, subject_id)
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
            ("COPY subject_identities (subject_id, identity_id, kind, value_ct, key_version, "
             "value_bidx) FROM STDIN", identities),
            ("COPY tradelines (subject_id, tradeline_id, furnisher_id, account_ref, "
             "account_number_ct, key_version, portfolio_type, account_type, ecoa_code, "
             "date_opened, date_account_information, credit_limit, account_status, "
             "payment_history, current_balance, date_first_delinquency) FROM STDIN", tradelines),
            ("COPY consent_grants (subject_id, grant_id, requester_org_id, purpose, scope, "
             "valid_from, expires_at) FROM STDIN", grants),
        ]  # fmt: skip
        for statement, rows in copies:
            with conn.cursor().copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return key, pairs


def bench_app() -> Any:
    """The real app plus the baseline route (a factory, so uvicorn can start several workers)."""
    from fastapi import APIRouter

    from bureau.app import create_app
    from bureau.config import Settings

    key_file = Path(os.environ["BENCH_KEY_FILE"])
    settings = Settings(database_url=os.environ["BENCH_DATABASE_URL"], data_dir=key_file.parent,
                        key_file=key_file)  # fmt: skip
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
    sys.path.insert(0, str(Path(__file__).parent))
    uvicorn.run("pull:bench_app", factory=True, host="127.0.0.1", port=port,
                workers=workers, log_level="warning")  # fmt: skip


def drive(
    base: str, clients: int, seconds: float, request: Any, pairs: list[tuple]
) -> tuple[int, int, list[float]]:
    """Run `clients` threads for `seconds`; returns (ok, failed, latencies in ms)."""
    latencies: list[float] = []
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(n: int) -> None:
        rng = random.Random(n)
        mine: list[float] = []
        ok = failed = 0
        with httpx.Client(base_url=base, timeout=30) as client:
            while time.perf_counter() < stop:
                pair = pairs[rng.randrange(len(pairs))]
                started = time.perf_counter()
                response = request(client, pair)
                mine.append((time.perf_counter() - started) * 1000)
                if response.status_code in (200, 201):
                    ok += 1
                else:
                    failed += 1
                    if failed <= 3:
                        print(f"failed: {response.status_code} {response.text[:200]}",
                              file=sys.stderr)  # fmt: skip
        with lock:
            latencies.extend(mine)
            counts["ok"] += ok
            counts["failed"] += failed

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts["ok"], counts["failed"], latencies


class WaitSampler(threading.Thread):
    """Samples what the server's database sessions wait on (diagnostics on stderr)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.counts: dict[str, int] = {}
        self._halt = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._halt.wait(0.05):
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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--serve", nargs=4, metavar=("URL", "KEY_FILE", "PORT", "WORKERS"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], args.serve[1], int(args.serve[2]), int(args.serve[3]))
        return

    url, _, folder = scratch_database.create("fairfile-bench-pull-")
    key_dir = Path(tempfile.mkdtemp(prefix="fairfile-bench-key-"))
    server = None
    try:
        migrate(url)
        key_file = key_dir / "master.key"
        vault = Vault.from_key_file(key_file)
        started = time.perf_counter()
        api_key, pairs = seed(url, vault, args.subjects, args.accounts)
        print(f"seeded in {time.perf_counter() - started:.0f}s", file=sys.stderr)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", url, str(key_file), str(port), str(args.workers)]
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        headers = {"Authorization": f"Bearer {api_key}"}

        def pull(client: httpx.Client, pair: tuple) -> httpx.Response:
            body = {"grant_id": str(pair[1]), "purpose": "credit-transaction"}
            return client.post("/v1/reports", json=body, headers=headers)

        def baseline(client: httpx.Client, pair: tuple) -> httpx.Response:
            return client.get(f"/bench/baseline/{pair[0]}")

        drive(base, args.clients, min(2.0, args.seconds), pull, pairs)  # warm up
        print(f"pulling for {args.seconds}s with {args.clients} clients", file=sys.stderr)
        waits = WaitSampler(url)
        waits.start()
        ok, failed, latencies = drive(base, args.clients, args.seconds, pull, pairs)
        waits.stop()
        print(f"server backends during pulls, by wait event: {waits.summary()}", file=sys.stderr)
        print(f"baseline for {args.seconds}s with {args.clients} clients", file=sys.stderr)
        base_ok, base_failed, _ = drive(base, args.clients, args.seconds, baseline, pairs)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        scratch_database.stop_server(folder)
        shutil.rmtree(key_dir, ignore_errors=True)
    pulls_per_s = ok / args.seconds
    baseline_per_s = base_ok / args.seconds
    print(json.dumps({
        "bench": "pull", "subjects": args.subjects, "accounts_per_subject": args.accounts,
        "clients": args.clients, "workers": args.workers, "seconds": args.seconds,
        "pulls_per_s": round(pulls_per_s, 1), "p50_ms": round(percentile(latencies, 0.5), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2), "failed": failed + base_failed,
        "baseline_per_s": round(baseline_per_s, 1),
        "ratio": round(pulls_per_s / baseline_per_s, 3) if baseline_per_s else None,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
