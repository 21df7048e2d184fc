"""Benchmark: filing disputes and the deadline job, against plain SQL doing the same row changes.

Generates N synthetic subjects (one account each, one furnisher) in a fresh database, then
measures in the same run:
  (a) filing_dps: disputes/s through the real filing path (checks, encryption, clock, events,
      forwarding, XB flag, access-log entry), one transaction per dispute;
  (b) deadline_dps: disputes/s for `run_deadlines` on the first business day past due, all N
      overdue (delete the item, tell the furnisher, results notice, close), one transaction;
  (c) baseline_dps: disputes/s for the bare row changes that job must make (mark the account
      deleted, close the dispute), one UPDATE pair per dispute in one transaction;
and reports deadline_ratio = deadline_dps / baseline_dps and peak RSS. Last stdout line: JSON.

    python bench/dispute_deadlines.py [--subjects 1000]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import scratch_database
from psycopg import sql
from psycopg.rows import dict_row

from bureau.auth.repo import insert_organization
from bureau.db.migrate import migrate
from bureau.furnishing import repo as furnishing_repo
from bureau.sandbox.personas import AccountSpec
from bureau.sandbox.seed import tradeline_values
from bureau.subjects.creation import open_file
from bureau.vault import Vault
from disputes import service
from disputes.reinvestigation import run_deadlines

RECEIVED = datetime(2026, 11, 25, 15, tzinfo=UTC)
DELETION_DAY = datetime(2026, 12, 28, 6, tzinfo=UTC)


def generate(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, subjects: int
) -> tuple[UUID, list[tuple]]:
    furnisher = uuid4()
    insert_organization(conn, furnisher, "Bench Bank", ["furnisher"], "BENCH00001")
    values = tradeline_values(AccountSpec("bench", "card", opened=30, limit=4000, balance=900),
                              date(2026, 11, 1))  # fmt: skip
    made = []
    for i in range(subjects):
        subject_id, tradeline_id = uuid4(), uuid4()
        cipher = open_file(conn, vault, subject_id)
        number = f"BB{i:010d}"
        furnishing_repo.upsert_tradeline(
            conn, subject_id, tradeline_id, furnisher,
            vault.blind_index("account", f"{furnisher}:{number}"),
            cipher.encrypt("account", number), cipher.key_version, values,
        )  # fmt: skip
        made.append((subject_id, tradeline_id))
        if i % 250 == 0:
            print(f"generated {i}/{subjects}", file=sys.stderr)
    return furnisher, made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1000)
    args = parser.parse_args()
    url, base, folder = scratch_database.create("fairfile-bench-disputes-")
    key_dir = Path(tempfile.mkdtemp(prefix="fairfile-bench-key-"))
    try:
        migrate(url)
        vault = Vault.from_key_file(key_dir / "master.key")
        with psycopg.connect(url, row_factory=dict_row) as conn:
            _, made = generate(conn, vault, args.subjects)
            conn.commit()

            start = time.perf_counter()
            for subject_id, tradeline_id in made:
                with conn.transaction():
                    service.file_dispute(conn, vault, subject_id, service.Filing(
                        "account", tradeline_id, "inaccurate-balance",
                        description="The balance is wrong."), RECEIVED)  # fmt: skip
            filing_s = time.perf_counter() - start
            conn.commit()
            print(f"filed {len(made)} disputes in {filing_s:.2f}s", file=sys.stderr)

            # Baseline first, rolled back, so the real job then finds every dispute open.
            start = time.perf_counter()
            with conn.transaction(force_rollback=True):
                for subject_id, tradeline_id in made:
                    conn.execute(
                        "UPDATE tradelines SET deleted_at = %s WHERE subject_id = %s "
                        "AND tradeline_id = %s",
                        (DELETION_DAY, subject_id, tradeline_id),
                    )
                    conn.execute("UPDATE disputes SET state = 'closed', closed_at = %s "
                                 "WHERE subject_id = %s AND item_id = %s",
                                 (DELETION_DAY, subject_id, tradeline_id))  # fmt: skip
            baseline_s = time.perf_counter() - start

            start = time.perf_counter()
            with conn.transaction():
                summary = run_deadlines(conn, vault, DELETION_DAY)
            deadline_s = time.perf_counter() - start
            assert len(summary["deleted"]) == len(made), "every dispute was overdue"
            print(f"deadline job closed {len(made)} in {deadline_s:.2f}s", file=sys.stderr)
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(str(name))))  # fmt: skip
        scratch_database.stop_server(folder)
        shutil.rmtree(key_dir, ignore_errors=True)
    n = len(made)
    print(json.dumps({
        "bench": "dispute_deadlines", "subjects": n,
        "filing_dps": round(n / filing_s, 1),
        "deadline_dps": round(n / deadline_s, 1),
        "baseline_dps": round(n / baseline_s, 1),
        "deadline_ratio": round(baseline_s / deadline_s, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
