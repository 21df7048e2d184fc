"""Benchmark: Metro 2 ingest against a plain COPY of the same rows.

Generates N synthetic, valid base segments into a file (streamed, never held whole), then
measures in the same run:
  (a) parse_rps: records/s read and validated (every rule, trailer totals) without storing;
  (b) ingest_rps: records/s through the real path (parse, validate, match subjects by blind
      index, create subjects and their data keys, encrypt identities and account numbers,
      COPY into staging, set-based merge, history rows, commit) into a fresh database;
  (c) copy_rps: records/s for the baseline, a plain COPY of the same records' fields (sliced
      from the same file, no validation, matching or encryption) into an unindexed table with
      the tradeline columns;
and reports ratio = ingest_rps / copy_rps and the process's peak RSS. Progress on stderr; the
last stdout line is one JSON object.

    python bench/ingest.py [--n 1000000]
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from uuid import uuid4

import psycopg
import scratch_database
from psycopg.rows import dict_row

from bureau.db.migrate import migrate
from bureau.file.repo import TRADELINE_COLUMNS
from bureau.furnishing.ingest import ingest_metro2
from bureau.furnishing.metro2.layout import BASE
from bureau.furnishing.metro2.parse import Reader
from bureau.furnishing.metro2.records import Record
from bureau.furnishing.metro2.synthetic import records
from bureau.furnishing.metro2.validate import FileValidator
from bureau.furnishing.metro2.write import item_bytes
from bureau.vault import Vault

FURNISHER = "BENCHFURNISHER01"
# Metro 2 field feeding each tradeline column in the baseline (same values, no decoding).
_BASELINE_FIELDS = {
    "payment_history": "payment_history_profile",
    "consumer_info_indicator": "consumer_information_indicator",
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def write_file(path: Path, n: int) -> None:
    with path.open("wb") as out:
        for index, record in enumerate(records(n, seed=2026, furnisher=FURNISHER)):
            out.write(item_bytes(record))
            if index and index % 100_000 == 0:
                log(f"generated {index:,} records")


def parse_and_validate(path: Path) -> int:
    validator = FileValidator()
    problems = bases = 0
    with path.open("rb") as stream:
        for item in Reader(stream):
            problems += len(validator.check(item))
            if isinstance(item, Record) and item.kind == "base":
                bases += 1
    problems += len(validator.finish())
    if problems:
        raise SystemExit(f"bench: the generated file has {problems} problem(s)")
    return bases


def baseline_copy(conn: psycopg.Connection, path: Path) -> int:
    """COPY the same records' fields into an unindexed table with the tradeline columns."""
    columns = ["account_number", *TRADELINE_COLUMNS]
    conn.execute(
        "CREATE TABLE baseline_tradelines (account_number text, "
        + ", ".join(f"{c} text" for c in TRADELINE_COLUMNS)
        + ")"
    )
    slices = [BASE["consumer_account_number"].slice] + [
        BASE.by_name[_BASELINE_FIELDS.get(c, c)].slice if _BASELINE_FIELDS.get(c, c)
        in BASE.by_name else None
        for c in TRADELINE_COLUMNS
    ]  # fmt: skip
    count = 0
    with conn.cursor() as cur, cur.copy(
        f"COPY baseline_tradelines ({', '.join(columns)}) FROM STDIN"
    ) as copy, path.open("rb") as stream:  # fmt: skip
        for raw in io.TextIOWrapper(stream, encoding="latin-1"):
            if raw[4:10] == "HEADER" or raw[4:11] == "TRAILER":
                continue
            copy.write_row([raw[s] if s is not None else None for s in slices])
            count += 1
    conn.commit()
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="base segments to generate")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fairfile-bench-ingest-"))
    url, _, folder = scratch_database.create("fairfile-bench-")
    try:
        migrate(url)
        path = work / "bench.m2"
        started = time.perf_counter()
        write_file(path, args.n)
        log(f"file: {args.n:,} records, {path.stat().st_size / 1e6:.0f} MB "
            f"in {time.perf_counter() - started:.1f}s")  # fmt: skip

        started = time.perf_counter()
        parsed = parse_and_validate(path)
        parse_rps = parsed / (time.perf_counter() - started)
        log(f"(a) parse + validate: {parse_rps:,.0f} records/s")

        vault = Vault.from_key_file(work / "master.key")
        with psycopg.connect(url, row_factory=dict_row) as conn:
            org = uuid4()
            conn.execute(
                "INSERT INTO organizations (org_id, name, roles, furnisher_code) "
                "VALUES (%s, 'Bench Furnisher', ARRAY['furnisher'], %s)",
                (org, FURNISHER),
            )
            conn.commit()

            def progress(done: int, _read: int) -> None:
                if done % 50_000 == 0:
                    log(f"ingest: {done:,} records")

            started = time.perf_counter()
            with path.open("rb") as stream:
                report = ingest_metro2(conn, vault, org, stream, progress=progress)
            conn.commit()
            ingest_rps = report.accepted / (time.perf_counter() - started)
            assert report.accepted == args.n, report.to_json(limit=3)
            log(f"(b) ingest: {ingest_rps:,.0f} records/s ({report.tradelines})")

            started = time.perf_counter()
            copied = baseline_copy(conn, path)
            copy_rps = copied / (time.perf_counter() - started)
            log(f"(c) plain COPY: {copy_rps:,.0f} records/s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        scratch_database.stop_server(folder)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "bench": "ingest", "n": args.n, "parse_rps": round(parse_rps),
        "ingest_rps": round(ingest_rps), "copy_rps": round(copy_rps),
        "ratio": round(ingest_rps / copy_rps, 3), "peak_rss_mb": round(peak_rss_mb, 1),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
