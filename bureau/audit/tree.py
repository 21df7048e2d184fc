"""The access log as a verifiable Merkle tree: signed heads, proofs, and full verification.

Heads are signed when a reader needs one (`bureau.audit.publication`: at most one per interval
for reads alone, plus one when a subject's own newest entry is not covered yet), and each
new head stores the perfect subtrees the growth completed, so a proof costs a handful of
indexed reads however long the log is. Verification (`verify_log`) trusts nothing stored: it
rehashes every entry, rebuilds every node and checks every signed head against the bureau's
public key, and names the first thing that does not match.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bureau.audit import merkle, publication, repo, sequencing
from bureau.audit.log import leaf_hash as entry_leaf_hash
from bureau.audit.merkle import Node, SignedTreeHead, TreeHead
from bureau.signing import SigningKey, b64url


class StoredTree:
    """The tree as stored: leaves in `audit_log`, inner nodes in `audit_tree_nodes`."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def nodes(self, wanted: Iterable[Node]) -> dict[Node, bytes]:
        wanted = set(wanted)
        found = repo.nodes(self.conn, wanted)
        missing = wanted - found.keys()
        if missing:
            raise LookupError(f"tree nodes not stored yet: {sorted(missing)[:3]}")
        return found


def _sth(row: dict[str, Any]) -> SignedTreeHead:
    return SignedTreeHead(
        TreeHead(int(row["tree_size"]), bytes(row["root_hash"]), row["signed_at"]),
        row["key_id"],
        bytes(row["signature"]),
    )


def current_head(
    conn: psycopg.Connection[Any],
    key: SigningKey,
    at: datetime,
    interval: timedelta,
    subject_id: UUID | None = None,
) -> SignedTreeHead:
    """The signed head a reader at `at` is served: the newest one while it serves
    (`publication.serves`: younger than `interval` or nothing new since, and covering the
    subject's own entries), else a new one over everything committed by now.

    The common read (a young head, nothing of the subject's uncovered) takes no lock and writes
    nothing. Otherwise pending entries are numbered first, and signing is serialised: a reader
    that waited re-checks, so concurrent readers sign one head between them.
    """
    owed = 0 if subject_id is None else repo.subject_owed_size(conn, subject_id)
    if (sth := _served(repo.latest_head(conn), owed, None, at, interval)) is not None:
        return sth
    sequencing.sequence(conn)
    if (sth := _served(*_facts(conn, subject_id), at, interval)) is not None:
        return sth
    repo.lock_tree_heads(conn)
    row, owed, size = _facts(conn, subject_id)
    if (sth := _served(row, owed, size, at, interval)) is not None:
        return sth
    # Never older than the head it extends: both were signed no earlier than they say.
    signed_at = at if row is None else max(at, row["signed_at"])
    return _sign(conn, key, signed_at, 0 if row is None else int(row["tree_size"]), size)


def publish_head(conn: psycopg.Connection[Any], key: SigningKey, at: datetime) -> SignedTreeHead:
    """A signed head covering every entry committed by now (the newest one if it already does):
    for the operator and tests, which want the log's current state signed whatever its age."""
    return current_head(conn, key, at, interval=timedelta(0))


def _served(
    row: dict[str, Any] | None,
    owed: int | None,
    size: int | None,
    at: datetime,
    interval: timedelta,
) -> SignedTreeHead | None:
    """The stored head `row` if it serves this reader (`publication.serves`), else None.

    `owed` None: the subject has an entry not numbered yet, which no head covers.
    """
    if row is None or owed is None:
        return None
    sth = _sth(row)
    return sth if publication.serves(sth.head, at, interval, owed, size) else None


def _facts(
    conn: psycopg.Connection[Any], subject_id: UUID | None
) -> tuple[dict[str, Any] | None, int, int]:
    """After sequencing: the newest head row, the size the reader is owed, and the log size.

    An entry of the subject's that is still pending here committed after this read sequenced;
    the read is then owed what is numbered, like anyone else.
    """
    row = repo.latest_head(conn)
    size = repo.log_size(conn)
    owed = 0 if subject_id is None else repo.subject_owed_size(conn, subject_id)
    return row, size if owed is None else owed, size


def _sign(
    conn: psycopg.Connection[Any], key: SigningKey, at: datetime, old: int, size: int
) -> SignedTreeHead:
    """Extend the stored tree from the head of size `old` to `size` and sign its root."""
    frontier = StoredTree(conn).nodes(merkle.perfect_nodes(0, old))
    leaves = repo.leaf_hashes(conn, old, size)
    created = merkle.extend(old, frontier, leaves)
    repo.insert_nodes(conn, {node: h for node, h in created.items() if node[0] > 0})
    root = merkle.range_hash({**frontier, **created}, 0, size)
    sth = merkle.sign_tree_head(TreeHead(size, root, at), key.sign, key.kid)
    repo.insert_head(conn, size, root, sth.head.timestamp, sth.key_id, sth.signature)
    return sth


def head_at(conn: psycopg.Connection[Any], tree_size: int) -> SignedTreeHead | None:
    row = repo.head(conn, tree_size)
    return _sth(row) if row is not None else None


def inclusion_proofs(
    conn: psycopg.Connection[Any], indexes: Sequence[int], tree_size: int
) -> dict[int, list[bytes]]:
    """Proofs for several leaves against one signed size, from a single node read."""
    plans = {i: merkle.inclusion_ranges(i, tree_size) for i in indexes}
    nodes = StoredTree(conn).nodes(merkle.nodes_needed(r for rs in plans.values() for r in rs))
    return {i: [merkle.range_hash(nodes, s, e) for s, e in rs] for i, rs in plans.items()}


def consistency_proof(conn: psycopg.Connection[Any], old_size: int, new_size: int) -> list[bytes]:
    return merkle.consistency_proof(StoredTree(conn), old_size, new_size)


def head_json(sth: SignedTreeHead) -> dict[str, Any]:
    """A signed head as published: base64url hashes, RFC 3339 time, and how to check it."""
    return {
        "tree_size": sth.head.tree_size,
        "root_hash": b64url(sth.head.root_hash),
        "timestamp": sth.head.timestamp.isoformat(),
        "timestamp_ms": merkle.epoch_millis(sth.head.timestamp),
        "key_id": sth.key_id,
        "signature": b64url(sth.signature),
        "signed_data": "RFC 6962 §3.5 TreeHeadSignature: 0x00 0x01 uint64 timestamp_ms "
        "uint64 tree_size root_hash (Ed25519)",
    }


# Verification ----------------------------------------------------------------------------------


@dataclass
class Verification:
    entries: int = 0
    heads: int = 0
    pending: int = 0
    """Entries written but not yet sequenced: not in the tree yet, so nothing to check."""
    problems: list[str] = field(default_factory=list)
    first_bad_index: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, message: str, index: int | None = None) -> None:
        self.problems.append(message)
        if index is not None and (self.first_bad_index is None or index < self.first_bad_index):
            self.first_bad_index = index


def verify_log(
    conn: psycopg.Connection[Any], public_keys: Sequence[Ed25519PublicKey], limit: int = 20
) -> Verification:
    """Recompute the whole tree from the entries and check everything stored against it."""
    result = Verification(pending=repo.pending_count(conn))
    stored_nodes = {(lv, ix): h for lv, ix, h in repo.all_nodes(conn)}
    head_rows = repo.heads(conn)
    heads_by_size = {int(r["tree_size"]): _sth(r) for r in head_rows}
    last_good_size = 0

    def check_node(node: Node, value: bytes) -> None:
        stored = stored_nodes.get(node)
        if stored is not None and stored != value:
            level, idx = node
            first, last = idx << level, ((idx + 1) << level) - 1
            result.fail(
                f"stored tree node (level {level}, index {idx}) does not match entries "
                f"{first}..{last}",
                first,
            )

    def check_head(size: int, root: bytes) -> None:
        nonlocal last_good_size
        sth = heads_by_size[size]
        result.heads += 1
        if not any(merkle.verify_tree_head(sth, key) for key in public_keys):
            result.fail(f"signed tree head of size {size}: signature does not verify")
        elif sth.head.root_hash != root:
            result.fail(
                f"signed tree head of size {size} does not match the log: an entry in "
                f"{last_good_size}..{size - 1} was changed after it was signed",
                last_good_size,
            )
        else:
            last_good_size = size

    acc = merkle.RootAccumulator(on_node=check_node)
    if 0 in heads_by_size:
        check_head(0, acc.root())
    for expected, (index, entry, stored_leaf) in enumerate(repo.all_entries(conn)):
        if index != expected:
            result.fail(f"entry {expected} is missing (next stored index is {index})", expected)
            break
        recomputed = entry_leaf_hash(entry)
        if entry.get("index") != index:
            result.fail(f"entry {index}: its recorded index is {entry.get('index')}", index)
        if recomputed != stored_leaf:
            result.fail(f"entry {index}: contents do not match its leaf hash", index)
        # The tree is rebuilt from the stored leaf hashes: a content change is then named
        # exactly (above), and a rewritten leaf hash shows up against the nodes and signed heads.
        acc.push(stored_leaf)
        result.entries += 1
        if acc.size in heads_by_size:
            check_head(acc.size, acc.root())
        if len(result.problems) >= limit:
            break
    beyond = [s for s in heads_by_size if s > acc.size]
    if beyond and len(result.problems) < limit and result.entries == acc.size:
        result.fail(f"signed tree head of size {min(beyond)} is larger than the log ({acc.size})")
    return result
