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
  (d) floor_rps: records/s for the fastest any ingest could be given the schema: the final
      rows the ingest in (b) wrote (subjects, data keys, encrypted identity facts with their
      blind indexes, tradelines, reported-values history, the batch record), read back from
      its database and held in memory as binary COPY data (rows in primary-key order, which
      inserts faster than the ingest's random order), then written by binary COPY into
      the real (indexed, constrained) tables of a freshly migrated database in one
      transaction, committed. Nothing else is timed: no parsing, validation, matching,
      encryption, staging or merge. Which tables those are is not assumed: the ingest's own
      transaction statistics list every table it wrote, and the run stops if any of them is
      missing from the floor or was updated rather than inserted into;
and reports ratio = ingest_rps / copy_rps, floor_ratio = floor_rps / copy_rps (what a perfect
implementation would reach) and the peak RSS of (a)-(c) (the floor's prepared rows are not
counted: they grow with N by design). Progress on stderr; the last stdout line is one JSON
object.

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
from typing import Any
from uuid import UUID, uuid4

import psycopg
import scratch_database
from psycopg.rows import dict_row

from bureau.db.migrate import migrate
from bureau.furnishing.ingest import ingest_metro2
from bureau.furnishing.metro2.columnar.validate import ColumnarValidator
from bureau.furnishing.metro2.layout import BASE
from bureau.furnishing.metro2.synthetic import records
from bureau.furnishing.metro2.write import item_bytes
from bureau.furnishing.repo import TRADELINE_COLUMNS
from bureau.vault import Vault

FURNISHER = "BENCHFURNISHER01"
# The tables an ingest of new consumers writes, in an order their foreign keys allow.
FLOOR_TABLES = (
    "subjects", "subject_keys", "subject_identities", "tradelines", "tradeline_reports",
    "furnish_batches",
)  # fmt: skip
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
    """Read and validate the file (every rule, trailer totals) as ingest and `bureau metro2
    validate` do: the columnar validator (metro2/columnar), which explains failing records
    through the per-record path."""
    validator = ColumnarValidator()
    with path.open("rb") as stream:
        problems = sum(1 for _ in validator.problems(stream))
    problems += len(validator.finish())
    if problems:
        raise SystemExit(f"bench: the generated file has {problems} problem(s)")
    return validator.file.bases


def baseline_copy(conn: psycopg.Connection[dict[str, Any]], path: Path) -> int:
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


def add_furnisher(conn: psycopg.Connection[dict[str, Any]], org: UUID) -> None:
    conn.execute(
        "INSERT INTO organizations (org_id, name, roles, furnisher_code) "
        "VALUES (%s, 'Bench Furnisher', ARRAY['furnisher'], %s)",
        (org, FURNISHER),
    )
    conn.commit()


def table_writes(conn: psycopg.Connection[dict[str, Any]]) -> dict[str, tuple[int, int, int]]:
    """(inserted, updated, deleted) rows per table of the schema (temporary staging tables
    excluded) counted by this backend and not yet flushed to the shared statistics. No flush
    happens inside a transaction, so two readings in one transaction differ by exactly what
    it wrote in between."""
    rows = conn.execute(
        "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables "
        "WHERE schemaname = 'public'"
    ).fetchall()
    return {r["relname"]: (r["n_tup_ins"], r["n_tup_upd"], r["n_tup_del"]) for r in rows}


def rows_written(
    before: dict[str, tuple[int, int, int]], after: dict[str, tuple[int, int, int]]
) -> dict[str, int]:
    """Rows inserted per table between two readings. An update or delete stops the run: the
    floor only inserts, so it would leave that work out."""
    written: dict[str, int] = {}
    for table, counts in after.items():
        ins, upd, dele = (a - b for a, b in zip(counts, before.get(table, (0, 0, 0)), strict=True))
        if upd or dele:
            raise SystemExit(f"bench: the ingest updated or deleted rows in {table}")
        if ins:
            written[table] = ins
    return written


def stored_columns(conn: psycopg.Connection[dict[str, Any]], table: str) -> list[str]:
    """The columns a writer sends: all but generated ones and those the server fills from a
    volatile default (timestamps, generated ids), which the real ingest leaves to it too."""
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s AND is_generated = 'NEVER' "
        "AND coalesce(column_default, '') !~ '(now|gen_random_uuid)\\(' "
        "ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [r["column_name"] for r in rows]


_PRIMARY_KEY = """
    SELECT string_agg(a.attname, ', ' ORDER BY k.n) AS columns
    FROM pg_index i
    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE i.indrelid = %s::regclass AND i.indisprimary
"""


def prepare_floor(
    conn: psycopg.Connection[dict[str, Any]], written: dict[str, int]
) -> list[tuple[str, str, bytes]]:
    """(table, column list, binary COPY data) of every row the ingest wrote, tables in FK
    order, rows in primary-key order: writing them in index order is 10-15 % faster than in
    the ingest's (random uuid) order, and a writer could sort, so the floor does."""
    missing = set(written) - set(FLOOR_TABLES)
    if missing:
        raise SystemExit(f"bench: the ingest wrote {sorted(missing)}, which the floor omits")
    prepared = []
    for table in FLOOR_TABLES:
        columns = ", ".join(stored_columns(conn, table))
        key = conn.execute(_PRIMARY_KEY, (table,)).fetchone()
        assert key is not None and key["columns"], table
        with conn.cursor() as cur, cur.copy(
            f"COPY (SELECT {columns} FROM {table} ORDER BY {key['columns']}) "
            "TO STDOUT (FORMAT BINARY)"
        ) as copy:  # fmt: skip
            prepared.append((table, columns, b"".join(bytes(chunk) for chunk in copy)))
    conn.commit()
    return prepared


def floor_write(
    url: str,
    org: UUID,
    prepared: list[tuple[str, str, bytes]],
    written: dict[str, int],
    *,
    alter: str = "",
) -> dict[str, float]:
    """Seconds to COPY the prepared rows into a freshly migrated database in one transaction,
    committed ("total"), and the seconds of each table's COPY. `alter` (SQL run after the
    migrations, untimed) is for experiments that take a piece of the schema away."""
    migrate(url)
    with psycopg.connect(url, row_factory=dict_row) as conn:
        if alter:
            conn.execute(alter.encode())
        add_furnisher(conn, org)
        # the ingest's dirty pages are flushed now, not during the timed writes
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("CHECKPOINT")
        seconds: dict[str, float] = {}
        started = time.perf_counter()
        with conn.cursor() as cur:
            for table, columns, data in prepared:
                at_table = time.perf_counter()
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                    view = memoryview(data)
                    for at in range(0, len(view), 1 << 20):
                        copy.write(view[at : at + (1 << 20)])
                seconds[table] = time.perf_counter() - at_table
        at_commit = time.perf_counter()
        conn.commit()
        seconds["commit"] = time.perf_counter() - at_commit
        seconds["total"] = time.perf_counter() - started
        for table, _, _ in prepared:
            row = conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()
            assert row is not None and row["n"] == written.get(table, 0), (table, row)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="base segments to generate")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fairfile-bench-ingest-"))
    url, base, folder = scratch_database.create("fairfile-bench-")
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
            add_furnisher(conn, org)

            def progress(done: int, _read: int) -> None:
                if done % 50_000 == 0:
                    log(f"ingest: {done:,} records")

            before = table_writes(conn)  # opens the transaction the ingest runs in
            started = time.perf_counter()
            with path.open("rb") as stream:
                report = ingest_metro2(conn, vault, org, stream, progress=progress)
            paused = time.perf_counter()
            written = rows_written(before, table_writes(conn))  # not timed: the bench's check
            started += time.perf_counter() - paused
            conn.commit()
            ingest_rps = report.accepted / (time.perf_counter() - started)
            assert report.accepted == args.n, report.to_json(limit=3)
            log(f"(b) ingest: {ingest_rps:,.0f} records/s ({report.tradelines})")

            started = time.perf_counter()
            copied = baseline_copy(conn, path)
            copy_rps = copied / (time.perf_counter() - started)
            log(f"(c) plain COPY: {copy_rps:,.0f} records/s")

            peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            prepared = prepare_floor(conn, written)
        log("(d) floor: " + ", ".join(f"{t} {written.get(t, 0):,} rows {len(d) / 1e6:.0f} MB"
                                      for t, _, d in prepared))  # fmt: skip
        seconds = floor_write(scratch_database.new_database(base), org, prepared, written)
        del prepared
        floor_rps = args.n / seconds.pop("total")
        log(f"(d) floor: {floor_rps:,.0f} records/s; µs/record: "
            + ", ".join(f"{t} {s / args.n * 1e6:.1f}" for t, s in seconds.items()))  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
        scratch_database.stop_server(folder)
    print(json.dumps({
        "bench": "ingest", "n": args.n, "parse_rps": round(parse_rps),
        "ingest_rps": round(ingest_rps), "copy_rps": round(copy_rps),
        "ratio": round(ingest_rps / copy_rps, 3), "peak_rss_mb": round(peak_rss_mb, 1),
        "floor_rps": round(floor_rps), "floor_ratio": round(floor_rps / copy_rps, 3),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
