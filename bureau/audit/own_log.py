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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bureau.audit import log, merkle, subject_map
from bureau.audit.access_log import subject_log
from bureau.signing import SignatureInvalid, SigningKey, b64url, b64url_decode


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


def tip_problems(
    tip: dict[str, Any] | None,
    items: list[dict[str, Any]],
    keys: Sequence[Ed25519PublicKey],
    tree_size: int,
    subject_id: str | None = None,
) -> list[str]:
    """Whether what the signed subject map holds at the subject's position matches what is
    shown (`bureau.audit.subject_map`): the newest entry it commits must be shown, unchanged,
    and when it commits none, nothing may be shown. What finds a deleted newest entry on a
    first look, even with the sequencer's tips rolled back with it, and a subject whose every
    entry and tip row were deleted. `items`: every entry shown (all pages); `tree_size`: the
    signed head's; `subject_id`: who the subject knows they are (else the tip's own claim,
    checked against the entries shown)."""
    if tip is None:
        if any("subject_entry" in i["entry"] for i in items) or tree_size > 0:
            return ["the bureau served no signed subject map position for you, so nothing "
                    "proves the entries shown (or none) are all there are"]  # fmt: skip
        return []
    try:
        cp = tip["checkpoint"]
        proof = [b64url_decode(p) for p in tip["proof"]]
        map_root = b64url_decode(cp["map_root"])
        signed = subject_map.statement(int(cp["timestamp_ms"]), int(cp["tree_size"]),
                                       b64url_decode(cp["root_hash"]), map_root)  # fmt: skip
        signature = b64url_decode(cp["map_signature"])
        position, count = int(tip["position"]), int(tip["entries"])
        whose = str(UUID(str(tip["subject_id"])))
        others = [(b64url_decode(o["subject_key"]), b64url_decode(o["tip_leaf"]))
                  for o in tip["others"]]  # fmt: skip
        last = None if count == 0 else int(tip["last_index"])
        last_hash = None if count == 0 else b64url_decode(tip["last_hash"])
    except (KeyError, TypeError, ValueError, SignatureInvalid):
        return ["the subject map tip the bureau served is malformed"]
    if not subject_map.verify_statement(signature, signed, keys):
        return [f"the subject map signed with the checkpoint of size {cp['tree_size']} does not "
                "verify with the bureau's key"]  # fmt: skip
    named = {str(i["entry"].get("subject_id")) for i in items}
    if subject_id is not None and whose != subject_id:
        return [f"the subject map position served is for subject {whose}, not for you "
                f"({subject_id})"]  # fmt: skip
    if named - {whose}:
        return [f"the subject map position served is for subject {whose}, but the entries "
                f"shown name {', '.join(sorted(named - {whose}))}"]  # fmt: skip
    if position != subject_map.position_of(whose):
        return [f"the subject map position served ({position}) is not the one your id gives "
                f"({subject_map.position_of(whose)})"]  # fmt: skip
    key = subject_map.subject_key(whose)
    if any(k == key for k, _ in others):
        return ["the subject map position served lists your own entry as another subject's"]
    pairs = list(others)
    if count and last is not None and last_hash is not None:
        pairs.append((key, subject_map.tip_leaf(
            subject_map.Tip(whose, position, count, last, last_hash))))  # fmt: skip
    leaf = subject_map.bucket_leaf(pairs)
    if len(proof) != subject_map.DEPTH or subject_map.fold(leaf, position, proof) != map_root:
        held = "no entry" if not count else f"{count} entries, the newest at leaf {last}"
        return [f"your tip ({held}) does not lead to the subject map root signed with the "
                f"checkpoint of size {cp['tree_size']}: it was changed after it was signed"]  # fmt: skip
    if not count:
        if any("subject_entry" in i["entry"] for i in items):
            return [f"the signed checkpoint of size {cp['tree_size']} commits no entry about "
                    "you, but entries about you are shown"]  # fmt: skip
        return []
    shown = {int(i["leaf_index"]): i for i in items}
    newest = shown.get(last) if last is not None else None
    if newest is None:
        return [f"your entry {count} at leaf {last}, which the signed checkpoint of size "
                f"{cp['tree_size']} commits as your newest, is not shown"]  # fmt: skip
    number = newest["entry"].get("subject_entry")
    if newest["leaf_hash"] != b64url(last_hash or b"") or (number is not None and number != count):
        return [f"the entry shown at leaf {last} is not your entry {count} that the signed "
                f"checkpoint of size {cp['tree_size']} commits"]  # fmt: skip
    return []


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
    published: dict[str, Any],
    public_key: Ed25519PublicKey,
    reaches_first: bool = True,
    newest_page: bool = True,
) -> CheckedLog:
    """Check a published access log (the API's JSON) with the bureau's public key alone;
    `reaches_first`: the listing should go back to the subject's first entry; `newest_page`:
    it is the first page, so it must show the newest entry the signed subject map commits."""
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
        gaps=chain_gaps(published["entries"], reaches_first)
        + (
            tip_problems(
                published.get("subject_tip"), published["entries"], [public_key], sth.head.tree_size
            )
            if newest_page
            else []
        ),
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
    return verify_published(published, public_key or key.public_key, reaches_first=not full_page,
                            newest_page=before is None)  # fmt: skip
