"""SQL for disputes, their events, documents, statements and notices. Plain SQL, bound parameters.

Every subject-scoped query filters on subject_id first, so an item or dispute of another file is
simply not found (the caller answers 404 and reveals nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import RowFactory, class_row, dict_row, tuple_row
from psycopg.types.json import Jsonb

from bureau import events as domain_events
from bureau.db import id_routes, shard_groups
from bureau.db.write import Write
from bureau.subjects import identities
from disputes.views import DisputeEvent, DisputeNotice

Row = TypeVar("Row")


@dataclass(frozen=True, slots=True)
class Organization:
    """An organization as a letter names it: who to write to, and how to reach them."""

    org_id: UUID
    name: str
    address: str | None
    phone: str | None

    def contact(self) -> dict[str, Any]:
        """The contact block a notice prints (FCRA §611(a)(6)(B)(iii): name, address, phone)."""
        return {"name": self.name, "address": self.address, "phone": self.phone}


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """A document of a dispute: its name encrypted, its content only when asked for."""

    document_id: UUID
    filename_ct: bytes
    content_type: str
    size_bytes: int
    added_at: datetime | None = None
    content_ct: bytes | None = None


@dataclass(frozen=True, slots=True)
class PastRecipient:
    """An organization that received the disputed item, with its latest such inquiry."""

    org_id: UUID
    name: str
    inquiry_id: UUID
    purpose: str
    created_at: datetime


@dataclass(frozen=True)
class DisputeRow:
    subject_id: UUID
    dispute_id: UUID
    item_kind: str
    item_id: UUID
    field: str | None
    furnisher_id: UUID | None
    reason_code: str
    description_ct: bytes | None
    key_version: int | None
    direct: bool
    state: str
    received_at: datetime
    due_at: date
    result: str | None
    closed_at: datetime | None
    extended: bool
    forward_by: date | None
    completed_on: date | None
    has_statement: bool
    recipients_notified_at: datetime | None
    item_snapshot: dict[str, Any] | None
    prior_compliance_condition: str | None


_DISPUTE_COLUMNS = ", ".join(DisputeRow.__dataclass_fields__)


def _one(
    conn: psycopg.Connection[Any], query: str, params: tuple[Any, ...], lock: bool
) -> DisputeRow | None:
    text = f"SELECT {_DISPUTE_COLUMNS} FROM disputes WHERE {query}" + (
        " FOR UPDATE" if lock else ""
    )
    with conn.cursor(row_factory=class_row(DisputeRow)) as cur:
        cur.execute(text.encode(), params)
        return cur.fetchone()


def dispute(
    conn: psycopg.Connection[Any], subject_id: UUID, dispute_id: UUID, *, lock: bool = False
) -> DisputeRow | None:
    """One dispute of this subject; `lock` holds it until commit so one answer wins."""
    return _one(conn, "subject_id = %s AND dispute_id = %s", (subject_id, dispute_id), lock)


def dispute_by_id(
    conn: psycopg.Connection[Any], dispute_id: UUID, *, lock: bool = False
) -> DisputeRow | None:
    """A dispute named by id alone (furnisher routes); served by disputes_id on one node, by
    the dispute's route to its subject's shard on Citus."""
    found = id_routes.keyed(conn, "dispute", dispute_id, "dispute_id")
    return None if found is None else _one(conn, *found, lock)


def disputes_of_subject(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    after: tuple[datetime, UUID] | None = None,
    limit: int | None = None,
) -> list[DisputeRow]:
    """The subject's disputes, newest first, from after the (received_at, dispute_id) key
    `after` (served by `disputes_subject_page`)."""
    with conn.cursor(row_factory=class_row(DisputeRow)) as cur:
        cur.execute(
            f"SELECT {_DISPUTE_COLUMNS} FROM disputes WHERE subject_id = %(subject_id)s "
            "AND (%(after_at)s::timestamptz IS NULL "
            "OR (received_at, dispute_id) < (%(after_at)s, %(after_id)s::uuid)) "
            "ORDER BY received_at DESC, dispute_id DESC LIMIT %(limit)s".encode(),
            {"subject_id": subject_id, "limit": limit,
             "after_at": after[0] if after else None, "after_id": after[1] if after else None},
        )  # fmt: skip
        return cur.fetchall()


def disputes_of_furnisher(
    conn: psycopg.Connection[Any],
    furnisher_id: UUID | None,
    *,
    open_only: bool,
    after: tuple[date, datetime, UUID] | None = None,
    limit: int | None = None,
) -> list[DisputeRow]:
    """An investigator's inbox, the most urgent first (None: items the bureau itself holds),
    from after the (due_at, received_at, dispute_id) key `after`."""
    who = (
        "furnisher_id = %(furnisher_id)s"
        if furnisher_id is not None
        else "furnisher_id IS NULL AND %(furnisher_id)s::uuid IS NULL"
    )
    with conn.cursor(row_factory=class_row(DisputeRow)) as cur:
        cur.execute(
            f"SELECT {_DISPUTE_COLUMNS} FROM disputes WHERE {who} "
            "AND (NOT %(open_only)s OR closed_at IS NULL) "
            "AND (%(after_due)s::date IS NULL OR (due_at, received_at, dispute_id) > "
            "(%(after_due)s, %(after_at)s::timestamptz, %(after_id)s::uuid)) "
            # an erased file's disputes went with it (bureau/subjects/erasure.py)
            "AND NOT EXISTS (SELECT 1 FROM subjects s WHERE s.subject_id = disputes.subject_id "
            "AND s.status = 'shredded') ORDER BY due_at, received_at, dispute_id "
            "LIMIT %(limit)s".encode(),
            {"furnisher_id": furnisher_id, "open_only": open_only, "limit": limit,
             "after_due": after[0] if after else None, "after_at": after[1] if after else None,
             "after_id": after[2] if after else None},
        )  # fmt: skip
        return cur.fetchall()


_OVERDUE = "closed_at IS NULL AND state IN ('received', 'forwarded') AND due_at < %(due_before)s"
_OVERDUE_ORDER = "ORDER BY due_at, subject_id, dispute_id"


def overdue_disputes(conn: psycopg.Connection[Any], due_before: date) -> list[tuple[UUID, UUID]]:
    """Open, unanswered disputes due before a day, most overdue first; each locked until the
    caller's transaction ends, skipping any another job holds (two deadline jobs never act on
    one dispute, and neither waits for the other).

    One statement on one node. Citus locks rows only in a statement over one shard, so there
    the disputes are found without a lock first, then each shard's share of them is locked by
    one statement naming its subjects, which checks again that each is still open and overdue
    (one closed or answered in between drops out): as many statements as shards holding an
    overdue dispute, and the locks are taken before the caller acts on any, as on one node."""
    due = {"due_before": due_before}
    if not id_routes.distributed(conn):
        rows = _fetch(conn, tuple_row,
                      f"SELECT subject_id, dispute_id FROM disputes WHERE {_OVERDUE} "
                      f"{_OVERDUE_ORDER} FOR UPDATE SKIP LOCKED".encode(), due)  # fmt: skip
        return [(subject_id, dispute_id) for subject_id, dispute_id in rows]
    found = _fetch(conn, tuple_row,
                   f"SELECT subject_id, dispute_id FROM disputes WHERE {_OVERDUE}".encode(),
                   due)  # fmt: skip
    locked: list[tuple[date, UUID, UUID]] = []
    for subjects in shard_groups.by_shard(conn, "disputes", [s for s, _ in found]):
        group = set(subjects)
        locked += _fetch(
            conn, tuple_row,
            f"SELECT due_at, subject_id, dispute_id FROM disputes WHERE subject_id = ANY(%(s)s) "
            f"AND dispute_id = ANY(%(d)s) AND {_OVERDUE} {_OVERDUE_ORDER} "
            "FOR UPDATE SKIP LOCKED".encode(),
            {**due, "s": subjects, "d": [d for s, d in found if s in group]},
        )  # fmt: skip
    return [(subject_id, dispute_id) for _, subject_id, dispute_id in sorted(locked)]


def _fetch(
    conn: psycopg.Connection[Any], row: RowFactory[Row], query: Any, params: Any
) -> list[Row]:
    """The rows, made by `row` whatever the connection's own row factory."""
    with conn.cursor(row_factory=row) as cur:
        cur.execute(query, params)
        return cur.fetchall() if cur.description is not None else []


def open_dispute_on(
    conn: psycopg.Connection[Any], subject_id: UUID, item_kind: str, item_id: UUID
) -> UUID | None:
    rows = _fetch(
        conn, tuple_row,
        """
        SELECT dispute_id FROM disputes
        WHERE subject_id = %s AND item_kind = %s AND item_id = %s AND closed_at IS NULL
        """,
        (subject_id, item_kind, item_id),
    )  # fmt: skip
    return UUID(str(rows[0][0])) if rows else None


def latest_closed_on(
    conn: psycopg.Connection[Any], subject_id: UUID, item_kind: str, item_id: UUID
) -> DisputeRow | None:
    """The most recent closed dispute on the item (for reinsertion and frivolous screening)."""
    with conn.cursor(row_factory=class_row(DisputeRow)) as cur:
        cur.execute(
            f"SELECT {_DISPUTE_COLUMNS} FROM disputes WHERE subject_id = %s AND item_kind = %s "
            "AND item_id = %s AND closed_at IS NOT NULL "
            "ORDER BY closed_at DESC LIMIT 1".encode(),
            (subject_id, item_kind, item_id),
        )
        return cur.fetchone()


def insert_dispute(conn: psycopg.Connection[Any], row: DisputeRow) -> bool:
    """Insert a new dispute; False when another open dispute on the item got there first.

    The partial unique index decides between two concurrent filings: the second waits for the
    first to commit, then inserts nothing.
    """
    values = {k: getattr(row, k) for k in DisputeRow.__dataclass_fields__}
    values["item_snapshot"] = Jsonb(row.item_snapshot) if row.item_snapshot is not None else None
    names = list(values)
    rows = _fetch(
        conn,
        tuple_row,
        sql.SQL(
            "INSERT INTO disputes ({}) VALUES ({}) ON CONFLICT (subject_id, item_kind, item_id) "
            "WHERE closed_at IS NULL DO NOTHING RETURNING dispute_id"
        ).format(
            sql.SQL(", ").join(map(sql.Identifier, names)),
            sql.SQL(", ").join(sql.Placeholder(n) for n in names),
        ),
        values,
    )
    if rows:
        id_routes.add(conn, "dispute", row.dispute_id, row.subject_id)
    return bool(rows)


_MUTABLE = (
    "state", "due_at", "result", "closed_at", "extended", "completed_on", "has_statement",
    "recipients_notified_at", "prior_compliance_condition",
)  # fmt: skip


def update_dispute(conn: psycopg.Connection[Any], row: DisputeRow) -> None:
    """Store the fields the state machine moves."""
    conn.execute(
        sql.SQL("UPDATE disputes SET {} WHERE subject_id = %(subject_id)s "
                "AND dispute_id = %(dispute_id)s").format(
            sql.SQL(", ").join(
                sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c)) for c in _MUTABLE
            )
        ),
        {c: getattr(row, c) for c in (*_MUTABLE, "subject_id", "dispute_id")},
    )  # fmt: skip


def append_event(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    dispute_id: UUID,
    kind: str,
    actor: str,
    detail: dict[str, Any],
    at: datetime,
) -> int:
    """Next event of the history; the caller holds the dispute row, so seq cannot race."""
    rows = _fetch(conn, tuple_row,
        """
        INSERT INTO dispute_events (subject_id, dispute_id, seq, kind, actor, detail, at)
        SELECT %(s)s, %(d)s, COALESCE(max(seq), 0) + 1, %(k)s, %(a)s, %(detail)s, %(at)s
        FROM dispute_events WHERE subject_id = %(s)s AND dispute_id = %(d)s
        RETURNING seq
        """,
        {"s": subject_id, "d": dispute_id, "k": kind, "a": actor, "detail": Jsonb(detail),
         "at": at},
    )  # fmt: skip
    return int(rows[0][0])


def events(conn: psycopg.Connection[Any], subject_id: UUID, dispute_id: UUID) -> list[DisputeEvent]:
    rows = _fetch(
        conn,
        class_row(DisputeEvent),
        "SELECT seq, kind, actor, detail, at FROM dispute_events "
        "WHERE subject_id = %s AND dispute_id = %s ORDER BY seq",
        (subject_id, dispute_id),
    )
    return rows


# Items -------------------------------------------------------------------------------------------

_ITEM_SQL: dict[str, str] = {
    "tradeline": """
        SELECT t.*, t.furnisher_id AS investigator_id FROM tradelines t
        WHERE t.subject_id = %s AND t.tradeline_id = %s""",
    "bankruptcy": """
        SELECT b.*, b.reported_by AS investigator_id FROM bankruptcies b
        WHERE b.subject_id = %s AND b.bankruptcy_id = %s""",
    "inquiry": """
        SELECT i.*, i.requester_org_id AS investigator_id FROM inquiries i
        WHERE i.subject_id = %s AND i.inquiry_id = %s""",
    "identity": identities.FACT_SQL,
}


def item(
    conn: psycopg.Connection[Any], subject_id: UUID, item_kind: str, item_id: UUID
) -> dict[str, Any] | None:
    """The item as held (deleted ones included: `deleted_at` says so), or None. A mapping: an
    item of any of four kinds (`SELECT *`), snapshotted as JSON into the dispute's history."""
    rows = _fetch(conn, dict_row, _ITEM_SQL[item_kind].encode(), (subject_id, item_id))
    return rows[0] if rows else None


def organization(conn: psycopg.Connection[Any], org_id: UUID) -> Organization | None:
    rows = _fetch(conn, class_row(Organization),
                  "SELECT org_id, name, address, phone FROM organizations WHERE org_id = %s",
                  (org_id,))  # fmt: skip
    return rows[0] if rows else None


# Documents and statements ------------------------------------------------------------------------


def insert_document(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    dispute_id: UUID,
    document_id: UUID,
    filename_ct: bytes,
    content_type: str,
    content_ct: bytes,
    size_bytes: int,
    key_version: int,
    at: datetime,
) -> None:
    conn.execute(
        """
        INSERT INTO dispute_documents (subject_id, dispute_id, document_id, filename_ct,
            content_type, content_ct, size_bytes, key_version, added_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
        """,
        (subject_id, dispute_id, document_id, filename_ct, content_type, content_ct, size_bytes,
         key_version, at),
    )  # fmt: skip


def documents(
    conn: psycopg.Connection[Any], subject_id: UUID, dispute_id: UUID, *, with_content: bool
) -> list[DocumentRow]:
    content = sql.SQL(", content_ct") if with_content else sql.SQL("")
    rows = _fetch(
        conn,
        class_row(DocumentRow),
        sql.SQL(
            "SELECT document_id, filename_ct, content_type, size_bytes, added_at{} "
            "FROM dispute_documents WHERE subject_id = %s AND dispute_id = %s "
            "ORDER BY added_at, document_id"
        ).format(content),
        (subject_id, dispute_id),
    )
    return rows


def document(
    conn: psycopg.Connection[Any], subject_id: UUID, dispute_id: UUID, document_id: UUID
) -> DocumentRow | None:
    rows = _fetch(
        conn,
        class_row(DocumentRow),
        "SELECT document_id, filename_ct, content_type, content_ct, size_bytes "
        "FROM dispute_documents WHERE subject_id = %s AND dispute_id = %s AND document_id = %s",
        (subject_id, dispute_id, document_id),
    )
    return rows[0] if rows else None


# Notices and past recipients ---------------------------------------------------------------------


_NOTICE_COLUMNS = (
    "subject_id, notice_id, kind, recipient_org_id, dispute_id, body, due_by, created_at"
)


def notices_to_subject(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    after: tuple[datetime, UUID] | None = None,
    limit: int | None = None,
) -> list[DisputeNotice]:
    """Dispute notices addressed to the subject, newest first (served by
    `notices_subject_page`)."""
    return _fetch(
        conn,
        class_row(DisputeNotice),
        f"SELECT {_NOTICE_COLUMNS} FROM notices WHERE subject_id = %(owner)s "
        "AND recipient_org_id IS NULL AND kind LIKE 'dispute-%%' "
        f"{_NOTICE_PAGE}".encode(),
        _notice_page_params(subject_id, after, limit),
    )


_NOTICE_PAGE = (
    "AND (%(after_at)s::timestamptz IS NULL "
    "OR (created_at, notice_id) < (%(after_at)s, %(after_id)s::uuid)) "
    "ORDER BY created_at DESC, notice_id DESC LIMIT %(limit)s"
)


def _notice_page_params(
    owner: UUID, after: tuple[datetime, UUID] | None, limit: int | None
) -> dict[str, Any]:
    return {"owner": owner, "limit": limit, "after_at": after[0] if after else None,
            "after_id": after[1] if after else None}  # fmt: skip


def notices_of_dispute(
    conn: psycopg.Connection[Any], subject_id: UUID, dispute_id: UUID
) -> list[DisputeNotice]:
    rows = _fetch(
        conn,
        class_row(DisputeNotice),
        f"SELECT {_NOTICE_COLUMNS} FROM notices WHERE subject_id = %s AND dispute_id = %s "
        "ORDER BY created_at, notice_id".encode(),
        (subject_id, dispute_id),
    )
    return rows


def notice_to_subject(
    conn: psycopg.Connection[Any], subject_id: UUID, notice_id: UUID
) -> DisputeNotice | None:
    rows = _fetch(
        conn,
        class_row(DisputeNotice),
        f"SELECT {_NOTICE_COLUMNS} FROM notices WHERE subject_id = %s AND notice_id = %s "
        "AND recipient_org_id IS NULL AND kind LIKE 'dispute-%%'".encode(),
        (subject_id, notice_id),
    )
    return rows[0] if rows else None


def notices_to_org(
    conn: psycopg.Connection[Any],
    org_id: UUID,
    after: tuple[datetime, UUID] | None = None,
    limit: int | None = None,
) -> list[DisputeNotice]:
    """Dispute notices addressed to an organization (furnisher or past recipient), newest
    first (served by `notices_recipient_page`)."""
    return _fetch(
        conn,
        class_row(DisputeNotice),
        f"SELECT {_NOTICE_COLUMNS} FROM notices WHERE recipient_org_id = %(owner)s "
        f"AND kind LIKE 'dispute-%%' {_NOTICE_PAGE}".encode(),
        _notice_page_params(org_id, after, limit),
    )


def past_recipients(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    item_kind: str,
    item_id: UUID,
    item_existed_from: datetime,
    since: datetime,
    since_employment: datetime,
    employment_purpose: str,
) -> list[PastRecipient]:
    """Organizations that received a report holding the item within the §611(d) windows.

    Where the bureau kept the report's record, it says exactly what was released: a score-only
    report carried no item, and an account or bankruptcy counts only if its id is among those
    the report carried (an obsolete item, say, was not). Inquiries without a report record (the
    sandbox's history) fall back to: pulled after the item entered the file, under a grant that
    was not score-only. One row per organization, with the latest such report.
    """
    rows = _fetch(conn, class_row(PastRecipient),
        """
        SELECT DISTINCT ON (i.requester_org_id)
               i.requester_org_id AS org_id, o.name, i.inquiry_id, i.purpose, i.created_at
        FROM inquiries i
        JOIN organizations o ON o.org_id = i.requester_org_id
        LEFT JOIN consent_grants g ON g.subject_id = i.subject_id AND g.grant_id = i.grant_id
        LEFT JOIN reports r ON r.subject_id = i.subject_id AND r.inquiry_id = i.inquiry_id
        WHERE i.subject_id = %(s)s
          AND i.requester_org_id IS NOT NULL
          AND i.created_at >= %(existed)s
          AND i.created_at >= CASE WHEN i.purpose = %(emp)s THEN %(since_emp)s ELSE %(since)s END
          AND CASE
                WHEN r.report_id IS NULL THEN g.scope IS NULL OR g.scope = 'full'
                WHEN r.scope <> 'full' THEN false
                WHEN %(kind)s = 'tradeline' THEN %(item)s = ANY(r.tradeline_ids)
                WHEN %(kind)s = 'bankruptcy' THEN %(item)s = ANY(r.bankruptcy_ids)
                ELSE true
              END
        ORDER BY i.requester_org_id, i.created_at DESC
        """,
        {"s": subject_id, "existed": item_existed_from, "emp": employment_purpose,
         "since": since, "since_emp": since_employment, "kind": item_kind, "item": item_id},
    )  # fmt: skip
    return rows


@domain_events.subscribe(domain_events.FileKeysShredded)
def end_shredded_disputes(event: domain_events.FileKeysShredded) -> list[Write]:
    """Erasure: the subject's open disputes close without a result. Nobody is left to answer
    them for, and the deadline job must not act on (and decrypt for) an erased file."""
    return [Write("disputes_ended", "UPDATE disputes SET state = 'closed', closed_at = %(at)s "
                  "WHERE subject_id = %(s)s AND closed_at IS NULL RETURNING 1",
                  {"s": event.subject_id, "at": event.at}, returns="count(*)")]  # fmt: skip
