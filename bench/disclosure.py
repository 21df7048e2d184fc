"""Benchmark: the subject's full disclosure against a plain read of the same rows.

Generates N synthetic subjects (encrypted identity, M tradelines each) in a fresh database,
then measures in the same run:
  (a) disclosure_sps: subjects/s through the real path (unwrap the data key, decrypt identity
      and account numbers, assemble the file, write the soft inquiry and the audit entry, one
      transaction per subject, then shape the JSON);
  (b) baseline_sps: subjects/s for plain SELECTs of the same subject's rows (no crypto, no
      writes) on the same connection;
and reports ratio = disclosure_sps / baseline_sps and peak RSS. Last stdout line: one JSON.

    python bench/disclosure.py [--subjects 2000] [--tradelines 6] [--sample 500]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import scratch_database
from psycopg.rows import dict_row

from bureau.audit import trail
from bureau.db.batch import run
from bureau.db.migrate import migrate
from bureau.file import repo as file_repo
from bureau.file.assemble import assemble
from bureau.file.disclosure import disclosure
from bureau.subjects import identities
from bureau.subjects.creation import open_file
from bureau.vault import Vault


def generate(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, subjects: int, tradelines: int
) -> list:
    rng = random.Random(1)
    furnisher = uuid4()
    conn.execute(
        "INSERT INTO organizations (org_id, name, roles, furnisher_code) VALUES (%s, 'Bench Bank', "
        "ARRAY['furnisher'], 'BENCH00001')",
        (furnisher,),
    )
    ids = []
    identity_rows: list[tuple[Any, ...]] = []
    tradeline_rows: list[tuple[Any, ...]] = []
    for n in range(subjects):
        subject_id = uuid4()
        ids.append(subject_id)
        cipher = open_file(conn, vault, subject_id)
        facts = [("name", f"Person {n} Bench"), ("national_id", f"{100000000 + n}"),
                 ("dob", date(1960 + n % 40, 1 + n % 12, 1 + n % 28).isoformat()),
                 ("address", f"{n} Bench Street, Springfield")]  # fmt: skip
        for kind, value in facts:
            identity_rows.append((subject_id, uuid4(), kind, cipher.encrypt(kind, value),
                                  1, vault.blind_index(kind, value)))  # fmt: skip
        for t in range(tradelines):
            number = f"B{n:08d}{t:02d}"
            opened = date(2010, 1, 1) + timedelta(days=rng.randint(0, 5000))
            tradeline_rows.append((
                subject_id, uuid4(), furnisher, vault.blind_index("account", f"{furnisher}:{number}"),
                cipher.encrypt("account", number), 1, "R", "18", "1", opened,
                date(2026, 11, 1), rng.randint(1000, 20000), "11", "0" * 24,
                rng.randint(0, 5000),
            ))  # fmt: skip
        if n % 500 == 0:
            print(f"generated {n}/{subjects} subjects", file=sys.stderr)
    identities.copy_new_documents(conn, identities.documents_of(
        ((s, k, ct, v, b, None) for s, _, k, ct, v, b in identity_rows), datetime.now(UTC)))  # fmt: skip
    with conn.cursor().copy(
        "COPY tradelines (subject_id, tradeline_id, furnisher_id, account_ref, account_number_ct,"
        " key_version, portfolio_type, account_type, ecoa_code, date_opened,"
        " date_account_information, credit_limit, account_status, payment_history,"
        " current_balance) FROM STDIN"
    ) as copy:
        for row in tradeline_rows:
            copy.write_row(row)
    return ids


def baseline(conn: psycopg.Connection[dict[str, Any]], subject_id: UUID) -> int:
    rows = conn.execute(
        "SELECT * FROM identity_documents WHERE subject_id = %s", (subject_id,)
    ).fetchall()
    rows += conn.execute(
        "SELECT t.*, o.name FROM tradelines t JOIN organizations o ON o.org_id = t.furnisher_id "
        "WHERE t.subject_id = %s",
        (subject_id,),
    ).fetchall()
    rows += conn.execute("SELECT * FROM inquiries WHERE subject_id = %s", (subject_id,)).fetchall()
    return len(rows)


def disclose(conn: psycopg.Connection[dict[str, Any]], vault: Vault, subject_id: UUID) -> int:
    now = datetime.now(UTC)
    with conn.transaction():
        file = run(conn, assemble(vault, subject_id, now))
        inquiry_id = uuid4()
        file_repo.insert_inquiry(conn, {
            "subject_id": subject_id, "inquiry_id": inquiry_id, "requester_org_id": None,
            "purpose": "consumer-disclosure", "kind": "soft", "grant_id": None,
            "report_id": None, "created_at": now,
        })  # fmt: skip
        trail.append(
            conn, "file.disclosed", subject_id, {"to": "subject", "inquiry_id": str(inquiry_id)}
        )
    return len(json.dumps(disclosure(file)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subjects", type=int, default=2000)
    parser.add_argument("--tradelines", type=int, default=6)
    parser.add_argument("--sample", type=int, default=500, help="subjects read per measurement")
    args = parser.parse_args()

    url, _, folder = scratch_database.create("fairfile-bench-")
    key_dir = Path(tempfile.mkdtemp(prefix="fairfile-bench-key-"))
    try:
        migrate(url)
        vault = Vault.from_key_file(key_dir / "master.key")
        with psycopg.connect(url, row_factory=dict_row) as conn:
            conn.execute("SET TIME ZONE 'UTC'")
            with conn.transaction():
                ids = generate(conn, vault, args.subjects, args.tradelines)
            conn.execute("ANALYZE")
            sample = random.Random(2).sample(ids, min(args.sample, len(ids)))
            print(f"measuring {len(sample)} disclosures and baseline reads", file=sys.stderr)
            for subject_id in sample[:20]:  # warm caches and prepared plans
                baseline(conn, subject_id)
            started = time.perf_counter()
            for subject_id in sample:
                with conn.transaction():
                    baseline(conn, subject_id)
            baseline_s = time.perf_counter() - started
            started = time.perf_counter()
            for subject_id in sample:
                disclose(conn, vault, subject_id)
            disclosure_s = time.perf_counter() - started
    finally:
        scratch_database.stop_server(folder)
        shutil.rmtree(key_dir, ignore_errors=True)
    disclosure_sps = len(sample) / disclosure_s
    baseline_sps = len(sample) / baseline_s
    print(json.dumps({
        "bench": "disclosure", "subjects": args.subjects, "tradelines_per_subject": args.tradelines,
        "sample": len(sample), "disclosure_sps": round(disclosure_sps, 1),
        "baseline_sps": round(baseline_sps, 1), "ratio": round(disclosure_sps / baseline_sps, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
