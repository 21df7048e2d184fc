"""SQL that reads a subject's file, and writes tradelines, bankruptcies and inquiries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import dict_row, tuple_row
from psycopg.types.json import Jsonb

from bureau.furnishing.repo import TRADELINE_COLUMNS
from bureau.subjects.repo import IDENTITIES_SQL, SUBJECT_EXISTS_SQL
from bureau.vault.repo import LIVE_DATA_KEYS_SQL

TRADELINES_SQL = """
    SELECT t.*, o.name AS furnisher_name
    FROM tradelines t JOIN organizations o ON o.org_id = t.furnisher_id
    WHERE t.subject_id = %s AND t.deleted_at IS NULL
    ORDER BY t.date_opened, t.tradeline_id
"""
BANKRUPTCIES_SQL = """
    SELECT b.*, o.name AS reported_by_name
    FROM bankruptcies b LEFT JOIN organizations o ON o.org_id = b.reported_by
    WHERE b.subject_id = %s AND b.deleted_at IS NULL
    ORDER BY b.date_filed
"""
INQUIRIES_SQL = """
    SELECT i.*, o.name AS requester_name
    FROM inquiries i LEFT JOIN organizations o ON o.org_id = i.requester_org_id
    WHERE i.subject_id = %s AND i.created_at >= %s AND i.deleted_at IS NULL
    ORDER BY i.created_at DESC, i.inquiry_id
"""
ACTIVE_FRAUD_ALERTS_SQL = """
    SELECT alert_id, kind, placed_at, expires_at, contact_ct
    FROM fraud_alerts
    WHERE subject_id = %s AND removed_at IS NULL AND placed_at <= %s AND expires_at > %s
    ORDER BY placed_at
"""
STATEMENTS_SQL = """
    SELECT statement_id, item_kind, item_id, dispute_id, body, body_ct, created_at
    FROM statements WHERE subject_id = %s AND withdrawn_at IS NULL ORDER BY created_at, statement_id
"""
IS_FROZEN_SQL = "SELECT 1 FROM freezes WHERE subject_id = %s AND lifted_at IS NULL"


def statements(conn: psycopg.Connection[Any], subject_id: UUID) -> list[dict[str, Any]]:
    """The subject's current (not withdrawn) statements on disputed items, oldest first.

    Written by the disputes package; the one query for them, read with the file and by
    disputes' own views.
    """
    return _rows(conn, STATEMENTS_SQL, (subject_id,))


def _rows(
    conn: psycopg.Connection[Any], query: str, params: tuple[Any, ...]
) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return cur.fetchall()


@dataclass(frozen=True)
class FileRows:
    """Every row a credit file is assembled from, as read in one batch."""

    exists: bool
    data_keys: list[tuple[int, str, bytes]]
    identities: list[tuple[str, bytes, bool]]
    tradelines: list[dict[str, Any]]
    bankruptcies: list[dict[str, Any]]
    inquiries: list[dict[str, Any]]
    fraud_alerts: list[dict[str, Any]]
    frozen: bool
    statements: list[dict[str, Any]]


def file_rows(
    conn: psycopg.Connection[Any], subject_id: UUID, at: datetime, inquiries_since: datetime
) -> FileRows:
    """The nine reads of a file sent as one pipeline: one round trip instead of nine.

    Why: on a busy server every round trip also waits for the GIL again when its answer comes
    back, so a report pull spent more time queueing between its reads than running them. The
    statements are the same as the single-purpose functions above (shared SQL), read in the
    caller's transaction, so the snapshot semantics do not change.
    """
    plain, named = _file_queries(subject_id, at, inquiries_since)
    tuples = [conn.cursor(row_factory=tuple_row) for _ in plain]
    dicts = [conn.cursor(row_factory=dict_row) for _ in named]
    with conn.pipeline():
        for tcur, (query, params) in zip(tuples, plain, strict=True):
            tcur.execute(query, params)
        for dcur, (query, params) in zip(dicts, named, strict=True):
            dcur.execute(query, params)
    tuple_results = [c.fetchall() for c in tuples]
    dict_results = [c.fetchall() for c in dicts]
    for c in [*tuples, *dicts]:
        c.close()
    return _file_rows(tuple_results, dict_results)


async def file_rows_async(
    conn: psycopg.AsyncConnection[Any], subject_id: UUID, at: datetime, inquiries_since: datetime
) -> FileRows:
    """`file_rows` on an async connection: the same nine statements in one pipeline."""
    plain, named = _file_queries(subject_id, at, inquiries_since)
    tuples = [conn.cursor(row_factory=tuple_row) for _ in plain]
    dicts = [conn.cursor(row_factory=dict_row) for _ in named]
    async with conn.pipeline():
        for tcur, (query, params) in zip(tuples, plain, strict=True):
            await tcur.execute(query, params)
        for dcur, (query, params) in zip(dicts, named, strict=True):
            await dcur.execute(query, params)
    tuple_results = [await c.fetchall() for c in tuples]
    dict_results = [await c.fetchall() for c in dicts]
    for c in [*tuples, *dicts]:
        await c.close()
    return _file_rows(tuple_results, dict_results)


_Queries = list[tuple[str, tuple[Any, ...]]]


def _file_queries(
    subject_id: UUID, at: datetime, inquiries_since: datetime
) -> tuple[_Queries, _Queries]:
    """A file's reads: those whose rows come back as tuples, then those read as dicts."""
    plain: _Queries = [
        (SUBJECT_EXISTS_SQL, (subject_id,)),
        (LIVE_DATA_KEYS_SQL, (subject_id,)),
        (IDENTITIES_SQL, (subject_id,)),
        (IS_FROZEN_SQL, (subject_id,)),
    ]
    named: _Queries = [
        (TRADELINES_SQL, (subject_id,)),
        (BANKRUPTCIES_SQL, (subject_id,)),
        (INQUIRIES_SQL, (subject_id, inquiries_since)),
        (ACTIVE_FRAUD_ALERTS_SQL, (subject_id, at, at)),
        (STATEMENTS_SQL, (subject_id,)),
    ]
    return plain, named


def _file_rows(tuple_results: list[list[Any]], dict_results: list[list[Any]]) -> FileRows:
    exists, keys, idents, frozen = tuple_results
    trades, bks, inqs, alerts, stmts = dict_results
    return FileRows(
        exists=bool(exists),
        data_keys=[(int(v), str(k), bytes(w)) for v, k, w in keys],
        identities=[(k, bytes(ct), bool(current)) for k, ct, current in idents],
        tradelines=trades,
        bankruptcies=bks,
        inquiries=inqs,
        fraud_alerts=alerts,
        frozen=bool(frozen),
        statements=stmts,
    )


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
    """Insert or update one account (row-at-a-time path: sandbox, JSON records, disputes)."""
    missing = set(TRADELINE_COLUMNS) - set(values)
    if missing:
        raise KeyError(f"tradeline values lack {sorted(missing)}")
    params = [values[c] for c in TRADELINE_COLUMNS]
    conn.execute(
        """
        INSERT INTO tradelines (subject_id, tradeline_id, furnisher_id, account_ref,
            account_number_ct, key_version, portfolio_type, account_type, ecoa_code, date_opened,
            date_closed, date_last_payment, date_first_delinquency, date_account_information,
            credit_limit, highest_credit, terms_duration, terms_frequency, scheduled_payment,
            actual_payment, account_status, payment_rating, payment_history, special_comment,
            compliance_condition, current_balance, amount_past_due, original_charge_off,
            consumer_info_indicator, interest_type, original_creditor, creditor_classification)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
                %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (subject_id, tradeline_id) DO UPDATE SET
            portfolio_type = EXCLUDED.portfolio_type, account_type = EXCLUDED.account_type,
            ecoa_code = EXCLUDED.ecoa_code, date_opened = EXCLUDED.date_opened,
            date_closed = EXCLUDED.date_closed, date_last_payment = EXCLUDED.date_last_payment,
            date_first_delinquency = EXCLUDED.date_first_delinquency,
            date_account_information = EXCLUDED.date_account_information,
            credit_limit = EXCLUDED.credit_limit, highest_credit = EXCLUDED.highest_credit,
            terms_duration = EXCLUDED.terms_duration, terms_frequency = EXCLUDED.terms_frequency,
            scheduled_payment = EXCLUDED.scheduled_payment, actual_payment = EXCLUDED.actual_payment,
            account_status = EXCLUDED.account_status, payment_rating = EXCLUDED.payment_rating,
            payment_history = EXCLUDED.payment_history, special_comment = EXCLUDED.special_comment,
            compliance_condition = EXCLUDED.compliance_condition,
            current_balance = EXCLUDED.current_balance, amount_past_due = EXCLUDED.amount_past_due,
            original_charge_off = EXCLUDED.original_charge_off,
            consumer_info_indicator = EXCLUDED.consumer_info_indicator,
            interest_type = EXCLUDED.interest_type, original_creditor = EXCLUDED.original_creditor,
            creditor_classification = EXCLUDED.creditor_classification, updated_at = now()
        WHERE (tradelines.*) IS DISTINCT FROM (EXCLUDED.*)
        """,
        (
            subject_id,
            tradeline_id,
            furnisher_id,
            account_ref,
            account_number_ct,
            key_version,
            *params,
        ),
    )


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


def insert_bankruptcy(conn: psycopg.Connection[Any], row: dict[str, Any]) -> None:
    conn.execute(
        """
        INSERT INTO bankruptcies (subject_id, bankruptcy_id, chapter, court, case_number,
            date_filed, disposition, date_disposition, reported_by)
        VALUES (%(subject_id)s, %(bankruptcy_id)s, %(chapter)s, %(court)s, %(case_number)s,
            %(date_filed)s, %(disposition)s, %(date_disposition)s, %(reported_by)s)
        ON CONFLICT (subject_id, bankruptcy_id) DO NOTHING
        """,
        row,
    )


def insert_inquiry(conn: psycopg.Connection[Any], row: dict[str, Any]) -> None:
    conn.execute(
        """
        INSERT INTO inquiries (subject_id, inquiry_id, requester_org_id, purpose, kind,
                               grant_id, report_id, created_at)
        VALUES (%(subject_id)s, %(inquiry_id)s, %(requester_org_id)s, %(purpose)s, %(kind)s,
                %(grant_id)s, %(report_id)s, COALESCE(%(created_at)s, now()))
        ON CONFLICT (subject_id, inquiry_id) DO NOTHING
        """,
        row,
    )
