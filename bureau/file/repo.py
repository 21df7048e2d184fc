"""SQL that reads a subject's file, and writes bankruptcies, inquiries and statements (accounts:
`bureau.furnishing.repo`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import class_row, dict_row

from bureau import events
from bureau.db.batch import Batch, Read
from bureau.db.write import Write, assignments
from bureau.subjects.repo import IDENTITIES_SQL, SUBJECT_EXISTS_SQL
from bureau.vault.repo import LIVE_DATA_KEYS_SQL

# An item whose open dispute is past its deletion day, still unanswered, is off the file. Why in
# the read: the right to the deletion does not wait for the deadline job, so every report,
# disclosure and score leaves the item out from the regime's deletion day (the bound parameter
# is the last due day already past it, `business_days.latest_due_deleted_by`); the job records
# the deletion later. One anti-join per item kind on `disputes_unverified_open`, no loop.
TRADELINES_SQL = """
    SELECT t.subject_id, t.tradeline_id, t.furnisher_id, o.name, t.account_number_ct,
           t.portfolio_type, t.account_type, t.ecoa_code, t.date_opened, t.date_closed,
           t.date_last_payment, t.date_first_delinquency, t.reported_through, t.credit_limit,
           t.highest_credit, t.terms_duration, t.terms_frequency, t.scheduled_payment,
           t.actual_payment, t.account_status, t.payment_rating, t.reported_history,
           t.special_comment, t.compliance_condition, t.current_balance, t.amount_past_due,
           t.original_charge_off, t.consumer_info_indicator, t.original_creditor,
           t.is_collection, t.updated_at, t.account_details
    FROM tradelines_as_reported t JOIN organizations o ON o.org_id = t.furnisher_id
    WHERE t.subject_id = %s AND t.deleted_at IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM disputes d
          WHERE d.subject_id = t.subject_id AND d.item_kind = 'tradeline'
            AND d.item_id = t.tradeline_id AND d.closed_at IS NULL
            AND d.state IN ('received', 'forwarded') AND d.due_at <= %s)
    ORDER BY t.date_opened, t.tradeline_id
"""
"""A file's accounts as last reported, one column per `bureau.model.Tradeline` field in its
order (the account number still encrypted, the date and history as moved on by unchanged
reports: `reported_through`, `reported_history`), read as tuples: a dict per row of the
view's 42 columns, then picked by name, was a sixth of a report's file read."""
BANKRUPTCIES_SQL = """
    SELECT b.*, o.name AS reported_by_name
    FROM bankruptcies b LEFT JOIN organizations o ON o.org_id = b.reported_by
    WHERE b.subject_id = %s AND b.deleted_at IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM disputes d
          WHERE d.subject_id = b.subject_id AND d.item_kind = 'bankruptcy'
            AND d.item_id = b.bankruptcy_id AND d.closed_at IS NULL
            AND d.state IN ('received', 'forwarded') AND d.due_at <= %s)
    ORDER BY b.date_filed
"""
INQUIRIES_SQL = """
    SELECT i.*, o.name AS requester_name
    FROM inquiries i LEFT JOIN organizations o ON o.org_id = i.requester_org_id
    WHERE i.subject_id = %s AND i.created_at >= %s AND i.deleted_at IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM disputes d
          WHERE d.subject_id = i.subject_id AND d.item_kind = 'inquiry'
            AND d.item_id = i.inquiry_id AND d.closed_at IS NULL
            AND d.state IN ('received', 'forwarded') AND d.due_at <= %s)
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


@dataclass(frozen=True, slots=True)
class StatementRow:
    """A subject's statement on a disputed item: its text encrypted (`body_ct`), or in plain
    text from before statements were encrypted (`body`)."""

    statement_id: UUID
    item_kind: str
    item_id: UUID
    dispute_id: UUID | None
    body: str | None
    body_ct: bytes | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AlertRow:
    """A fraud alert in force, its contact number encrypted."""

    alert_id: UUID
    kind: str
    placed_at: datetime
    expires_at: datetime
    contact_ct: bytes | None


def statements(conn: psycopg.Connection[Any], subject_id: UUID) -> list[StatementRow]:
    """The subject's current (not withdrawn) statements on disputed items, oldest first.

    Written by `replace_statement` below (for disputes); the one query for them, read with the
    file and by disputes' own views.
    """
    with conn.cursor(row_factory=class_row(StatementRow)) as cur:
        cur.execute(STATEMENTS_SQL, (subject_id,))
        return cur.fetchall()


@dataclass(frozen=True)
class FileRows:
    """Every row a credit file is assembled from, as read in one batch."""

    exists: bool
    data_keys: list[tuple[int, str, bytes]]
    identities: list[tuple[str, bytes, bool]]
    tradelines: list[tuple[Any, ...]]
    """`TRADELINES_SQL` rows, in `Tradeline`'s field order."""
    bankruptcies: list[dict[str, Any]]
    inquiries: list[dict[str, Any]]
    fraud_alerts: list[AlertRow]
    frozen: bool
    statements: list[StatementRow]


@dataclass(frozen=True)
class Known:
    """What a report release has already read in its transaction, after locking the grant, so
    the file read does not read it again: that the subject exists (the grant's row joins it),
    its live data keys, whether it is frozen, and its fraud alerts (every one; those in force
    at the file's time are kept by `file_rows`). Four statements fewer on the busiest path,
    and the report carries the very alerts and freeze its decision was made on."""

    data_keys: list[tuple[int, str, bytes]]
    frozen: bool
    fraud_alerts: list[KnownAlert]


KnownAlert = tuple[UUID, str, bytes | None, datetime, datetime | None, datetime | None]
"""A fraud alert as a release reads it: id, kind, contact (encrypted), placed, expires,
removed (`bureau.reports.repo.RELEASE_FACTS_SQL`)."""


def in_force(alerts: list[KnownAlert], at: datetime) -> list[AlertRow]:
    """The alerts `ACTIVE_FRAUD_ALERTS_SQL` would read at `at`, oldest first."""
    return sorted(
        (AlertRow(alert_id, kind, placed, expires, contact)
         for alert_id, kind, contact, placed, expires, removed in alerts
         if removed is None and placed <= at and expires is not None and expires > at),
        key=lambda a: a.placed_at,
    )  # fmt: skip


@dataclass(frozen=True)
class SubjectOf:
    """How a read names its subject: SQL standing for the subject's id (a placeholder, or a
    subquery that finds it, e.g. from a grant) and its parameters. Why: a release sends the
    file's reads in the same round trip as its grant's facts, before it knows the subject."""

    sql: str
    params: tuple[Any, ...]


@lru_cache(maxsize=64)
def _keyed(statement: str, subject_sql: str) -> str:
    """`statement` (whose first placeholder is its subject's id) reading the subject `subject_sql`
    names; cached, as a pull keys the same five statements every time."""
    head, placeholder, tail = statement.partition("%s")
    if not placeholder or not re.search(r"subject_id = $", head):
        raise ValueError(f"the first placeholder is not the subject's id: {statement}")
    return f"{head}{subject_sql}{tail}"


Unopened = Callable[[Known], FileRows]
"""A file's rows as a release reads them before its decision: `FileRows` (that the file's
cipher then decrypts) only once given what the release itself read (`Known`)."""


def release_rows(
    who: SubjectOf, at: datetime, inquiries_since: datetime, unverified_due_by: date
) -> Batch[Unopened]:
    """The five reads of a file that a release has not already read (the keys, freeze and
    alerts are `Known`), keyed by `who`, so they can ride in the round trip of the release's
    facts. Nothing is decrypted here."""
    keyed, by = (lambda statement: _keyed(statement, who.sql)), who.params
    reads = [
        Read(keyed(IDENTITIES_SQL), by, named=False),
        Read(keyed(TRADELINES_SQL), (*by, unverified_due_by), named=False),
        Read(keyed(BANKRUPTCIES_SQL), (*by, unverified_due_by), row=dict_row),
        Read(keyed(INQUIRIES_SQL), (*by, inquiries_since, unverified_due_by), row=dict_row),
        Read(keyed(STATEMENTS_SQL), by, row=class_row(StatementRow)),
    ]
    return Batch(reads, lambda results: lambda known: _file_rows([
        [(1,)], known.data_keys, results[0], [(1,)] if known.frozen else [], *results[1:4],
        in_force(known.fraud_alerts, at), results[4],
    ]))  # fmt: skip


def file_rows(
    subject_id: UUID,
    at: datetime,
    inquiries_since: datetime,
    unverified_due_by: date,
) -> Batch[FileRows]:
    """The nine reads of a file sent as one pipeline: one round trip instead of nine (a
    release reads five of them, `release_rows`, beside its grant's facts).

    Why: on a busy server every round trip also waits for the GIL again when its answer comes
    back, so a report pull spent more time queueing between its reads than running them. The
    statements are the same as the single-purpose functions above (shared SQL), read in the
    caller's transaction, so the snapshot semantics do not change.
    """
    plain = [
        Read(SUBJECT_EXISTS_SQL, (subject_id,), named=False),
        Read(LIVE_DATA_KEYS_SQL, (subject_id,), named=False),
        Read(IDENTITIES_SQL, (subject_id,), named=False),
        Read(IS_FROZEN_SQL, (subject_id,), named=False),
    ]
    named = [
        Read(TRADELINES_SQL, (subject_id, unverified_due_by), named=False),
        Read(BANKRUPTCIES_SQL, (subject_id, unverified_due_by), row=dict_row),
        Read(INQUIRIES_SQL, (subject_id, inquiries_since, unverified_due_by), row=dict_row),
        Read(ACTIVE_FRAUD_ALERTS_SQL, (subject_id, at, at), row=class_row(AlertRow)),
        Read(STATEMENTS_SQL, (subject_id,), row=class_row(StatementRow)),
    ]
    return Batch([*plain, *named], _file_rows)


def _file_rows(results: list[list[Any]]) -> FileRows:
    exists, keys, idents, frozen, trades, bks, inqs, alerts, stmts = results
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


INSERT_INQUIRY_SQL = """
    INSERT INTO inquiries (subject_id, inquiry_id, requester_org_id, purpose, kind,
                           grant_id, report_id, created_at)
    VALUES (%(subject_id)s, %(inquiry_id)s, %(requester_org_id)s, %(purpose)s, %(kind)s,
            %(grant_id)s, %(report_id)s, COALESCE(%(created_at)s, now()))
    ON CONFLICT (subject_id, inquiry_id) DO NOTHING
"""


def inquiry_write(row: dict[str, Any]) -> Write:
    """An inquiry as a `Write`, for a release that sends its paper trail as one statement."""
    return Write("inquiry_row", INSERT_INQUIRY_SQL, row)


def insert_inquiry(conn: psycopg.Connection[Any], row: dict[str, Any]) -> None:
    conn.execute(INSERT_INQUIRY_SQL, row)


# A dispute's changes to a bankruptcy or an inquiry (FCRA §611(a)(5)): the dispute decides,
# this module writes. A bankruptcy keeps no deletion reason; an inquiry does.


def correct_bankruptcy(
    conn: psycopg.Connection[Any], subject_id: UUID, bankruptcy_id: UUID, values: Mapping[str, Any]
) -> None:
    """A dispute's corrected values (column names are the dispute's checked field names)."""
    conn.execute(
        sql.SQL("UPDATE bankruptcies SET {} WHERE subject_id = %(_s)s "
                "AND bankruptcy_id = %(_i)s").format(assignments(values)),
        {**values, "_s": subject_id, "_i": bankruptcy_id},
    )  # fmt: skip


def delete_bankruptcy(
    conn: psycopg.Connection[Any], subject_id: UUID, bankruptcy_id: UUID, at: datetime
) -> None:
    conn.execute(
        "UPDATE bankruptcies SET deleted_at = %s "
        "WHERE subject_id = %s AND bankruptcy_id = %s AND deleted_at IS NULL",
        (at, subject_id, bankruptcy_id),
    )


def reinsert_bankruptcy(
    conn: psycopg.Connection[Any], subject_id: UUID, bankruptcy_id: UUID
) -> None:
    conn.execute("UPDATE bankruptcies SET deleted_at = NULL WHERE subject_id = %s "
                 "AND bankruptcy_id = %s", (subject_id, bankruptcy_id))  # fmt: skip


def delete_inquiry(
    conn: psycopg.Connection[Any], subject_id: UUID, inquiry_id: UUID, reason: str, at: datetime
) -> None:
    conn.execute(
        "UPDATE inquiries SET deleted_at = %s, deleted_reason = %s "
        "WHERE subject_id = %s AND inquiry_id = %s AND deleted_at IS NULL",
        (at, reason, subject_id, inquiry_id),
    )


def reinsert_inquiry(conn: psycopg.Connection[Any], subject_id: UUID, inquiry_id: UUID) -> None:
    conn.execute("UPDATE inquiries SET deleted_at = NULL, deleted_reason = NULL "
                 "WHERE subject_id = %s AND inquiry_id = %s", (subject_id, inquiry_id))  # fmt: skip


# Statements (the subject's own words on an item; this module writes them) -------------------


def replace_statement(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    statement_id: UUID,
    item_kind: str,
    item_id: UUID,
    dispute_id: UUID,
    body_ct: bytes,
    key_version: int,
    at: datetime,
) -> None:
    """The subject's current statement on the item; an earlier one is withdrawn, not erased."""
    conn.execute(
        "UPDATE statements SET withdrawn_at = %s WHERE subject_id = %s AND item_kind = %s "
        "AND item_id = %s AND withdrawn_at IS NULL",
        (at, subject_id, item_kind, item_id),
    )
    conn.execute(
        """
        INSERT INTO statements (subject_id, statement_id, item_kind, item_id, dispute_id,
                                body_ct, key_version, created_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
        """,
        (subject_id, statement_id, item_kind, item_id, dispute_id, body_ct, key_version, at),
    )


@events.subscribe(events.FileKeysShredded)
def forget_shredded_statements(event: events.FileKeysShredded) -> list[Write]:
    """Erasure: the subject's statements go (their own words, some stored in plaintext before
    statements were encrypted); nothing else refers to them."""
    return [Write("statements", "DELETE FROM statements WHERE subject_id = %(s)s RETURNING 1",
                  {"s": event.subject_id}, returns="count(*)")]  # fmt: skip
