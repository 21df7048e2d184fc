"""The subject's access log with every proof checked by the bureau before it is shown.

The API hands the subject proofs to check themselves (GET /v1/me/access-log); a person reading
a page cannot fold hashes, so the portal checks on their behalf. It takes exactly what the API
publishes (`bureau.audit.access_log.subject_log`) and checks it as an outside verifier would:
the entry's hash is recomputed from its contents, folded up its inclusion proof (RFC 9162) to
the signed root, and the root's Ed25519 signature is checked against the bureau's public key.
An entry is shown as verified only if all three hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bureau.audit import log, merkle
from bureau.audit.access_log import subject_log
from bureau.signing import SignatureInvalid, SigningKey, b64url_decode


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


def _head(published: dict[str, Any]) -> merkle.SignedTreeHead:
    head = merkle.TreeHead(
        tree_size=int(published["tree_size"]),
        root_hash=b64url_decode(published["root_hash"]),
        timestamp=merkle.from_epoch_millis(int(published["timestamp_ms"])),
    )
    return merkle.SignedTreeHead(head, published["key_id"], b64url_decode(published["signature"]))


def _check(item: dict[str, Any], sth: merkle.SignedTreeHead, head_ok: bool) -> str | None:
    """Why the entry does not verify, or None when it does."""
    if not head_ok:
        return "the signed tree head's signature does not verify"
    try:
        published = b64url_decode(item["leaf_hash"])
        proof = [b64url_decode(p) for p in item["inclusion_proof"]]
    except SignatureInvalid:
        return "the proof is not well-formed"
    recomputed = log.leaf_hash(item["entry"])
    if recomputed != published:
        return "the entry's contents do not match its recorded hash"
    if not merkle.verify_inclusion(
        recomputed, int(item["leaf_index"]), sth.head.tree_size, proof, sth.head.root_hash
    ):
        return "the inclusion proof does not lead to the signed root"
    return None


def verify_published(published: dict[str, Any], public_key: Ed25519PublicKey) -> CheckedLog:
    """Check a published access log (the API's JSON) with the bureau's public key alone."""
    sth = _head(published["tree_head"])
    head_ok = merkle.verify_tree_head(sth, public_key)
    entries = []
    for item in published["entries"]:
        problem = _check(item, sth, head_ok)
        entries.append(
            CheckedEntry(
                leaf_index=int(item["leaf_index"]),
                event=item["event"],
                entry=item["entry"],
                created_at=datetime.fromisoformat(item["entry"]["at"]),
                verified=problem is None,
                problem=problem,
            )
        )
    return CheckedLog(
        tree_size=sth.head.tree_size,
        root_hash=published["tree_head"]["root_hash"],
        signed_at=sth.head.timestamp,
        key_id=sth.key_id,
        head_signature_valid=head_ok,
        entries=entries,
    )


def checked_subject_log(
    conn: psycopg.Connection[Any],
    key: SigningKey,
    subject_id: UUID,
    now: datetime,
    limit: int = 100,
    public_key: Ed25519PublicKey | None = None,
    before: int | None = None,
    *,
    interval: timedelta,
) -> CheckedLog:
    """The subject's newest `limit` entries below `before`, as the API publishes them, each
    proof verified."""
    published = subject_log(conn, key, subject_id, now, limit, before, interval=interval)
    return verify_published(published, public_key or key.public_key)
