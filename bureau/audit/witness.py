"""A witness: keeps the bureau's signed tree heads outside its database and checks that every
newer head extends them (RFC 6962 §2.1.2 / RFC 9162 §2.1.4 consistency proofs).

Why: whoever controls the database and the signing key can rebuild the log with an entry
changed and sign the result; nothing the bureau stores then disagrees. A head someone else kept
does: the rebuilt log has another root at that size, so no consistency proof leads from the
kept head to the new one. Anyone with auditor scope can run a witness, anywhere.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bureau.audit import merkle
from bureau.signing import SignatureInvalid, b64url_decode

STATE_FILE = "heads.json"


class Inconsistent(RuntimeError):
    """The bureau's log does not extend a head this witness kept: a fork or a rewrite."""


@dataclass(frozen=True)
class Kept:
    tree_size: int
    root_hash: str
    timestamp_ms: int
    key_id: str
    signature: str

    def sth(self) -> merkle.SignedTreeHead:
        head = merkle.TreeHead(
            self.tree_size,
            b64url_decode(self.root_hash),
            merkle.from_epoch_millis(self.timestamp_ms),
        )
        return merkle.SignedTreeHead(head, self.key_id, b64url_decode(self.signature))


def kept_from_json(published: dict[str, Any]) -> Kept:
    try:
        return Kept(
            int(published["tree_size"]),
            str(published["root_hash"]),
            int(published["timestamp_ms"]),
            str(published["key_id"]),
            str(published["signature"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise Inconsistent(f"the bureau served a malformed tree head ({exc})") from None


def signed_by(kept: Kept, keys: Sequence[Ed25519PublicKey]) -> bool:
    try:
        sth = kept.sth()
    except (SignatureInvalid, ValueError):
        return False
    return any(merkle.verify_tree_head(sth, key) for key in keys)


def load_state(folder: Path) -> list[Kept]:
    path = folder / STATE_FILE
    if not path.exists():
        return []
    try:
        return [Kept(**h) for h in json.loads(path.read_text(encoding="utf-8"))["heads"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a witness state file ({exc})") from None


def save_state(folder: Path, heads: list[Kept]) -> None:
    """Written whole to a temporary file and renamed, so a crash never leaves half a state."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = folder / f".{STATE_FILE}.tmp"
    temp.write_text(json.dumps({"heads": [h.__dict__ for h in heads]}, indent=1), "utf-8")
    os.replace(temp, folder / STATE_FILE)


Get = Callable[[str, dict[str, Any]], dict[str, Any]]
"""GET a path of the bureau's API with query parameters: its JSON (`remote.get_json`)."""


def check(get: Get, keys: Sequence[Ed25519PublicKey], kept: list[Kept]) -> tuple[Kept, Kept | None]:
    """Fetch the newest head and prove it extends the largest kept one; returns (new head, the
    kept head it was checked against). Raises Inconsistent on a bad signature, a smaller log,
    another root at the same size, or a consistency proof that does not hold."""
    new = kept_from_json(get("/v1/audit/tree-head", {}))
    if not signed_by(new, keys):
        raise Inconsistent(
            f"the bureau's tree head of size {new.tree_size} is not signed by the given key"
        )
    if not kept:
        return new, None
    last = max(kept, key=lambda h: h.tree_size)
    if new.tree_size < last.tree_size:
        raise Inconsistent(
            f"the log shrank: the bureau now signs size {new.tree_size}, but this witness kept "
            f"a signed head of size {last.tree_size} (root {last.root_hash})"
        )
    if new.tree_size == last.tree_size:
        if new.root_hash != last.root_hash:
            raise Inconsistent(
                f"fork: two signed heads of size {new.tree_size} with different roots "
                f"({last.root_hash} kept, {new.root_hash} now)"
            )
        return new, last
    answer = get("/v1/audit/consistency", {"first": last.tree_size, "second": new.tree_size})
    try:
        proof = [b64url_decode(p) for p in answer["proof"]]
    except (KeyError, TypeError, SignatureInvalid):
        raise Inconsistent("the bureau served a malformed consistency proof") from None
    if not merkle.verify_consistency(
        last.tree_size,
        new.tree_size,
        b64url_decode(last.root_hash),
        b64url_decode(new.root_hash),
        proof,
    ):
        raise Inconsistent(
            f"fork: the signed head of size {new.tree_size} does not extend the head of size "
            f"{last.tree_size} this witness kept (the consistency proof fails): entries below "
            f"{last.tree_size} were rewritten"
        )
    return new, last
