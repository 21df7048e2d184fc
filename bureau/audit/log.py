"""Append entries to the access log inside the caller's transaction.

Leaf indexes are gap-free (a locked counter row rather than a sequence) because the log backs
an RFC 6962 Merkle tree: leaf n must exist for every n below the tree size. Appending in the
caller's transaction is what makes "no report leaves without its log entry" true: if the
release rolls back, so does its entry.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb


def canonical(entry: dict[str, Any]) -> bytes:
    """Deterministic JSON bytes (sorted keys, no spaces): what the leaf hash commits to."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), default=str).encode()


def leaf_hash(entry: dict[str, Any]) -> bytes:
    """RFC 6962 leaf hash: SHA-256 of 0x00 followed by the leaf data."""
    return hashlib.sha256(b"\x00" + canonical(entry)).digest()


def append(
    conn: psycopg.Connection[Any],
    event: str,
    subject_id: UUID | None,
    details: dict[str, Any],
) -> int:
    """Append one entry and return its leaf index. Holds the log's head row until commit."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "UPDATE audit_log_head SET next_index = next_index + 1 RETURNING next_index - 1"
        )
        row = cur.fetchone()
    assert row is not None, "audit_log_head has its single row from the first migration"
    index = int(row[0])
    at = datetime.now(UTC)
    entry = {
        "index": index,
        "event": event,
        "subject_id": str(subject_id) if subject_id else None,
        "at": at.isoformat(),
        **details,
    }
    conn.execute(
        """
        INSERT INTO audit_log (leaf_index, subject_id, event, entry, leaf_hash, created_at)
        VALUES (%s, %s, %s, %s, %s, %s)
        """,
        (index, subject_id, event, Jsonb(entry), leaf_hash(entry), at),
    )
    return index
