"""Append entries to the access log inside the caller's transaction.

Appending in the caller's transaction is what makes "no report leaves without its log entry"
true: if the release rolls back, so does its entry. An entry is written *pending*: it gets an
ordering id (`entry_id`, from a sequence: no lock held until commit) but no leaf index. The
sequencer (`bureau.audit.sequencing`) later numbers committed entries contiguously, in commit
order, and computes their RFC 6962 leaf hashes — so releases no longer commit one at a time on
the log's head row, and leaf n still exists for every n below the tree size.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID


def canonical(entry: dict[str, Any]) -> bytes:
    """Deterministic JSON bytes (sorted keys, no spaces): what the leaf hash commits to."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), default=str).encode()


def leaf_hash(entry: dict[str, Any]) -> bytes:
    """RFC 6962 leaf hash: SHA-256 of 0x00 followed by the leaf data."""
    return hashlib.sha256(b"\x00" + canonical(entry)).digest()


def pending_entry(
    event: str, subject_id: UUID | None, details: dict[str, Any]
) -> tuple[dict[str, Any], datetime]:
    """An entry's JSON and its time, for `append` or a caller that writes the row in its own
    statement (a report release writes its whole paper trail in one)."""
    at = datetime.now(UTC)
    entry = {
        "event": event,
        "subject_id": str(subject_id) if subject_id else None,
        "at": at.isoformat(),
        **details,
    }
    for added in ("index", "subject_entry", "subject_prev", "prev_leaf_hash"):
        entry.pop(added, None)  # the sequencer adds them; the append-only trigger insists
    return entry, at
