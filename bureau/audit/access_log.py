"""A subject's access-log entries with inclusion proofs against the current signed tree head.

Shared by `GET /v1/me/access-log` and, later, the full disclosure (`GET /v1/me/file`), so both
show the same entries with the same proofs. Entries are found by the subject the hashed entry
names (never by the `subject_id` column, which no hash covers), and each carries its place in
the subject's chain, so the subject can tell that none is left out. The head is the newest published one unless it does
not cover the subject's own newest entry (`bureau.audit.publication`), so every entry shown
carries its proof.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from bureau.audit import merkle, repo, subject_map, tree
from bureau.signing import SigningKey, b64url

HOW_TO_VERIFY = (
    "leaf_hash = SHA-256(0x00 || entry as JSON with sorted keys, separators ',' ':' and ASCII "
    "escapes); fold inclusion_proof per RFC 9162 §2.1.3.2 to tree_head.root_hash; check "
    "tree_head.signature with the key from GET /v1/keys. Completeness: entry.subject_entry "
    "counts your entries (1 = your first) and entry.subject_prev is the leaf index of the one "
    "before, so reading every page (before = the oldest index shown) must give an unbroken "
    "chain down to subject_entry 1, and the newest shown must be subject_tip's entry, whose path "
    "leads to the subject map root signed with the checkpoint (`bureau audit verify-mine` does "
    "this)"
)


def subject_log(
    conn: psycopg.Connection[Any],
    key: SigningKey,
    subject_id: UUID,
    now: datetime,
    limit: int = 100,
    before: int | None = None,
    *,
    interval: timedelta,
) -> dict[str, Any]:
    """Newest first, at most `limit` entries below `before`, each provably in the signed tree;
    `interval` is the bureau's tree-head interval (`Settings.tree_head_interval`)."""
    sth = tree.current_head(conn, key, now, interval, subject_id)
    tip = subject_tip(conn, subject_id)  # before the entries: they can only be newer
    size = sth.head.tree_size
    upper = size if before is None else min(before, size)
    rows = repo.subject_entries(conn, subject_id, upper, limit)
    proofs = tree.inclusion_proofs(conn, [int(r.leaf_index) for r in rows], size)
    return {
        "tree_head": tree.head_json(sth),
        "entries": [
            {
                "entry_id": int(r.entry_id),
                "leaf_index": int(r.leaf_index),
                "event": r.entry["event"],
                "entry": r.entry,
                "leaf_hash": b64url(bytes(r.leaf_hash)),
                "inclusion_proof": [b64url(p) for p in proofs[int(r.leaf_index)]],
            }
            for r in rows
        ],
        "subject_tip": tip,
        "how_to_verify": HOW_TO_VERIFY,
    }


def subject_tip(conn: psycopg.Connection[Any], subject_id: UUID) -> dict[str, Any] | None:
    """What the signed checkpoint's subject map holds at the subject's position (derived from
    their id, `bureau.audit.subject_map`): their newest entry (`entries` 0 when it holds none
    about them) and the other subjects sharing the position (`others`, by subject_key only),
    with the path to the signed map root. Served even when the subject has no tip, so "no entry
    about you" is proved, not assumed. None only before the first checkpoint signs a map."""
    position = subject_map.position_of(str(subject_id))
    bucket, cp = repo.bucket_and_checkpoint(conn, position)
    if (cp is None or cp.checkpoint_map_root is None or cp.checkpoint_size is None
            or cp.checkpoint_root is None or cp.checkpoint_at is None):  # fmt: skip
        return None
    own = next((t for t in bucket if t.subject_id == str(subject_id)), None)
    stored = repo.map_nodes(conn, subject_map.nodes_for([position]))
    return {
        "checkpoint": {
            "tree_size": int(cp.checkpoint_size),
            "root_hash": b64url(bytes(cp.checkpoint_root)),
            "timestamp_ms": merkle.epoch_millis(cp.checkpoint_at),
            "key_id": cp.checkpoint_key,
            "map_root": b64url(bytes(cp.checkpoint_map_root)),
            "map_signature": b64url(bytes(cp.checkpoint_map_sig or b"")),
        },
        "subject_id": str(subject_id),
        "position": position,
        "entries": 0 if own is None else own.entries,
        "last_index": None if own is None else own.last_index,
        "last_hash": None if own is None else b64url(own.last_hash),
        "others": [
            {"subject_key": b64url(key), "tip_leaf": b64url(leaf)}
            for key, leaf in sorted(subject_map.pair(t) for t in bucket if t is not own)
        ],
        "proof": [b64url(h) for h in subject_map.path_from(stored, position)],
        "how_to_verify": subject_map.HOW_TO_VERIFY,
    }
