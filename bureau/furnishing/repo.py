"""SQL for furnishing: staging tables filled by COPY, the set-based merge into the credit file,
subject matching by blind index, batch records, and the rows an export needs."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import class_row, dict_row, tuple_row
from psycopg.types.json import Jsonb

from bureau import events
from bureau.db import id_routes
from bureau.db.copy import copy_binary
from bureau.db.write import Write, assignments

# The columns of the file's account a furnisher reports (the Metro 2 base segment's fields); the
# tradelines table's other columns are keys, encryption and bookkeeping. Furnishing owns this
# list: the file reads what furnishing stores, never the other way round.
TRADELINE_COLUMNS = (
    "portfolio_type", "account_type", "ecoa_code", "date_opened", "date_closed",
    "date_last_payment", "date_first_delinquency", "date_account_information", "credit_limit",
    "highest_credit", "terms_duration", "terms_frequency", "scheduled_payment", "actual_payment",
    "account_status", "payment_rating", "payment_history", "special_comment",
    "compliance_condition", "current_balance", "amount_past_due", "original_charge_off",
    "consumer_info_indicator", "interest_type", "original_creditor", "creditor_classification",
)  # fmt: skip

# The tradeline columns a furnisher's report sets: the file's columns, the K2-K4 details and
# whose row it is (the base segment's consumer, or a J1/J2 associated consumer).
FURNISHED_COLUMNS: tuple[str, ...] = (*TRADELINE_COLUMNS, "account_details", "consumer_role")
STAGE_COLUMNS: tuple[str, ...] = (
    "seq", "subject_id", "tradeline_id", "furnisher_id", "account_ref", "account_number_ct",
    "key_version", *FURNISHED_COLUMNS, "reported", "delete_reason", "report_digest",
)  # fmt: skip

_COLUMN_TYPES = """
    seq integer, subject_id uuid, tradeline_id uuid, furnisher_id uuid, account_ref bytea,
    account_number_ct bytea, key_version integer, portfolio_type text, account_type text,
    ecoa_code text, date_opened date, date_closed date, date_last_payment date,
    date_first_delinquency date, date_account_information date, credit_limit bigint,
    highest_credit bigint, terms_duration text, terms_frequency text, scheduled_payment bigint,
    actual_payment bigint, account_status text, payment_rating text, payment_history text,
    special_comment text, compliance_condition text, current_balance bigint,
    amount_past_due bigint, original_charge_off bigint, consumer_info_indicator text,
    interest_type text, original_creditor text, creditor_classification text,
    account_details jsonb, consumer_role text, reported jsonb, delete_reason text,
    report_digest bytea
"""
# The staging columns' types, for binary COPY (read from the table definition above).
STAGE_TYPES: tuple[str, ...] = tuple(
    column.split()[1] for column in _COLUMN_TYPES.replace("\n", " ").split(",")
)


@dataclass(frozen=True, slots=True)
class Furnisher:
    """A furnishing organization, with what a Metro 2 header names it by."""

    org_id: UUID
    name: str
    furnisher_code: str | None
    address: str | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class AppliedBatch:
    """A batch already applied (a resend of the same bytes answers with its summary)."""

    batch_id: UUID
    received_at: datetime
    summary: dict[str, Any]


def find_furnisher(conn: psycopg.Connection[Any], ref: str) -> Furnisher | None:
    """A furnishing organization by id, Metro 2 identification number, or exact name."""
    with conn.cursor(row_factory=class_row(Furnisher)) as cur:
        cur.execute(
            """
            SELECT org_id, name, furnisher_code, address, phone FROM organizations
            WHERE 'furnisher' = ANY(roles)
              AND (org_id::text = %(ref)s OR furnisher_code = %(ref)s OR name = %(ref)s)
            ORDER BY (org_id::text = %(ref)s) DESC, (furnisher_code = %(ref)s) DESC LIMIT 1
            """,
            {"ref": ref},
        )
        return cur.fetchone()


def furnisher(conn: psycopg.Connection[Any], org_id: UUID) -> Furnisher | None:
    with conn.cursor(row_factory=class_row(Furnisher)) as cur:
        cur.execute(
            "SELECT org_id, name, furnisher_code, address, phone FROM organizations "
            "WHERE org_id = %s AND 'furnisher' = ANY(roles)",
            (org_id,),
        )
        return cur.fetchone()


def batch_with_digest(
    conn: psycopg.Connection[Any], furnisher_id: UUID, digest: bytes
) -> AppliedBatch | None:
    """The batch already applied with these exact bytes, if any (a resend)."""
    with conn.cursor(row_factory=class_row(AppliedBatch)) as cur:
        cur.execute(
            "SELECT batch_id, received_at, summary FROM furnish_batches "
            "WHERE furnisher_id = %s AND digest = %s",
            (furnisher_id, digest),
        )
        return cur.fetchone()


def record_batch(
    conn: psycopg.Connection[Any],
    batch_id: UUID,
    furnisher_id: UUID,
    source: str,
    digest: bytes,
    counts: tuple[int, int, int],
    summary: dict[str, Any],
) -> None:
    records, accepted, rejected = counts
    conn.execute(
        """
        INSERT INTO furnish_batches
            (batch_id, furnisher_id, source, digest, records, accepted, rejected, summary)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
        """,
        (batch_id, furnisher_id, source, digest, records, accepted, rejected, Jsonb(summary)),
    )


def lock_furnisher(conn: psycopg.Connection[Any], furnisher_id: UUID) -> None:
    """One ingest per furnisher at a time (two concurrent files would race on new subjects)."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (str(furnisher_id),))


_REPEAT_TYPES = """
    subject_id uuid, tradeline_id uuid, date_account_information date, report_digest bytea
"""
REPEAT_COLUMNS: tuple[str, ...] = tuple(
    column.split()[0] for column in _REPEAT_TYPES.replace("\n", " ").split(",")
)


def create_stage(conn: psycopg.Connection[Any]) -> None:
    """Unlogged, session-private staging tables, dropped when the transaction ends: the
    accounts to merge, and the unchanged reports recognised from their bytes (unchanged.py)."""
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS furnish_stage ({_COLUMN_TYPES}) ON COMMIT DROP")
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS furnish_repeats ({_REPEAT_TYPES}) "
                 "ON COMMIT DROP")  # fmt: skip
    conn.execute("TRUNCATE furnish_stage, furnish_repeats")


def copy_stage(conn: psycopg.Connection[Any], rows: Iterable[Sequence[Any]]) -> int:
    """Accounts into the staging table; `reported` is the JSON object itself (a dict)."""
    return copy_binary(conn, "furnish_stage", STAGE_COLUMNS, STAGE_TYPES, rows)


def copy_repeats(conn: psycopg.Connection[Any], rows: Iterable[Sequence[Any]]) -> int:
    """Unchanged reports (subject_id, tradeline_id, period, digest) into their staging table."""
    return copy_binary(conn, "furnish_repeats", REPEAT_COLUMNS,
                       ("uuid", "uuid", "date", "bytea"), rows)  # fmt: skip


def digests_held(
    conn: psycopg.Connection[Any], furnisher_id: UUID, refs: list[bytes]
) -> list[dict[str, Any]]:
    """The base consumer's tradelines of these accounts, as last reported: account_ref,
    subject_id, tradeline_id, report_digest (NULL where no report vouches for the row, or it is
    deleted: unchanged.py), reported_through, reported_history. One query per batch; whether
    the files are open is asked of their subjects apart (a condition on `subjects` here was
    planned as a scan of every subject, once per batch)."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            "SELECT t.account_ref, t.subject_id, t.tradeline_id, "
            "CASE WHEN t.deleted_at IS NULL THEN t.report_digest END AS report_digest, "
            "t.reported_through, t.reported_history FROM tradelines_as_reported t "
            "WHERE t.furnisher_id = %s AND t.account_ref = ANY(%b) AND t.consumer_role = 'base'",
            (furnisher_id, refs),
            binary=True,
        )
        return cur.fetchall()


def merge_repeats(conn: psycopg.Connection[Any], batch_id: UUID, source: str) -> tuple[int, int]:
    """The unchanged reports recognised from their bytes, each a narrow history row for its
    period (as merge_stage writes an unchanged report), provided the tradeline still carries
    the digest they were recognised by. Returns (staged, written): fewer written means another
    transaction changed one of those tradelines meanwhile (the caller refuses the ingest)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        staged = cur.execute("SELECT count(*) FROM furnish_repeats").fetchone()
        assert staged is not None
        if not staged[0]:
            return 0, 0
        cur.execute(
            """
            INSERT INTO tradeline_reports (subject_id, tradeline_id, date_account_information,
                                           revision, source, batch_id, reported, repeats)
            SELECT r.subject_id, r.tradeline_id, r.date_account_information, 1, %s, %s, NULL,
                   t.date_account_information
            FROM furnish_repeats r
            JOIN tradelines t ON t.subject_id = r.subject_id AND t.tradeline_id = r.tradeline_id
            WHERE t.report_digest = r.report_digest AND t.deleted_at IS NULL
            ORDER BY r.subject_id, r.tradeline_id
            ON CONFLICT DO NOTHING
            """,
            (source, batch_id),
        )
        return int(staged[0]), cur.rowcount


PREVIOUS_COLUMNS = tuple(c for c in TRADELINE_COLUMNS if c not in ("account_details",))


def previous_cycles(
    conn: psycopg.Connection[Any], furnisher_id: UUID, refs: list[bytes]
) -> dict[bytes, dict[str, Any]]:
    """account_ref -> the stored state (as last reported, with its subject_id and
    tradeline_id) of the base consumer's tradeline, for a whole batch in one query: matching
    finds the account by it, and the cycle-to-cycle rules compare with it (with the latest
    report's L1 segment too, `previous_change`: PROG-AccountChange-*)."""
    columns = ", ".join(AS_REPORTED.get(c, c) for c in PREVIOUS_COLUMNS)
    columns += ", account_details -> 'L1' AS previous_change"
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            f"SELECT account_ref, subject_id, tradeline_id, {columns} FROM tradelines_as_reported "
            "WHERE furnisher_id = %s AND account_ref = ANY(%b) AND consumer_role = 'base'",
            (furnisher_id, refs),
            binary=True,
        )
        return {bytes(row.pop("account_ref")): row for row in cur.fetchall()}


AS_REPORTED = {
    "date_account_information": "reported_through AS date_account_information",
    "payment_history": "reported_history AS payment_history",
}
"""The two columns an unchanged period moves on, read as last reported (the view of 0161)."""


def associated_by_account(
    conn: psycopg.Connection[Any], furnisher_id: UUID, refs: list[bytes]
) -> dict[tuple[bytes, bytes], tuple[UUID, UUID]]:
    """(account_ref, name blind index) -> (subject_id, tradeline_id) of the associated
    consumers (J1, J2) already on these accounts: an account's associated consumer is known
    again by their name on that account."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT t.account_ref, f.bidx, t.subject_id, t.tradeline_id "
            "FROM tradelines t JOIN identity_documents d ON d.subject_id = t.subject_id "
            "CROSS JOIN LATERAL unnest(d.kinds, d.value_bidxs) AS f(kind, bidx) "
            "WHERE t.furnisher_id = %s AND t.account_ref = ANY(%b) AND t.consumer_role <> 'base' "
            "AND f.kind = 'name'",
            (furnisher_id, refs),
            binary=True,
        )
        return {(bytes(ref), bytes(name)): (s, t) for ref, name, s, t in cur.fetchall()}


def renumber_accounts(conn: psycopg.Connection[Any], rows: Sequence[Sequence[Any]]) -> int:
    """Existing accounts take their new number (L1): same tradeline, so its history, disputes
    and recipients stay with it. Rows: (new account_ref, number ciphertext, key version,
    subject_id, tradeline_id)."""
    with conn.cursor() as cur:
        cur.executemany(
            "UPDATE tradelines SET account_ref = %s, account_number_ct = %s, key_version = %s, "
            "report_digest = NULL, updated_at = now() WHERE subject_id = %s AND tradeline_id = %s",
            rows,
        )
        return len(rows)


_UPDATABLE = list(FURNISHED_COLUMNS)


# What "unchanged" compares: every furnished column but the two that move each cycle anyway.
_STEADY = [c for c in FURNISHED_COLUMNS if c not in ("date_account_information", "payment_history")]


def _shifted(history: str, periods: str) -> str:
    """SQL: a payment-history profile moved on by `periods` cycles, each repeating its latest
    rating (the profile's first character is the month before the activity date)."""
    return (f"repeat(left({history}, 1), least({periods}, 24)::integer) "
            f"|| left({history}, 24 - least({periods}, 24)::integer)")  # fmt: skip


def merge_stage(conn: psycopg.Connection[Any], batch_id: UUID, source: str) -> dict[str, int]:
    """Apply the staged accounts in a few set-based statements: the latest report of each
    account updates the tradeline (never an older cycle, never a deleted tradeline), DA/DF
    delete, and every distinct report is kept in tradeline_reports.

    A report the same as the account's last one apart from a later activity date and the
    payment history moved on one month (repeating its latest rating) is *unchanged*: it writes
    no tradeline update and no JSON, only a narrow history row for its period (`reported`
    NULL), from which `reported_for_period` answers exactly (docs/metro2.md)."""
    columns = ", ".join((*_UPDATABLE, "report_digest"))
    # a newer report sets its digest with its values (unchanged.py); the digest alone never
    # makes an update: it is set below where the values are the same
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*_UPDATABLE, "report_digest"))
    old = ", ".join(f"tradelines.{c}" for c in _UPDATABLE)
    new = ", ".join(f"EXCLUDED.{c}" for c in _UPDATABLE)
    steady_l = ", ".join(f"l.{c}" for c in _STEADY)
    steady_t = ", ".join(f"t.{c}" for c in _STEADY)
    counts: dict[str, int] = {}
    with conn.cursor(row_factory=tuple_row) as cur:
        # the transaction's time, bound: Citus refuses a function that is not IMMUTABLE (now())
        # in the DO UPDATE SET of an INSERT on a distributed table
        stamp = cur.execute("SELECT now()").fetchone()
        assert stamp is not None
        cur.execute(
            """
            CREATE TEMP TABLE furnish_latest ON COMMIT DROP AS
            SELECT DISTINCT ON (subject_id, furnisher_id, account_ref) *
            FROM furnish_stage
            ORDER BY subject_id, furnisher_id, account_ref, date_account_information DESC, seq DESC
            """
        )
        # the accounts already held, as last reported (their unchanged periods counted in)
        cur.execute(
            f"""
            CREATE TEMP TABLE furnish_held ON COMMIT DROP AS
            SELECT l.seq, t.subject_id, t.tradeline_id, l.date_account_information,
                   t.date_account_information AS repeats,
                   coalesce(u.through, t.date_account_information) AS through,
                   (t.deleted_at IS NULL AND l.delete_reason IS NULL
                    AND l.date_account_information > coalesce(u.through, t.date_account_information)
                    AND l.payment_history = {_shifted("t.payment_history", "u.periods + 1")}
                    AND ({steady_l}) IS NOT DISTINCT FROM ({steady_t})) AS unchanged
            FROM furnish_latest l
            JOIN tradelines t ON t.subject_id = l.subject_id AND t.furnisher_id = l.furnisher_id
                             AND t.account_ref = l.account_ref
            CROSS JOIN LATERAL (
                SELECT max(r.date_account_information) AS through, count(*) AS periods
                FROM tradeline_reports r
                WHERE r.subject_id = t.subject_id AND r.tradeline_id = t.tradeline_id
                  AND r.repeats = t.date_account_information
                  AND r.date_account_information > t.date_account_information) u
            """
        )
        cur.execute(
            f"""
            WITH applied AS (
            INSERT INTO tradelines (subject_id, tradeline_id, furnisher_id, account_ref,
                                    account_number_ct, key_version, {columns})
            SELECT subject_id, tradeline_id, furnisher_id, account_ref, account_number_ct,
                   key_version, {columns}
            FROM furnish_latest l WHERE delete_reason IS NULL
              AND NOT EXISTS (SELECT 1 FROM furnish_held h
                              WHERE h.seq = l.seq AND (h.unchanged OR
                                    l.date_account_information < h.through))
            ON CONFLICT (subject_id, furnisher_id, account_ref) DO UPDATE SET
                {updates}, updated_at = %s
            WHERE tradelines.deleted_at IS NULL
              AND EXCLUDED.date_account_information >= tradelines.date_account_information
              AND ({old}) IS DISTINCT FROM ({new})
            RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
            FROM applied
            """,
            (stamp[0],),
        )
        # counted by the server: fetching a row per account held the whole file in memory
        row = cur.fetchone()
        assert row is not None
        counts["inserted"], counts["updated"] = int(row[0]), int(row[1])
        cur.execute(
            """
            UPDATE tradelines t
            SET deleted_at = now(), deleted_reason = l.delete_reason, updated_at = now()
            FROM furnish_latest l
            WHERE l.delete_reason IS NOT NULL AND t.deleted_at IS NULL
              AND t.subject_id = l.subject_id AND t.furnisher_id = l.furnisher_id
              AND t.account_ref = l.account_ref
            """
        )
        counts["deleted"] = cur.rowcount
        # a report whose values the account already holds (an unchanged period, or the same
        # period sent again in other bytes) vouches for the account from now on: its digest,
        # where the row's is another or was cleared (a correction, a renumbering)
        cur.execute(
            """
            UPDATE tradelines t SET report_digest = l.report_digest
            FROM (SELECT l.subject_id, l.furnisher_id, l.account_ref, l.report_digest,
                         l.date_account_information, coalesce(h.unchanged, false) AS unchanged
                  FROM furnish_latest l LEFT JOIN furnish_held h ON h.seq = l.seq
                  WHERE l.report_digest IS NOT NULL AND l.delete_reason IS NULL) l
            WHERE t.subject_id = l.subject_id AND t.furnisher_id = l.furnisher_id
              AND t.account_ref = l.account_ref AND t.deleted_at IS NULL
              AND (l.unchanged OR t.date_account_information = l.date_account_information)
              AND t.report_digest IS DISTINCT FROM l.report_digest
            """
        )
        cur.execute(
            """
            INSERT INTO tradeline_reports (subject_id, tradeline_id, date_account_information,
                                           revision, source, batch_id, reported, repeats)
            SELECT subject_id, tradeline_id, date_account_information, 1, %s, %s, NULL, repeats
            FROM furnish_held WHERE unchanged
            ORDER BY subject_id, tradeline_id
            ON CONFLICT DO NOTHING
            """,
            (source, batch_id),
        )
        unchanged = cur.rowcount
        # the distinct reports of accounts held, then what is already recorded for their
        # periods, then the insert: each a plain join of a session table with a distributed
        # one, which Citus plans as colocated (a LATERAL from a session table it refuses)
        cur.execute(
            """
            CREATE TEMP TABLE furnish_new ON COMMIT DROP AS
            SELECT s.seq, t.subject_id, t.tradeline_id, s.date_account_information, s.reported
            FROM (SELECT DISTINCT ON (subject_id, furnisher_id, account_ref,
                                      date_account_information, reported) *
                  FROM furnish_stage f
                  WHERE NOT EXISTS (SELECT 1 FROM furnish_held h  -- recorded just above
                                    WHERE h.seq = f.seq AND h.unchanged)
                  ORDER BY subject_id, furnisher_id, account_ref, date_account_information,
                           reported, seq) s
            JOIN tradelines t ON t.subject_id = s.subject_id AND t.furnisher_id = s.furnisher_id
                             AND t.account_ref = s.account_ref
            """
        )
        cur.execute(
            """
            CREATE TEMP TABLE furnish_recorded ON COMMIT DROP AS
            SELECT n.seq, max(r.revision) AS revision,
                   -- the same values again, or this batch's unchanged row for the period
                   bool_or(r.reported = n.reported OR r.batch_id = %s) AS recorded
            FROM furnish_new n
            JOIN tradeline_reports r ON r.subject_id = n.subject_id
                                    AND r.tradeline_id = n.tradeline_id
                                    AND r.date_account_information = n.date_account_information
            GROUP BY n.seq
            """,
            (batch_id,),
        )
        cur.execute(
            """
            INSERT INTO tradeline_reports (subject_id, tradeline_id, date_account_information,
                                           revision, source, batch_id, reported)
            SELECT n.subject_id, n.tradeline_id, n.date_account_information,
                   COALESCE(p.revision, 0) + row_number() OVER (
                       PARTITION BY n.subject_id, n.tradeline_id, n.date_account_information
                       ORDER BY n.seq),
                   %s, %s, n.reported
            FROM furnish_new n LEFT JOIN furnish_recorded p ON p.seq = n.seq
            WHERE NOT coalesce(p.recorded, false)
            """,
            (source, batch_id),
        )
        counts["reports"] = cur.rowcount + unchanged
        if unchanged:
            counts["unchanged"] = unchanged
        cur.execute("DROP TABLE furnish_latest, furnish_held, furnish_new, furnish_recorded")
    return counts


def reported_for_period(
    conn: psycopg.Connection[Any], subject_id: UUID, tradeline_id: UUID, period: date
) -> dict[str, Any] | None:
    """What the furnisher reported for the account for one period (its latest revision), as
    the JSON object of that report; None if the account was not reported for that period.
    An unchanged period is the full report of the period it repeats, its date set to this
    period and its payment history moved on by the unchanged periods up to this one."""
    query = (
        "SELECT reported, repeats FROM tradeline_reports WHERE subject_id = %s "
        "AND tradeline_id = %s AND date_account_information = %s ORDER BY revision DESC LIMIT 1"
    )
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(query, (subject_id, tradeline_id, period)).fetchone()
        if row is None or row[0] is not None:
            return dict(row[0]) if row else None
        repeats: date = row[1]
        base = cur.execute(query, (subject_id, tradeline_id, repeats)).fetchone()
        counted = cur.execute(
            "SELECT count(*) FROM tradeline_reports WHERE subject_id = %s AND tradeline_id = %s "
            "AND repeats = %s AND date_account_information > %s "
            "AND date_account_information <= %s",
            (subject_id, tradeline_id, repeats, repeats, period),
        ).fetchone()
    assert base is not None and base[0] is not None and counted is not None
    shifts = min(int(counted[0]), 24)
    history = str(base[0]["payment_history"])
    return dict(base[0], date_account_information=period.isoformat(),
                payment_history=history[0] * shifts + history[: 24 - shifts])  # fmt: skip


_OPEN_FILE = (
    "NOT EXISTS (SELECT 1 FROM subjects s WHERE s.subject_id = {row}.subject_id "
    "AND s.status <> 'active')"
)
"""A closed file is released to no one and a shredded one cannot be read (its keys are gone):
an export leaves both out (bureau/subjects/erasure.py)."""


_EXPORT_SQL = """
    SELECT t.subject_id, t.tradeline_id, t.account_number_ct,
           {columns},
           {associated}
    FROM tradelines_as_reported t
    WHERE t.furnisher_id = %s AND t.deleted_at IS NULL AND t.consumer_role = 'base'
      AND {open_file}
    ORDER BY t.subject_id, t.tradeline_id
"""
_ASSOCIATED_SUBQUERY = f"""(SELECT coalesce(jsonb_agg(jsonb_build_object(
               'subject_id', a.subject_id, 'segment', a.consumer_role,
               'ecoa_code', a.ecoa_code,
               'consumer_info_indicator', a.consumer_info_indicator)
           ORDER BY a.consumer_role, a.created_at, a.subject_id), '[]')
    FROM tradelines a
    WHERE a.furnisher_id = t.furnisher_id AND a.account_ref = t.account_ref
      AND a.consumer_role <> 'base' AND a.deleted_at IS NULL
      AND {_OPEN_FILE.format(row="a")}) AS associated"""
_ASSOCIATED_OF_ACCOUNTS = f"""
    SELECT a.account_ref, a.subject_id, a.consumer_role, a.ecoa_code, a.consumer_info_indicator
    FROM tradelines a
    WHERE a.furnisher_id = %s AND a.account_ref = ANY(%s)
      AND a.consumer_role <> 'base' AND a.deleted_at IS NULL AND {_OPEN_FILE.format(row="a")}
    ORDER BY a.account_ref, a.consumer_role, a.created_at, a.subject_id
"""
_EXPORT_BATCH = 2000


def export_rows(conn: psycopg.Connection[Any], furnisher_id: UUID) -> Iterable[dict[str, Any]]:
    """The furnisher's live accounts (the base segment consumer's rows) on open files, in a
    stable order, streamed from a server-side cursor; `associated` lists the account's live
    associated consumers' rows (subject, segment, ECOA code, consumer information indicator).

    On one node the associated consumers ride on each row (a correlated subquery). On Citus
    they are other subjects' rows, on other shards, and Citus refuses that correlation
    ("complex joins"), so there each batch of base rows reads its accounts' associated
    consumers in one statement by (furnisher, account_ref): a statement over the shards per
    batch of rows, never per account."""
    columns = ", ".join("t." + AS_REPORTED.get(c, c) for c in FURNISHED_COLUMNS)
    distributed = id_routes.distributed(conn)
    query = _EXPORT_SQL.format(
        columns=columns,
        associated="t.account_ref" if distributed else _ASSOCIATED_SUBQUERY,
        open_file=_OPEN_FILE.format(row="t"),
    )
    with conn.cursor(name="furnish_export", row_factory=dict_row) as cur:
        cur.itersize = _EXPORT_BATCH
        cur.execute(query.encode(), (furnisher_id,))
        if not distributed:
            yield from cur
            return
        while batch := cur.fetchmany(_EXPORT_BATCH):
            held = _associated_of(conn, furnisher_id, [bytes(r["account_ref"]) for r in batch])
            for row in batch:
                ref = bytes(row.pop("account_ref"))
                yield {**row, "associated": held.get(ref, [])}


def _associated_of(
    conn: psycopg.Connection[Any], furnisher_id: UUID, refs: list[bytes]
) -> dict[bytes, list[dict[str, Any]]]:
    """The live associated consumers of these accounts on open files, by account, in the order
    (and the shape) the single-node subquery gives them."""
    held: dict[bytes, list[dict[str, Any]]] = {}
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(_ASSOCIATED_OF_ACCOUNTS.encode(), (furnisher_id, sorted(set(refs))))
        for ref, subject_id, role, ecoa_code, indicator in cur.fetchall():
            held.setdefault(bytes(ref), []).append({
                "subject_id": str(subject_id), "segment": role, "ecoa_code": ecoa_code,
                "consumer_info_indicator": indicator,
            })  # fmt: skip
    return held


def latest_account_date(conn: psycopg.Connection[Any], furnisher_id: UUID) -> date | None:
    """The latest date of account information of the furnisher's live accounts: the activity
    date an export of them is as of."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT max(reported_through) FROM tradelines_as_reported "
            "WHERE furnisher_id = %s AND deleted_at IS NULL AND consumer_role = 'base'",
            (furnisher_id,),
        )
        row = cur.fetchone()
    return row[0] if row else None


def upsert_tradeline(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    tradeline_id: UUID,
    furnisher_id: UUID,
    account_ref: bytes,
    account_number_ct: bytes,
    key_version: int,
    values: dict[str, Any],
) -> None:
    """Insert or update one account, row at a time (the set-based ingest uses `merge_stage`).

    An account sent again with the same values is left as it is (no new row version, its
    `updated_at` kept): only a change of a furnished column is written. The transaction's
    time is bound rather than `now()` in DO UPDATE, which Citus refuses there."""
    missing = set(TRADELINE_COLUMNS) - set(values)
    if missing:
        raise KeyError(f"tradeline values lack {sorted(missing)}")
    with conn.cursor(row_factory=tuple_row) as cur:
        stamp = cur.execute("SELECT now()").fetchone()
    assert stamp is not None
    conn.execute(
        _UPSERT_TRADELINE,
        (
            subject_id,
            tradeline_id,
            furnisher_id,
            account_ref,
            account_number_ct,
            key_version,
            *(values[c] for c in TRADELINE_COLUMNS),
            stamp[0],
        ),
    )


_UPSERT_TRADELINE = f"""
    INSERT INTO tradelines (subject_id, tradeline_id, furnisher_id, account_ref,
        account_number_ct, key_version, {", ".join(TRADELINE_COLUMNS)})
    VALUES ({", ".join(["%s"] * (6 + len(TRADELINE_COLUMNS)))})
    ON CONFLICT (subject_id, tradeline_id) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in TRADELINE_COLUMNS)}, report_digest = NULL,
        updated_at = %s
    WHERE ({", ".join(f"tradelines.{c}" for c in TRADELINE_COLUMNS)})
          IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in TRADELINE_COLUMNS)})
""".encode()


def record_report(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    tradeline_id: UUID,
    as_of: date,
    source: str,
    reported: dict[str, Any],
) -> None:
    """Keep what was reported for this period (a resend of the same values adds nothing)."""
    conn.execute(
        """
        INSERT INTO tradeline_reports (subject_id, tradeline_id, date_account_information,
                                       revision, source, reported)
        SELECT %(s)s, %(t)s, %(d)s, COALESCE(max(revision), 0) + 1, %(src)s, %(rep)s
        FROM tradeline_reports
        WHERE subject_id = %(s)s AND tradeline_id = %(t)s AND date_account_information = %(d)s
        HAVING NOT bool_or(reported = %(rep)s) OR count(*) = 0
        """,
        {"s": subject_id, "t": tradeline_id, "d": as_of, "src": source, "rep": Jsonb(reported)},
    )


# A dispute's changes to an account (FCRA §611(a)(5)): the dispute decides, this module writes.


def correct_tradeline(
    conn: psycopg.Connection[Any], subject_id: UUID, tradeline_id: UUID, values: Mapping[str, Any]
) -> None:
    """A dispute's corrected values (column names are the dispute's checked field names)."""
    conn.execute(
        sql.SQL("UPDATE tradelines SET {}, report_digest = NULL, updated_at = now() "
                "WHERE subject_id = %(_s)s AND tradeline_id = %(_i)s").format(assignments(values)),
        {**values, "_s": subject_id, "_i": tradeline_id},
    )  # fmt: skip


def set_compliance_condition(
    conn: psycopg.Connection[Any], subject_id: UUID, tradeline_id: UUID, code: str | None
) -> None:
    """The account's compliance condition code (XB while disputed, XC, XH after)."""
    conn.execute(
        "UPDATE tradelines SET compliance_condition = %s, report_digest = NULL, "
        "updated_at = now() "
        "WHERE subject_id = %s AND tradeline_id = %s",
        (code, subject_id, tradeline_id),
    )


def delete_tradeline(
    conn: psycopg.Connection[Any], subject_id: UUID, tradeline_id: UUID, reason: str, at: datetime
) -> None:
    """Take the account off the file: kept, marked deleted, so a reinsertion can follow."""
    conn.execute(
        "UPDATE tradelines SET deleted_at = %s, deleted_reason = %s, report_digest = NULL "
        "WHERE subject_id = %s AND tradeline_id = %s AND deleted_at IS NULL",
        (at, reason, subject_id, tradeline_id),
    )


def reinsert_tradeline(conn: psycopg.Connection[Any], subject_id: UUID, tradeline_id: UUID) -> None:
    conn.execute(
        "UPDATE tradelines SET deleted_at = NULL, deleted_reason = NULL, report_digest = NULL "
        "WHERE subject_id = %s AND tradeline_id = %s",
        (subject_id, tradeline_id),
    )


@events.subscribe(events.FileKeysShredded)
def unlink_shredded(event: events.FileKeysShredded) -> list[Write]:
    """Erasure: each account's reference (a blind index of furnisher and account number)
    becomes random bytes. The rows stay for the reports and inquiries that name them, but the
    next report of that account number no longer finds this file.

    The bytes are a hash of the account's id under a random salt that is never kept (Citus
    refuses a volatile function such as gen_random_uuid() in an UPDATE of a distributed
    table): as unlinkable as random bytes, distinct per account."""
    return [Write("accounts_unlinked", "UPDATE tradelines SET account_ref = "
                  "sha256(%(salt)s || uuid_send(tradeline_id)), report_digest = NULL, "
                  "updated_at = now() "
                  "WHERE subject_id = %(s)s RETURNING 1",
                  {"s": event.subject_id, "salt": secrets.token_bytes(32)},
                  returns="count(*)")]  # fmt: skip
