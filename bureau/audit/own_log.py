"""The subject's access log with every proof checked by the bureau before it is shown.

The API hands the subject proofs to check themselves (GET /v1/me/access-log); a person reading
a page cannot fold hashes, so the portal checks on their behalf, with the same data and the same
RFC 9162 algorithm an independent verifier would use: the entry's hash is recomputed from its
contents, folded up its inclusion proof to the signed root, and the root's Ed25519 signature is
checked against the bureau's public key. An entry is shown as verified only if all three hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from bureau.audit import log, merkle, repo, tree
from bureau.signing import SigningKey, b64url


@dataclass(frozen=True)
class CheckedEntry:
    leaf_index: int
    event: str
    entry: dict[str, Any]
    created_at: datetime
    verified: bool
    problem: str | None


@dataclass(frozen=True)
class CheckedLog:
    tree_size: int
    root_hash: str
    signed_at: datetime
    key_id: str
    head_signature_valid: bool
    entries: list[CheckedEntry]

    @property
    def all_verified(self) -> bool:
        return self.head_signature_valid and all(e.verified for e in self.entries)


def _check(
    row: dict[str, Any], proof: list[bytes], sth: merkle.SignedTreeHead, head_ok: bool
) -> CheckedEntry:
    index = int(row["leaf_index"])
    recomputed = log.leaf_hash(row["entry"])
    problem = None
    if not head_ok:
        problem = "the signed tree head's signature does not verify"
    elif recomputed != bytes(row["leaf_hash"]):
        problem = "the entry's contents do not match its recorded hash"
    elif not merkle.verify_inclusion(
        recomputed, index, sth.head.tree_size, proof, sth.head.root_hash
    ):
        problem = "the inclusion proof does not lead to the signed root"
    return CheckedEntry(
        leaf_index=index,
        event=row["event"],
        entry=row["entry"],
        created_at=row["created_at"],
        verified=problem is None,
        problem=problem,
    )


def checked_subject_log(
    conn: psycopg.Connection[Any], key: SigningKey, subject_id: UUID, now: datetime, limit: int = 200
) -> CheckedLog:
    """The subject's newest `limit` entries, each with its inclusion proof verified."""
    sth = tree.latest_head(conn, key, now)
    size = sth.head.tree_size
    rows = repo.subject_entries(conn, subject_id, size, limit)
    proofs = tree.inclusion_proofs(conn, [int(r["leaf_index"]) for r in rows], size)
    head_ok = merkle.verify_tree_head(sth, key.public_key)
    return CheckedLog(
        tree_size=size,
        root_hash=b64url(sth.head.root_hash),
        signed_at=sth.head.timestamp,
        key_id=sth.key_id,
        head_signature_valid=head_ok,
        entries=[_check(r, proofs[int(r["leaf_index"])], sth, head_ok) for r in rows],
    )
