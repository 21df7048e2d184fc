"""SQL for the access log's Merkle tree: leaf hashes, stored nodes and signed tree heads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import class_row, tuple_row
from psycopg.types.json import Jsonb

from bureau.audit.merkle import Node
from bureau.audit.subject_map import Tip


@dataclass(frozen=True, slots=True)
class HeadRow:
    """A signed tree head as stored (`audit_tree_heads`)."""

    tree_size: int
    root_hash: bytes
    signed_at: datetime
    key_id: str
    signature: bytes


@dataclass(frozen=True, slots=True)
class LogHead:
    """The head row: the next leaf index and the signed checkpoint (None before the first)."""

    next_index: int
    checkpoint_size: int | None
    checkpoint_root: bytes | None
    checkpoint_at: datetime | None
    checkpoint_key: str | None
    checkpoint_sig: bytes | None
    map_size: int
    checkpoint_map_root: bytes | None
    checkpoint_map_sig: bytes | None


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The signed checkpoint's columns a subject's own proof needs."""

    checkpoint_size: int | None
    checkpoint_root: bytes | None
    checkpoint_at: datetime | None
    checkpoint_key: str | None
    checkpoint_map_root: bytes | None
    checkpoint_map_sig: bytes | None


@dataclass(frozen=True, slots=True)
class SubjectEntry:
    entry_id: int
    leaf_index: int
    entry: dict[str, Any]
    leaf_hash: bytes


@dataclass(frozen=True, slots=True)
class EntryRow:
    """A sequenced entry (its index and leaf hash are set together) with the columns copied
    from it."""

    entry_id: int
    leaf_index: int
    subject_id: UUID | None
    event: str
    entry: dict[str, Any]
    leaf_hash: bytes


@dataclass(frozen=True, slots=True)
class SequencedEntry:
    leaf_index: int
    entry: dict[str, Any]
    leaf_hash: bytes
    subject_id: UUID | None
    event: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UnloggedReport:
    """A released report whose access-log entry is missing or names another release."""

    report_id: UUID
    log_entry_id: int
    leaf_index: int | None


_HEAD_COLUMNS = "tree_size, root_hash, signed_at, key_id, signature"
_LOG_HEAD_COLUMNS = (
    "next_index, checkpoint_size, checkpoint_root, checkpoint_at, checkpoint_key, "
    "checkpoint_sig, map_size, checkpoint_map_root, checkpoint_map_sig"
)


def log_size(conn: psycopg.Connection[Any]) -> int:
    """Leaves sequenced (committed, or numbered by this transaction): the counter is gap-free."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute("SELECT next_index FROM audit_log_head")
        row = cur.fetchone()
    assert row is not None
    return int(row[0])


def leaf_hashes(conn: psycopg.Connection[Any], start: int, end: int) -> list[bytes]:
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT leaf_hash FROM audit_log WHERE leaf_index >= %s AND leaf_index < %s "
            "ORDER BY leaf_index",
            (start, end),
        )
        return [bytes(r[0]) for r in cur.fetchall()]


def nodes(
    conn: psycopg.Connection[Any], wanted: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """Stored hashes for (level, idx) pairs; level 0 reads the leaves themselves."""
    wanted = list(wanted)
    leaves = [idx for level, idx in wanted if level == 0]
    inner = [(level, idx) for level, idx in wanted if level > 0]
    found: dict[tuple[int, int], bytes] = {}
    with conn.cursor(row_factory=tuple_row) as cur:
        if leaves:
            cur.execute(
                "SELECT leaf_index, leaf_hash FROM audit_log WHERE leaf_index = ANY(%s)",
                (leaves,),
            )
            found.update({(0, int(i)): bytes(h) for i, h in cur.fetchall()})
        if inner:
            cur.execute(
                """
                SELECT n.level, n.idx, n.hash
                FROM unnest(%s::smallint[], %s::bigint[]) AS w(level, idx)
                JOIN audit_tree_nodes n ON n.level = w.level AND n.idx = w.idx
                """,
                ([lv for lv, _ in inner], [ix for _, ix in inner]),
            )
            found.update({(int(lv), int(ix)): bytes(h) for lv, ix, h in cur.fetchall()})
    return found


def insert_nodes(conn: psycopg.Connection[Any], new: dict[tuple[int, int], bytes]) -> None:
    if not new:
        return
    levels, idxs, hashes = zip(*((lv, ix, h) for (lv, ix), h in new.items()), strict=True)
    conn.execute(
        """
        INSERT INTO audit_tree_nodes (level, idx, hash)
        SELECT * FROM unnest(%s::smallint[], %s::bigint[], %s::bytea[])
        ON CONFLICT (level, idx) DO NOTHING
        """,
        (list(levels), list(idxs), list(hashes)),
    )


def latest_head(conn: psycopg.Connection[Any]) -> HeadRow | None:
    with conn.cursor(row_factory=class_row(HeadRow)) as cur:
        cur.execute(f"SELECT {_HEAD_COLUMNS} FROM audit_tree_heads ORDER BY tree_size DESC LIMIT 1")
        return cur.fetchone()


def head(conn: psycopg.Connection[Any], tree_size: int) -> HeadRow | None:
    with conn.cursor(row_factory=class_row(HeadRow)) as cur:
        cur.execute(f"SELECT {_HEAD_COLUMNS} FROM audit_tree_heads WHERE tree_size = %s",
                    (tree_size,))  # fmt: skip
        return cur.fetchone()


def heads(conn: psycopg.Connection[Any]) -> list[HeadRow]:
    with conn.cursor(row_factory=class_row(HeadRow)) as cur:
        cur.execute(f"SELECT {_HEAD_COLUMNS} FROM audit_tree_heads ORDER BY tree_size")
        return cur.fetchall()


def insert_head(
    conn: psycopg.Connection[Any],
    tree_size: int,
    root_hash: bytes,
    signed_at: datetime,
    key_id: str,
    signature: bytes,
) -> None:
    conn.execute(
        """
        INSERT INTO audit_tree_heads (tree_size, root_hash, signed_at, key_id, signature)
        VALUES (%s, %s, %s, %s, %s)
        ON CONFLICT (tree_size) DO NOTHING
        """,
        (tree_size, root_hash, signed_at, key_id, signature),
    )


def lock_tree_heads(conn: psycopg.Connection[Any]) -> None:
    """Serialise head signing (transaction-scoped), so two requests do not both extend."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('fairfile.audit_tree_heads'))")


def subject_owed_size(conn: psycopg.Connection[Any], subject_id: UUID) -> int | None:
    """The tree size covering every numbered entry of the subject's (their newest index + 1;
    0 without entries), or None while one of theirs awaits its index.

    The subject is the one the hashed entry names (`audit_log_entry_subject`), never the
    `subject_id` column, a copy nothing hashes. One probe read backwards, pending (NULL) first.
    """
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT leaf_index FROM audit_log WHERE entry->>'subject_id' = %s "
            "ORDER BY leaf_index DESC NULLS FIRST LIMIT 1",
            (str(subject_id),),
        )
        row = cur.fetchone()
    if row is None:
        return 0
    return None if row[0] is None else int(row[0]) + 1


def subject_entries(
    conn: psycopg.Connection[Any], subject_id: UUID, below: int, limit: int
) -> list[SubjectEntry]:
    """The entries whose hashed contents name the subject, index below `below`, newest first."""
    with conn.cursor(row_factory=class_row(SubjectEntry)) as cur:
        cur.execute(
            """
            SELECT entry_id, leaf_index, entry, leaf_hash
            FROM audit_log
            WHERE entry->>'subject_id' = %s AND leaf_index < %s
            ORDER BY leaf_index DESC
            LIMIT %s
            """,
            (str(subject_id), below, limit),
        )
        return cur.fetchall()


def entry(conn: psycopg.Connection[Any], leaf_index: int) -> EntryRow | None:
    with conn.cursor(row_factory=class_row(EntryRow)) as cur:
        cur.execute(
            "SELECT entry_id, leaf_index, subject_id, event, entry, leaf_hash FROM audit_log "
            "WHERE leaf_index = %s",
            (leaf_index,),
        )
        return cur.fetchone()


def all_entries(conn: psycopg.Connection[Any], batch: int = 5000) -> Iterator[SequencedEntry]:
    """Every sequenced entry in index order, with the columns copied from it (a server-side
    cursor: the log may be large)."""
    with conn.cursor(name="audit_verify", row_factory=class_row(SequencedEntry)) as cur:
        cur.itersize = batch
        cur.execute(
            "SELECT leaf_index, entry, leaf_hash, subject_id, event, created_at FROM audit_log "
            "WHERE leaf_index IS NOT NULL ORDER BY leaf_index"
        )
        yield from cur


def all_nodes(conn: psycopg.Connection[Any]) -> Iterator[tuple[int, int, bytes]]:
    with conn.cursor(name="audit_nodes", row_factory=tuple_row) as cur:
        cur.itersize = 5000
        cur.execute("SELECT level, idx, hash FROM audit_tree_nodes ORDER BY level, idx")
        for level, idx, h in cur:
            yield int(level), int(idx), bytes(h)


# Sequencing -------------------------------------------------------------------------------------


def lock_log_head(conn: psycopg.Connection[Any], wait: bool = True) -> LogHead | None:
    """Lock the head row (the sequencers' mutex): the next leaf index and the checkpoint.

    Without `wait`, None when another sequencer holds it: that one will number what is pending.
    """
    with conn.cursor(row_factory=class_row(LogHead)) as cur:
        cur.execute(
            f"SELECT {_LOG_HEAD_COLUMNS} FROM audit_log_head FOR UPDATE"
            + ("" if wait else " SKIP LOCKED")
        )
        return cur.fetchone()


def needs_sequencing(conn: psycopg.Connection[Any]) -> bool:
    """Whether an entry visible here awaits its index (a partial-index probe), or the signed
    checkpoint lags the numbered entries or has signed no subject map yet (only after an
    upgrade, or tampering)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT EXISTS (SELECT 1 FROM audit_log WHERE leaf_index IS NULL) "
            "OR (SELECT checkpoint_size IS DISTINCT FROM next_index "
            "    OR (next_index > 0 AND checkpoint_map_root IS NULL) FROM audit_log_head)"
        )
        row = cur.fetchone()
    return bool(row and row[0])


def checkpoint(conn: psycopg.Connection[Any]) -> LogHead | None:
    with conn.cursor(row_factory=class_row(LogHead)) as cur:
        cur.execute(f"SELECT {_LOG_HEAD_COLUMNS} FROM audit_log_head")
        return cur.fetchone()


def save_checkpoint(
    conn: psycopg.Connection[Any],
    size: int,
    root: bytes,
    signed_at: datetime,
    key_id: str,
    signature: bytes,
    map_size: int,
    map_root: bytes,
    map_signature: bytes,
) -> None:
    conn.execute(
        "UPDATE audit_log_head SET checkpoint_size = %s, checkpoint_root = %s, "
        "checkpoint_at = %s, checkpoint_key = %s, checkpoint_sig = %s, map_size = %s, "
        "checkpoint_map_root = %s, checkpoint_map_sig = %s",
        (size, root, signed_at, key_id, signature, map_size, map_root, map_signature),
    )


def pending_entries(conn: psycopg.Connection[Any], limit: int) -> list[tuple[int, dict[str, Any]]]:
    """Committed (or own) entries without an index, oldest append first."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT entry_id, entry FROM audit_log WHERE leaf_index IS NULL "
            "ORDER BY entry_id LIMIT %s",
            (limit,),
        )
        return [(int(i), e) for i, e in cur.fetchall()]


_TIP_COLUMNS = "subject_id, entries, last_index, map_position, last_hash"


def _tip(row: tuple[Any, ...]) -> Tip:
    subject, entries, last, position, last_hash = row
    return Tip(str(subject), int(position), int(entries), int(last), bytes(last_hash))


def subject_tips(conn: psycopg.Connection[Any], subject_ids: list[str]) -> dict[str, Tip]:
    """Per subject: how many entries name them, the newest's index and leaf hash, and their
    place in the subject map (one row each)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            f"SELECT {_TIP_COLUMNS} FROM audit_subject_tips WHERE subject_id = ANY(%s::uuid[])",
            (subject_ids,),
        )
        return {str(row[0]): _tip(row) for row in cur.fetchall()}


def all_subject_tips(conn: psycopg.Connection[Any]) -> Iterator[Tip]:
    with conn.cursor(name="audit_tips", row_factory=tuple_row) as cur:
        cur.itersize = 5000
        cur.execute(f"SELECT {_TIP_COLUMNS} FROM audit_subject_tips")
        for row in cur:
            yield _tip(row)


def save_subject_tips(conn: psycopg.Connection[Any], tips: Iterable[Tip]) -> None:
    rows = [(t.subject_id, t.entries, t.last_index, t.position, t.last_hash) for t in tips]
    if not rows:
        return
    subjects, counts, lasts, positions, hashes = zip(*rows, strict=True)
    conn.execute(
        """
        INSERT INTO audit_subject_tips (subject_id, entries, last_index, map_position, last_hash)
        SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bytea[])
        ON CONFLICT (subject_id) DO UPDATE
            SET entries = excluded.entries, last_index = excluded.last_index,
                last_hash = excluded.last_hash
        """,
        (list(subjects), list(counts), list(lasts), list(positions), list(hashes)),
    )


def map_nodes(conn: psycopg.Connection[Any], wanted: Iterable[Node]) -> dict[Node, bytes]:
    """The stored subject-map nodes among `wanted` (an empty subtree is not stored)."""
    levels, positions = [], []
    for level, position in wanted:
        levels.append(level)
        positions.append(position)
    if not levels:
        return {}
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT n.level, n.position, n.hash FROM audit_subject_map_nodes n "
            "JOIN unnest(%s::smallint[], %s::bigint[]) AS w(level, position) "
            "USING (level, position)",
            (levels, positions),
        )
        return {(int(lv), int(p)): bytes(h) for lv, p, h in cur.fetchall()}


def save_map_nodes(conn: psycopg.Connection[Any], nodes: Mapping[Node, bytes]) -> None:
    if not nodes:
        return
    levels, positions, hashes = zip(*((lv, p, h) for (lv, p), h in nodes.items()), strict=True)
    conn.execute(
        """
        INSERT INTO audit_subject_map_nodes (level, position, hash)
        SELECT * FROM unnest(%s::smallint[], %s::bigint[], %s::bytea[])
        ON CONFLICT (level, position) DO UPDATE SET hash = excluded.hash
        """,
        (list(levels), list(positions), list(hashes)),
    )


def bucket_and_checkpoint(
    conn: psycopg.Connection[Any], position: int
) -> tuple[list[Tip], Checkpoint | None]:
    """The tips at a subject-map position (a subject's own and any whose id shares it) and the
    signed checkpoint, in one statement (one snapshot: a sequencer run cannot land between)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            f"""
            SELECT h.checkpoint_size, h.checkpoint_root, h.checkpoint_at, h.checkpoint_key,
                   h.checkpoint_map_root, h.checkpoint_map_sig, t.*
            FROM audit_log_head h
            LEFT JOIN (SELECT {_TIP_COLUMNS} FROM audit_subject_tips WHERE map_position = %s) t
                ON true
            """,
            (position,),
        )
        rows = cur.fetchall()
    if not rows:
        return [], None
    # each row: the SELECT's h.* half (the checkpoint, the same on every row), then t.*
    tips = [_tip(row[6:]) for row in rows if row[6] is not None]
    return tips, Checkpoint(*rows[0][:6])


def tips_at_positions(
    conn: psycopg.Connection[Any], positions: Iterable[int]
) -> dict[int, list[Tip]]:
    """Every stored tip at these subject-map positions, by position (the buckets a sequencer
    run rewrites)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            f"SELECT {_TIP_COLUMNS} FROM audit_subject_tips WHERE map_position = ANY(%s::bigint[])",
            (sorted(set(positions)),),
        )
        found: dict[int, list[Tip]] = {}
        for row in cur.fetchall():
            tip = _tip(row)
            found.setdefault(tip.position, []).append(tip)
    return found


def assign_indexes(
    conn: psycopg.Connection[Any],
    next_index: int,
    assigned: list[tuple[int, int, dict[str, Any], bytes]],
) -> None:
    """Reserve the indexes on the head row, then give each (entry_id, index, additions, leaf
    hash) its own.

    The entry gains its additions in SQL (`entry || {"index": n, ...}`), exactly the change the
    append-only trigger allows; the hash was computed over that same document.
    """
    conn.execute("UPDATE audit_log_head SET next_index = %s", (next_index,))
    ids, indexes, additions, hashes = zip(*assigned, strict=True)
    conn.execute(
        """
        UPDATE audit_log a
        SET leaf_index = u.leaf_index,
            entry = a.entry || u.additions,
            leaf_hash = u.leaf_hash
        FROM unnest(%s::bigint[], %s::bigint[], %s::jsonb[], %s::bytea[])
            AS u(entry_id, leaf_index, additions, leaf_hash)
        WHERE a.entry_id = u.entry_id
        """,
        (list(ids), list(indexes), [Jsonb(a) for a in additions], list(hashes)),
    )


def leaf_index_of(conn: psycopg.Connection[Any], entry_id: int) -> int | None:
    """An entry's leaf index, None while it is pending."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute("SELECT leaf_index FROM audit_log WHERE entry_id = %s", (entry_id,))
        row = cur.fetchone()
    return int(row[0]) if row is not None and row[0] is not None else None


def pending_count(conn: psycopg.Connection[Any]) -> int:
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute("SELECT count(*) FROM audit_log WHERE leaf_index IS NULL")
        row = cur.fetchone()
    return int(row[0]) if row else 0


def reports_without_entry(conn: psycopg.Connection[Any], limit: int) -> list[UnloggedReport]:
    """Released reports whose access-log entry is gone or no longer names the release: a
    report row is written in the same statement as its entry, so each one has its entry."""
    with conn.cursor(row_factory=class_row(UnloggedReport)) as cur:
        cur.execute(
            """
            SELECT r.report_id, r.log_entry_id, a.leaf_index
            FROM reports r
            LEFT JOIN audit_log a ON a.entry_id = r.log_entry_id
            WHERE a.entry_id IS NULL OR a.entry->>'report_id' IS DISTINCT FROM r.report_id::text
            ORDER BY r.log_entry_id
            LIMIT %s
            """,
            (limit,),
        )
        return cur.fetchall()
