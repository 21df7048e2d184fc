"""The subject's access log with every proof checked by the bureau before it is shown.

The API hands the subject proofs to check themselves (GET /v1/me/access-log); a person reading
a page cannot fold hashes, so the portal checks on their behalf. It takes exactly what the API
publishes (`bureau.audit.access_log.subject_log`) and checks it as an outside verifier would:
the entry's hash is recomputed from its contents, folded up its inclusion proof (RFC 9162) to
the signed root, and the root's Ed25519 signature is checked against the bureau's public key.
An entry is shown as verified only if all three hold, and the page as complete only if the
entries' chain (`subject_entry`, `subject_prev`, inside each hashed entry) has no gap: an entry
left out of the listing leaves the one after it pointing at an index the page does not show.
`bureau audit verify-mine` runs the same checks over every page from outside the bureau.
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
    gaps: list[str]
    """Where the chain of the subject's entries is broken: each names the entry and what is
    missing before it."""

    @property
    def all_verified(self) -> bool:
        return self.head_signature_valid and all(e.verified for e in self.entries) and not self.gaps


def chain_gaps(items: list[dict[str, Any]], reaches_first: bool) -> list[str]:
    """Breaks in the subject's chain among published entries (any order); `reaches_first`: the
    oldest shown must be the subject's first entry (the listing was not cut short by a limit).

    Entries sequenced before chains were kept carry no `subject_entry` and are not checked.
    """
    shown = sorted(items, key=lambda i: int(i["leaf_index"]), reverse=True)
    gaps: list[str] = []
    if not shown:
        return gaps
    subjects = {i["entry"].get("subject_id") for i in shown}
    if len(subjects) > 1:
        gaps.append(f"the listing mixes entries naming {len(subjects)} different subjects")
    for newer, older in zip(shown, [*shown[1:], None], strict=True):
        entry = newer["entry"]
        if "subject_entry" not in entry:
            continue
        number, prev = entry["subject_entry"], entry.get("subject_prev")
        if older is None:
            if reaches_first and (number != 1 or prev is not None):
                gaps.append(
                    f"entry at leaf {newer['leaf_index']} is your entry {number}, after leaf "
                    f"{prev}, but no earlier entry was shown"
                )
            continue
        older_number = older["entry"].get("subject_entry")
        if prev != int(older["leaf_index"]) or (
            older_number is not None and older_number != number - 1
        ):
            gaps.append(
                f"entry at leaf {newer['leaf_index']} is your entry {number}, after leaf {prev}, "
                f"but the next entry shown is at leaf {older['leaf_index']}"
                + (f" (your entry {older_number})" if older_number is not None else "")
            )
    return gaps


def published_head(published: dict[str, Any]) -> merkle.SignedTreeHead:
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


def verify_published(
    published: dict[str, Any], public_key: Ed25519PublicKey, reaches_first: bool = True
) -> CheckedLog:
    """Check a published access log (the API's JSON) with the bureau's public key alone;
    `reaches_first`: the listing should go back to the subject's first entry."""
    sth = published_head(published["tree_head"])
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
        gaps=chain_gaps(published["entries"], reaches_first),
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
    full_page = len(published["entries"]) == limit
    return verify_published(published, public_key or key.public_key, reaches_first=not full_page)
