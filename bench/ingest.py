"""Benchmark: Metro 2 ingest against a plain COPY of the same rows, for a file of new people
(`--cycle new`) and for a furnisher's next monthly cycle of the same accounts (`--cycle
steady`); by default both, in that order, on one embedded server.

Each cycle measures, in the same run:
  (a) parse_rps: records/s read and validated (every rule, trailer totals) without storing,
      the best of three runs
      (`parse_and_validate`, kept on its own: the columnar reader replaces just that);
  (b) ingest_rps: records/s through the real path (parse, validate, match subjects by blind
      index, create subjects and their data keys, encrypt identities and account numbers,
      COPY into staging, set-based merge, history rows, commit), with the client's and the
      PostgreSQL backend's CPU per record (stderr);
  (c) copy_rps: records/s for the baseline, a plain COPY of the same records' fields (sliced
      from the same file, no validation, matching or encryption) into an unindexed table,
      the best of three runs;
  (d) floor_rps: records/s for the fastest any ingest could be with this schema: the rows the
      ingest in (b) wrote, read back and held as binary COPY data (primary-key order), written
      into the real (indexed, constrained) tables of a freshly migrated database in one
      transaction, committed; nothing else is timed. Which tables those are is not assumed:
      the ingest's own transaction statistics list every table it wrote, and the run stops if
      one is missing from the floor or was written in a way the floor does not reproduce;
  (e) old_floor_rps: the same floor for the schema before the identity redesign (migrations
      up to 0159: five identity rows per consumer, every report a full history row, row-level
      foreign keys), from the same data converted to the old rows.

new: N records, every one a new consumer. The floor is N subjects, data keys, identity
documents and their blind indexes, tradelines, history rows and the batch record.
steady: the same N accounts loaded first (untimed), then a second cycle one month on with 10 %
of balances and 2 % of statuses changed is timed. Its floor starts from a copy of the first
cycle's database (CREATE DATABASE … TEMPLATE) and writes what the second one wrote: the
changed tradelines (COPY into a temporary table and one UPDATE by primary key), the history
rows and the batch record; the old schema's floor starts from the first cycle's rows
converted and loaded untimed, then updates every tradeline and writes a full history row per
record, as that schema's ingest did.

One JSON line per cycle on stdout, the last one `steady` (when run):
{"bench", "cycle", "n", "parse_rps", "ingest_rps", "floor_rps", "copy_rps", "ratio",
 "floor_ratio", "ingest_to_floor", "peak_rss_mb"}, the issue's keys exactly; peak_rss_mb is
the cycle process's peak RSS over generating the file, the ingest and the plain COPY, read
before the floors (their prepared rows grow with N by design). It counts neither (a), which
runs in a process of its own (see `_parse`), nor the keying workers; stderr gives both their
peaks, and the cycle process's peak phase by phase (every 50,000 records of the ingest, its
end-of-file work, the commit, each plain COPY: `Watermarks`). stderr adds the old schema's floor and the CPU per record of the client (its keying
workers included, and apart) and of the server. FAIRFILE_INGEST_WORKERS=0 measures the ingest without worker processes.

    python bench/ingest.py [--n 1000000] [--cycle new|steady|both]
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import scratch_database
from psycopg.rows import dict_row

from bureau.db.migrate import migrate
from bureau.furnishing import keying_pool
from bureau.furnishing.ingest import ingest_metro2
from bureau.furnishing.keying_pool import workers_cpu_seconds, workers_peak_rss_mb
from bureau.furnishing.metro2.columnar.validate import ColumnarValidator
from bureau.furnishing.metro2.layout import BASE
from bureau.furnishing.metro2.records import Record
from bureau.furnishing.metro2.synthetic import account, records
from bureau.furnishing.metro2.totals import Totals
from bureau.furnishing.metro2.write import compose_record, item_bytes
from bureau.furnishing.repo import TRADELINE_COLUMNS
from bureau.furnishing.report import IngestReport
from bureau.vault import Vault

FURNISHER = "BENCHFURNISHER01"
OLD_SCHEMA = 159  # the last migration before the identity redesign (0160, 0161)
FIRST_CYCLE, SECOND_CYCLE = date(2026, 10, 31), date(2026, 11, 30)
# The tables an ingest writes, in an order their references allow; per schema.
FLOOR_TABLES = (
    "subjects", "subject_keys", "identity_documents", "identity_blind_indexes", "tradelines",
    "tradeline_reports", "furnish_batches",
)  # fmt: skip
OLD_FLOOR_TABLES = (
    "subjects", "subject_keys", "subject_identities", "tradelines", "tradeline_reports",
    "furnish_batches",
)  # fmt: skip
# Where the old schema's rows are read from in a database of the new one.
OLD_SOURCES = {"subject_identities": "identity_facts"}
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


def backend_cpu_seconds(conn: psycopg.Connection[Any]) -> float | None:
    """CPU seconds (user + system) the connection's PostgreSQL backend has used so far, read
    from /proc; None when the server is not a process on this machine (a remote DATABASE_URL).
    With the client's own process time over the same stretch it splits an ingest's cost into
    what Python spends per record and what the server spends."""
    row = conn.execute("SELECT pg_backend_pid() AS pid").fetchone()
    assert row is not None
    try:
        fields = Path(f"/proc/{row['pid']}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resident_mb(field: str = "VmRSS") -> float:
    """This process's resident size now (VmRSS) or its peak (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> bool:
    """Start this process's VmHWM again from its resident size now (Linux's clear_refs 5);
    whether it could be."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class Watermarks:
    """The cycle process's peak resident size phase by phase, on stderr: at each mark, the
    peak since the previous mark (VmHWM, started again at every mark where Linux allows) and
    the size now. A single ru_maxrss says how high the process went, not in which phase; these
    say which phase to look at. `peak` is the highest of them: the process's peak since the
    first mark, which ru_maxrss no longer is once VmHWM has been started again."""

    def __init__(self) -> None:
        self.peak = 0.0
        self.phases: list[tuple[str, float, float]] = []  # (phase, peak in it, RSS at its end)
        self.resets = _reset_peak()
        self.started = time.perf_counter()

    def mark(self, phase: str) -> None:
        high, now = resident_mb("VmHWM"), resident_mb()
        self.peak = max(self.peak, high)
        self.phases.append((phase, high, now))
        since = "since the last mark" if self.resets else "so far"
        log(f"memory: {phase}: peak {since} {high:.1f} MB, RSS now {now:.1f} MB "
            f"({time.perf_counter() - self.started:.0f} s into the cycle)")  # fmt: skip
        self.resets = self.resets and _reset_peak()

    def table(self) -> str:
        """The marks so far as one table (phase | peak MB | RSS MB at its end)."""
        return "\n".join(
            f"  {phase:<44} {high:7.1f} {now:7.1f}" for phase, high, now in self.phases
        )


def rss_slope(rss: dict[int, float]) -> str:
    """The RSS samples of one ingest and their growth in bytes per record from the first
    sample on, so a creep shows in a run far shorter than the file it would matter for."""
    points = sorted(rss.items())
    line = "ingest RSS per 100,000 records: " + ", ".join(f"{d:,} {mb:.1f}" for d, mb in points)
    if len(points) > 1 and points[-1][0] > points[0][0]:
        (d0, mb0), (d1, mb1) = points[0], points[-1]
        line += f" MB; {(mb1 - mb0) * (1 << 20) / (d1 - d0):.1f} bytes per record after {d0:,}"
    return line


def add_furnisher(conn: psycopg.Connection[dict[str, Any]], org: UUID) -> None:
    conn.execute(
        "INSERT INTO organizations (org_id, name, roles, furnisher_code) "
        "VALUES (%s, 'Bench Furnisher', ARRAY['furnisher'], %s)",
        (org, FURNISHER),
    )
    conn.commit()


# Generating the two cycles -------------------------------------------------------------------------


def _header(as_of: date) -> Record:
    return compose_record("header", {
        "activity_date": as_of, "date_created": as_of, "reporter_name": "BENCH FURNISHER",
        "reporter_address": "1 LEDGER WAY, CASPER WY 82601", "reporter_telephone": 3075550100,
    })  # fmt: skip


def next_cycle(values: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], str]:
    """The account one month on: the payment history moved one month (repeating its latest
    rating); 10 % of balances and 2 % of statuses changed. Returns (values, what changed)."""
    history = str(values["payment_history_profile"])
    moved = dict(values, date_account_information=SECOND_CYCLE,
                 time_stamp=datetime(2026, 11, 30, 12), payment_history_profile=history[0] + history[:23])  # fmt: skip
    draw = rng.random()
    if draw < 0.02 and values["account_status"] == "11":
        closed = SECOND_CYCLE - timedelta(days=5)
        moved.update(account_status="13", payment_rating="0", current_balance=0,
                     scheduled_payment=0, amount_past_due=0, date_closed=closed,
                     date_last_payment=closed)  # fmt: skip
        return moved, "status"
    balance = int(values["current_balance"])
    if 0.02 <= draw < 0.12 and balance > 1:
        late = values["account_status"] != "11"
        moved["current_balance"] = balance + 1 if late else balance - 1
        return moved, "balance"
    return moved, "unchanged"


def write_cycles(first: Path, second: Path, n: int) -> dict[str, int]:
    """Both cycles' files, streamed; returns how many accounts changed how in the second."""
    rng, changes = random.Random(2026), random.Random(11)
    kinds: dict[str, int] = {}
    totals = (Totals(), Totals())
    with first.open("wb") as one, second.open("wb") as two:
        for out, as_of, total in ((one, FIRST_CYCLE, totals[0]), (two, SECOND_CYCLE, totals[1])):
            out.write(item_bytes(_header(as_of)))
            total.records = 1
        for number in range(n):
            values = account(rng, FIRST_CYCLE, furnisher=FURNISHER, number=number)
            moved, kind = next_cycle(values, changes)
            kinds[kind] = kinds.get(kind, 0) + 1
            for out, base, total in ((one, values, totals[0]), (two, moved, totals[1])):
                record = compose_record("base", base)
                total.add(record)
                out.write(item_bytes(record))
        for out, total in ((one, totals[0]), (two, totals[1])):
            out.write(item_bytes(compose_record("trailer", dict(total.expected()))))
    return kinds


# What an ingest wrote ------------------------------------------------------------------------------

Writes = dict[str, tuple[int, int, int]]


def table_writes(conn: psycopg.Connection[dict[str, Any]]) -> Writes:
    """(inserted, updated, deleted) rows per table of the schema (temporary staging tables
    excluded; a partition's rows counted under its partitioned table) counted by this backend
    and not yet flushed to the shared statistics. No flush happens inside a transaction, so
    two readings in one transaction differ by exactly what it wrote in between."""
    rows = conn.execute(
        "SELECT coalesce(p.relname, s.relname) AS relname, sum(s.n_tup_ins) AS ins, "
        "sum(s.n_tup_upd) AS upd, sum(s.n_tup_del) AS del "
        "FROM pg_stat_xact_user_tables s LEFT JOIN pg_inherits i ON i.inhrelid = s.relid "
        "LEFT JOIN pg_class p ON p.oid = i.inhparent "
        "WHERE s.schemaname = 'public' GROUP BY 1"
    ).fetchall()
    return {r["relname"]: (int(r["ins"]), int(r["upd"]), int(r["del"])) for r in rows}


def rows_written(before: Writes, after: Writes, *, updates: frozenset[str]) -> dict[str, int]:
    """Rows inserted per table between two readings (updated ones too, for the tables in
    `updates`). Any other update or a delete stops the run: the floor would leave it out."""
    written: dict[str, int] = {}
    for table, counts in after.items():
        ins, upd, dele = (a - b for a, b in zip(counts, before.get(table, (0, 0, 0)), strict=True))
        if dele or (upd and table not in updates):
            raise SystemExit(f"bench: the ingest updated or deleted rows in {table}")
        if ins or upd:
            written[table] = ins + upd
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


@dataclass(frozen=True)
class Rows:
    """One table's rows as binary COPY data; `update` rows replace rows by primary key."""

    table: str
    columns: str
    key: str
    data: bytes
    count: int
    update: bool = False


@dataclass(frozen=True)
class Schema:
    """A schema the floor writes into: migrations up to `through` (None: all), its tables in
    reference order, and where each table's rows are read from in the ingest's database."""

    through: int | None
    tables: tuple[str, ...]
    sources: dict[str, str]


NEW = Schema(None, FLOOR_TABLES, {})
OLD = Schema(OLD_SCHEMA, OLD_FLOOR_TABLES, OLD_SOURCES)


def schema_shape(base: str, schema: Schema) -> dict[str, tuple[str, str]]:
    """table -> (columns a writer sends, primary key), read from a database of that schema."""
    url = scratch_database.new_database(base)
    migrate(url, through=schema.through)
    with psycopg.connect(url, row_factory=dict_row) as conn:
        shape = {}
        for table in schema.tables:
            key = conn.execute(_PRIMARY_KEY, (table,)).fetchone()
            assert key is not None and key["columns"], table
            shape[table] = (", ".join(stored_columns(conn, table)), key["columns"])
    return shape


def copy_out(conn: psycopg.Connection[dict[str, Any]], query: str) -> bytes:
    with conn.cursor() as cur, cur.copy(f"COPY ({query}) TO STDOUT (FORMAT BINARY)") as copy:
        return b"".join(bytes(chunk) for chunk in copy)


def prepare(
    conn: psycopg.Connection[dict[str, Any]],
    shape: dict[str, tuple[str, str]],
    schema: Schema,
    where: dict[str, str] | None = None,
    *,
    updated: frozenset[str] = frozenset(),
) -> list[Rows]:
    """Every table's rows (restricted by `where`, table -> SQL condition; tables without one
    are taken whole unless `where` is given), in the floor schema's columns and key order."""
    prepared = []
    for table in schema.tables:
        if where is not None and table not in where:
            continue
        columns, key = shape[table]
        source = schema.sources.get(table, table)
        condition = f" WHERE {where[table]}" if where and where[table] else ""
        query = f"SELECT {columns} FROM {source}{condition} ORDER BY {key}"
        count = conn.execute(f"SELECT count(*) AS n FROM {source}{condition}").fetchone()
        assert count is not None
        prepared.append(Rows(table, columns, key, copy_out(conn, query), int(count["n"]),
                             update=table in updated))  # fmt: skip
    return prepared


def _write(cur: psycopg.Cursor[Any], rows: Rows) -> None:
    target = rows.table
    if rows.update:  # into a temporary table, then one UPDATE by primary key
        target = f"floor_{rows.table}"
        cur.execute(f"CREATE TEMP TABLE {target} ON COMMIT DROP AS "
                    f"SELECT {rows.columns} FROM {rows.table} LIMIT 0")  # fmt: skip
    with cur.copy(f"COPY {target} ({rows.columns}) FROM STDIN (FORMAT BINARY)") as copy:
        view = memoryview(rows.data)
        for at in range(0, len(view), 1 << 20):
            copy.write(view[at : at + (1 << 20)])
    if rows.update:
        key = [c.strip() for c in rows.key.split(",")]
        cols = [c.strip() for c in rows.columns.split(",") if c.strip() not in key]
        cur.execute(
            f"UPDATE {rows.table} t SET ({', '.join(cols)}) = "
            f"({', '.join('s.' + c for c in cols)}) FROM {target} s WHERE "
            + " AND ".join(f"t.{k} = s.{k}" for k in key)
        )


def floor_write(
    url: str,
    org: UUID,
    schema: Schema,
    timed: list[Rows],
    setup: Sequence[Rows] = (),
    *,
    ready: bool = False,
) -> dict[str, float]:
    """Seconds to write `timed` into a database of `schema` in one transaction, committed
    ("total"), and each table's seconds. The database is freshly migrated and given `setup`
    (a first cycle's rows, untimed) unless it is `ready` (a copy of a first cycle's database);
    either way it is checkpointed before the timed writes."""
    if not ready:
        migrate(url, through=schema.through)
    with psycopg.connect(url, row_factory=dict_row) as conn:
        if not ready:
            add_furnisher(conn, org)
        with conn.cursor() as cur:
            for rows in setup:
                _write(cur, rows)
        conn.commit()
        held = {}
        for rows in timed:
            found = conn.execute(f"SELECT count(*) AS n FROM {rows.table}").fetchone()
            assert found is not None
            held[rows.table] = int(found["n"]) + (0 if rows.update else rows.count)
        conn.commit()
        # the earlier writes' dirty pages are flushed now, not during the timed writes
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("ANALYZE")
            admin.execute("CHECKPOINT")
        seconds: dict[str, float] = {}
        started = time.perf_counter()
        with conn.cursor() as cur:
            for rows in timed:
                at_table = time.perf_counter()
                _write(cur, rows)
                seconds[rows.table] = seconds.get(rows.table, 0.0) + time.perf_counter() - at_table
        at_commit = time.perf_counter()
        conn.commit()
        seconds["commit"] = time.perf_counter() - at_commit
        seconds["total"] = time.perf_counter() - started
        for table, expected in held.items():
            found = conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()
            assert found is not None and found["n"] == expected, (table, found, expected)
    return seconds


def clone(base: str, url: str) -> str:
    """A new database on `base`'s server holding a copy of the one at `url` (no one may be
    connected to it meanwhile): a first cycle's state, kept for the floors."""
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    copy = scratch_database.new_database(base)
    copy_name = psycopg.conninfo.conninfo_to_dict(copy)["dbname"]
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{copy_name}"')
        admin.execute(f'CREATE DATABASE "{copy_name}" TEMPLATE "{name}"')
    return copy


# One cycle ---------------------------------------------------------------------------------------


@dataclass
class Ingested:
    rps: float
    client_us: float  # this process and its keying workers
    workers_us: float
    server_us: float | None
    written: dict[str, int]
    report: IngestReport


def timed_ingest(
    conn: psycopg.Connection[dict[str, Any]], vault: Vault, org: UUID, path: Path, n: int,
    marks: Watermarks, *, updates: frozenset[str] = frozenset(),
) -> Ingested:  # fmt: skip
    """One ingest of the file, committed, timed end to end, with its CPU split; a memory mark
    every 50,000 records read, after the ingest returns (its last batches applied, the
    end-of-file merge, the batch recorded), after the bench's own check and after commit."""

    rss: dict[int, float] = {}  # MB resident every 100,000 records (and at the end)
    told = [0]  # records at the last call: unchanged rows are counted a block at a time

    def progress(done: int, _read: int) -> None:
        last, told[0] = told[0], done
        if done // 50_000 > last // 50_000:  # not again after the merge (done == n twice)
            marks.mark(f"ingest to {done:,} records")
        if done // 100_000 > last // 100_000 or done == n:  # the first at n: the ingest's
            rss.setdefault(done, resident_mb())

    before = table_writes(conn)  # opens the transaction the ingest runs in
    server_before = backend_cpu_seconds(conn)
    workers_before = workers_cpu_seconds()
    client_before = time.process_time()
    started = time.perf_counter()
    with path.open("rb") as stream:
        report = ingest_metro2(conn, vault, org, stream, progress=progress)
    paused = time.perf_counter()
    marks.mark("ingest returned (last batches, merge, batch)")
    written = rows_written(before, table_writes(conn), updates=updates)  # the bench's check
    marks.mark("bench's check of the rows written")
    started += time.perf_counter() - paused
    conn.commit()
    marks.mark("ingest committed")
    rps = report.accepted / (time.perf_counter() - started)
    workers_us = (workers_cpu_seconds() - workers_before) / n * 1e6
    client_us = (time.process_time() - client_before) / n * 1e6 + workers_us
    server_after = backend_cpu_seconds(conn)
    server_us = (
        (server_after - server_before) / n * 1e6
        if server_after is not None and server_before is not None
        else None
    )
    assert report.accepted == n, report.to_json(limit=3)
    log(rss_slope(rss))
    peaks = workers_peak_rss_mb()
    if peaks:
        log("keying workers' peak RSS: " + ", ".join(f"{p:.1f} MB" for p in peaks))
    log(f"(b) ingest: {rps:,.0f} records/s ({report.tradelines}); CPU per record: client "
        f"{client_us:.0f} µs, server " + (f"{server_us:.0f} µs" if server_us else "n/a"))  # fmt: skip
    return Ingested(rps, client_us, workers_us, server_us, written, report)


def _floor_rps(n: int, seconds: dict[str, float], label: str) -> float:
    rps = n / seconds.pop("total")
    log(f"{label}: {rps:,.0f} records/s; µs/record: "
        + ", ".join(f"{t} {s / n * 1e6:.1f}" for t, s in seconds.items()))  # fmt: skip
    return rps


def _result(cycle: str, n: int, parse_rps: float, ingested: Ingested, copy_rps: float,
            floor_rps: float, old_floor_rps: float, peak_rss_mb: float) -> dict[str, Any]:  # fmt: skip
    """The cycle's JSON line, exactly the issue's keys; the rest of what was measured (the
    old schema's floor, CPU per record) goes to stderr."""
    log(f"{cycle}: old_floor_rps {old_floor_rps:,.0f} (old_floor_ratio "
        f"{old_floor_rps / copy_rps:.3f}); CPU µs/record: client {ingested.client_us:.0f} "
        f"(workers {ingested.workers_us:.0f} of it), server "
        + (f"{ingested.server_us:.0f}" if ingested.server_us is not None else "n/a"))  # fmt: skip
    return {
        "bench": "ingest", "cycle": cycle, "n": n, "parse_rps": round(parse_rps),
        "ingest_rps": round(ingested.rps), "floor_rps": round(floor_rps),
        "copy_rps": round(copy_rps), "ratio": round(ingested.rps / copy_rps, 3),
        "floor_ratio": round(floor_rps / copy_rps, 3),
        "ingest_to_floor": round(ingested.rps / floor_rps, 3),
        "peak_rss_mb": round(peak_rss_mb, 1),
    }  # fmt: skip


def _parse_here(path: Path) -> tuple[list[float], float]:
    rates = []
    for _ in range(3):
        started = time.perf_counter()
        parsed = parse_and_validate(path)
        rates.append(parsed / (time.perf_counter() - started))
    return rates, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _parse(path: Path) -> float:
    """(a), in a process of its own, the best of three as (c) is: its one run right after the
    file was written gave 73,000 records/s where the next cycle's, in the same quiet minute,
    gave 121,000. Without the duplicate accounts known beforehand (as `bureau metro2 validate`
    runs, not as ingest does) the validator remembers every account to name the first record
    of one reported twice: memory of that command, which in the cycle's process made
    peak_rss_mb grow with N though the ingest's did not."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        rates, peak = pool.submit(_parse_here, path).result()
    log(f"(a) parse + validate: {max(rates):,.0f} records/s (best of {[round(r) for r in rates]}; "
        f"peak RSS of its process {peak:.1f} MB)")  # fmt: skip
    return max(rates)


def _copy(conn: psycopg.Connection[dict[str, Any]], path: Path, marks: Watermarks) -> float:
    """The plain COPY's rate, the best of three: at a few seconds a run it is the shortest
    timing here, and one busy moment on a shared machine halved it in single runs."""
    rates = []
    for run in range(3):
        started = time.perf_counter()
        copied = baseline_copy(conn, path)
        rates.append(copied / (time.perf_counter() - started))
        conn.execute("DROP TABLE baseline_tradelines")
        conn.commit()
        marks.mark(f"plain COPY, run {run + 1}")
    log(f"(c) plain COPY: {max(rates):,.0f} records/s (best of {[round(r) for r in rates]})")
    return max(rates)


def _peak_rss_mb(marks: Watermarks) -> float:
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, marks.peak)
    log(f"peak RSS before the floors: {peak:.1f} MB; by phase (peak in it, RSS at its end, "
        f"MB):\n{marks.table()}")  # fmt: skip
    return peak


def measure_new(base: str, work: Path, n: int, vault: Vault) -> dict[str, Any]:
    """A file of N new people."""
    path = work / "new.m2"
    marks = Watermarks()
    marks.mark("cycle process started")
    started = time.perf_counter()
    write_file(path, n)
    log(f"new: {n:,} records, {path.stat().st_size / 1e6:.0f} MB "
        f"in {time.perf_counter() - started:.1f}s")  # fmt: skip
    marks.mark("file written")
    parse_rps = _parse(path)
    marks.mark("(a) run in its own process")
    url = scratch_database.new_database(base)
    migrate(url)
    org = uuid4()
    with psycopg.connect(url, row_factory=dict_row) as conn:
        add_furnisher(conn, org)
        ingested = timed_ingest(conn, vault, org, path, n, marks)
        copy_rps = _copy(conn, path, marks)
        peak_rss_mb = _peak_rss_mb(marks)
        missing = set(ingested.written) - set(FLOOR_TABLES)
        if missing:
            raise SystemExit(f"bench: the ingest wrote {sorted(missing)}, which the floor omits")
        new_rows = prepare(conn, schema_shape(base, NEW), NEW)
        old_rows = prepare(conn, schema_shape(base, OLD), OLD)
    for rows in new_rows:
        assert rows.count == ingested.written.get(rows.table, 0), (rows.table, rows.count)
    log("(d) floor rows: " + ", ".join(f"{r.table} {r.count:,} ({len(r.data) / 1e6:.0f} MB)"
                                       for r in new_rows))  # fmt: skip
    floor_rps = _floor_rps(n, floor_write(scratch_database.new_database(base), org, NEW,
                                          new_rows), "(d) floor")  # fmt: skip
    del new_rows
    old_floor_rps = _floor_rps(n, floor_write(scratch_database.new_database(base), org, OLD,
                                              old_rows), "(e) old schema's floor")  # fmt: skip
    return _result("new", n, parse_rps, ingested, copy_rps, floor_rps, old_floor_rps,
                   peak_rss_mb)  # fmt: skip


_AS_REPORTED = {
    "date_account_information": "reported_through AS date_account_information",
    "payment_history": "reported_history AS payment_history",
}
# The old schema writes a full history row for every record: an unchanged period's JSON
# rebuilt from the report it repeats (date set, payment history moved one month).
_OLD_REPORTS = """
    SELECT r.subject_id, r.tradeline_id, r.date_account_information, r.revision, r.source,
           r.batch_id,
           coalesce(r.reported, jsonb_set(jsonb_set(b.reported, '{date_account_information}',
                        to_jsonb(r.date_account_information::text)), '{payment_history}',
                    to_jsonb(left(b.reported->>'payment_history', 1)
                             || left(b.reported->>'payment_history', 23)))) AS reported
    FROM tradeline_reports r
    LEFT JOIN tradeline_reports b ON r.reported IS NULL AND b.subject_id = r.subject_id
         AND b.tradeline_id = r.tradeline_id AND b.date_account_information = r.repeats
"""


def measure_steady(base: str, work: Path, n: int, vault: Vault) -> dict[str, Any]:
    """The same N accounts' next cycle: 10 % of balances and 2 % of statuses changed."""
    first, second = work / "cycle1.m2", work / "cycle2.m2"
    marks = Watermarks()
    marks.mark("cycle process started")
    kinds = write_cycles(first, second, n)
    log(f"steady: {n:,} accounts, second cycle {kinds}")
    marks.mark("files written")
    parse_rps = _parse(second)
    marks.mark("(a) run in its own process")
    url = scratch_database.new_database(base)
    migrate(url)
    org = uuid4()
    new_shape, old_shape = schema_shape(base, NEW), schema_shape(base, OLD)
    with psycopg.connect(url, row_factory=dict_row) as conn:
        add_furnisher(conn, org)
        with first.open("rb") as stream:
            loaded = ingest_metro2(conn, vault, org, stream)
        conn.commit()
    log(f"first cycle loaded (untimed): {loaded.tradelines}")
    marks.mark("first cycle loaded (untimed)")
    first_state = clone(base, url)  # the floors start from it
    with psycopg.connect(url, row_factory=dict_row) as conn:
        ingested = timed_ingest(conn, vault, org, second, n, marks,
                                updates=frozenset({"tradelines"}))  # fmt: skip
        copy_rps = _copy(conn, second, marks)
        peak_rss_mb = _peak_rss_mb(marks)
        extra = set(ingested.written) - {"tradelines", "tradeline_reports", "furnish_batches"}
        if extra:
            raise SystemExit(
                f"bench: the second cycle wrote {sorted(extra)}, which the floor omits"
            )
        batch = str(ingested.report.batch_id)
        in_batch = ("tradeline_id IN (SELECT tradeline_id FROM tradeline_reports "
                    f"WHERE batch_id = '{batch}' AND reported IS NOT NULL)")  # fmt: skip
        timed_new = prepare(conn, new_shape, NEW, {
            "tradelines": in_batch, "tradeline_reports": f"batch_id = '{batch}'",
            "furnish_batches": f"batch_id = '{batch}'"}, updated=frozenset({"tradelines"}))  # fmt: skip
        # the old schema updates every account (as last reported) and writes every report
        old_columns = old_shape["tradelines"][0].split(", ")
        current = ", ".join(_AS_REPORTED.get(c, c) for c in old_columns)
        old = Schema(OLD_SCHEMA, OLD_FLOOR_TABLES, {
            "tradelines": f"(SELECT {current} FROM tradelines_as_reported) t",
            "tradeline_reports": f"({_OLD_REPORTS}) r"})  # fmt: skip
        timed_old = prepare(conn, old_shape, old, {
            "tradelines": "", "tradeline_reports": f"batch_id = '{batch}'",
            "furnish_batches": f"batch_id = '{batch}'"}, updated=frozenset({"tradelines"}))  # fmt: skip
    written = ingested.written
    assert timed_new[0].count == written["tradelines"], (timed_new[0].count, written)
    assert timed_new[1].count == written["tradeline_reports"], (timed_new[1].count, written)
    log("(d) floor rows: " + ", ".join(f"{r.table} {r.count:,} ({len(r.data) / 1e6:.0f} MB)"
                                       for r in timed_new))  # fmt: skip
    floor_rps = _floor_rps(n, floor_write(clone(base, first_state), org, NEW, timed_new,
                                          ready=True), "(d) floor")  # fmt: skip
    del timed_new
    with psycopg.connect(first_state, row_factory=dict_row) as conn:
        setup_old = prepare(conn, old_shape, OLD)
    old_floor_rps = _floor_rps(n, floor_write(scratch_database.new_database(base), org, OLD,
                                              timed_old, setup_old), "(e) old schema's floor")  # fmt: skip
    return _result("steady", n, parse_rps, ingested, copy_rps, floor_rps, old_floor_rps,
                   peak_rss_mb)  # fmt: skip


def measure(cycle: str, base: str, work: Path, n: int, key_file: Path) -> dict[str, Any]:
    vault = Vault.from_key_file(key_file)
    try:
        return (measure_new if cycle == "new" else measure_steady)(base, work, n, vault)
    finally:
        keying_pool.shutdown()  # the keying workers end with the cycle's process


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="records per cycle")
    parser.add_argument("--cycle", choices=("new", "steady", "both"), default="both")
    args = parser.parse_args()
    run_cycles(measure, args.cycle, args.n, lambda result: None)
    return 0


Measure = Callable[[str, str, Path, int, Path], dict[str, Any]]


def run_cycles(
    measure: Measure, cycles: str, n: int, show: Callable[[dict[str, Any]], None]
) -> None:
    """measure(cycle, server url, work folder, n, key file) for each cycle asked for, each in a
    process of its own (so its peak RSS is its own), on one embedded server and one key file;
    its result printed as one JSON line (after `show` has said what it needs to)."""
    work = Path(tempfile.mkdtemp(prefix="fairfile-bench-ingest-"))
    _, base, folder = scratch_database.create("fairfile-bench-")
    key_file = work / "master.key"
    Vault.from_key_file(key_file)  # created once, shared by both cycles
    try:
        for cycle in ("new", "steady"):
            if cycles in (cycle, "both"):
                with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
                    result = pool.submit(measure, cycle, base, work, n, key_file).result()
                show(result)
                print(json.dumps(result), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        scratch_database.stop_server(folder)


if __name__ == "__main__":
    sys.exit(main())
