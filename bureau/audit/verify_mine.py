"""`bureau audit verify-mine`: a subject checks their whole access log from outside the bureau,
with their token and the bureau's public keys, nothing else.

Every page of `GET /v1/me/access-log` is checked like the portal does (`own_log`): each entry's
hash, its inclusion proof, the signed head. Then the pages together must form one unbroken
chain from the newest entry down to the subject's first (`subject_entry` 1), so an entry left
out of the listing, or moved to another subject, is named; and the newest entry shown must be
the one the signed checkpoint's subject map commits as the subject's newest (`subject_tip`),
so a deleted newest entry is named on a first run. The map position checked is derived from
the subject's id (`--subject-id`, or the one kept in `--state`, or the one the bureau states),
so a subject whose every entry and tip row were deleted is told so: the signed map still holds
their entries at that position. With `--state`, the subject id, the newest entry seen and the
log size are also kept, and a later run fails if the bureau no longer shows that entry or
serves a smaller log (a rollback of the whole log, the map included, to before it, which only
the signing key could sign again).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bureau.audit import merkle
from bureau.audit.own_log import chain_gaps, published_head, tip_problems, verify_published
from bureau.audit.remote import get_json

PAGE = 1000
STATE_FILE = "verify-mine.json"


@dataclass
class MineResult:
    entries: int = 0
    tree_size: int = 0
    problems: list[str] = field(default_factory=list)
    newest: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _key_for(page: dict[str, Any], keys: Sequence[Ed25519PublicKey]) -> Ed25519PublicKey:
    """The given key that signed the page's head (the first one when none did: it then fails)."""
    sth = published_head(page["tree_head"])
    return next((k for k in keys if merkle.verify_tree_head(sth, k)), keys[0])


def check_pages(
    fetch: Any,
    keys: Sequence[Ed25519PublicKey],
    remembered: dict[str, Any] | None,
    subject_id: str | None = None,
) -> MineResult:
    """Read every page through `fetch(before) -> published page` and check them all;
    `subject_id`: who the subject knows they are (else the one remembered, else the bureau's)."""
    if subject_id is None and remembered is not None:
        subject_id = remembered.get("subject_id")
    result = MineResult()
    items: list[dict[str, Any]] = []
    before: int | None = None
    tip: dict[str, Any] | None = None
    while True:
        page = fetch(before)
        if before is None:
            tip = page.get("subject_tip")
        checked = verify_published(
            page, _key_for(page, keys), reaches_first=False, newest_page=False
        )
        result.tree_size = max(result.tree_size, checked.tree_size)
        if not checked.head_signature_valid:
            result.problems.append(
                f"the signed tree head of size {checked.tree_size} does not verify with the "
                "given keys"
            )
        for entry in checked.entries:
            if not entry.verified:
                result.problems.append(f"entry at leaf {entry.leaf_index}: {entry.problem}")
        items.extend(page["entries"])
        if len(page["entries"]) < PAGE:
            break
        before = min(int(i["leaf_index"]) for i in page["entries"])
    result.entries = len(items)
    result.problems.extend(chain_gaps(items, reaches_first=True))
    result.problems.extend(tip_problems(tip, items, keys, result.tree_size, subject_id))
    newest = max(items, key=lambda i: int(i["leaf_index"]), default=None)
    whose = subject_id or (tip or {}).get("subject_id")
    result.newest = {"subject_id": whose, "tree_size": result.tree_size}
    if newest is not None:
        result.newest |= {
            "leaf_index": int(newest["leaf_index"]),
            "leaf_hash": newest["leaf_hash"],
            "subject_entry": newest["entry"].get("subject_entry"),
        }
    if remembered is not None:
        result.problems.extend(_against_memory(remembered, items, result.tree_size))
    return result


def _against_memory(
    remembered: dict[str, Any], items: list[dict[str, Any]], tree_size: int
) -> list[str]:
    """The newest entry an earlier run saw must still be shown, unchanged, in a log no
    smaller than the one it was seen in."""
    problems = []
    if tree_size < int(remembered["tree_size"]):
        problems.append(
            f"the bureau's signed log shrank from {remembered['tree_size']} entries (seen "
            f"before) to {tree_size}"
        )
    if remembered.get("leaf_index") is None:
        return problems  # no entry about the subject was shown before
    shown = {int(i["leaf_index"]): i["leaf_hash"] for i in items}
    index = int(remembered["leaf_index"])
    if shown.get(index) != remembered["leaf_hash"]:
        what = "is no longer shown" if index not in shown else "has changed"
        problems.append(
            f"your entry {remembered.get('subject_entry')} at leaf {index}, shown before under "
            f"the signed tree head of size {remembered['tree_size']}, {what}"
        )
    return problems


def run(
    base_url: str,
    token: str,
    keys: Sequence[Ed25519PublicKey],
    state: Path | None,
    subject_id: str | None = None,
) -> MineResult:
    remembered = None
    if state is not None and (state / STATE_FILE).exists():
        remembered = json.loads((state / STATE_FILE).read_text(encoding="utf-8"))

    def fetch(before: int | None) -> dict[str, Any]:
        return get_json(base_url, "/v1/me/access-log", token, {"limit": PAGE, "before": before})

    result = check_pages(fetch, keys, remembered, subject_id)
    if state is not None and result.ok and result.newest is not None:
        state.mkdir(parents=True, exist_ok=True, mode=0o700)
        temp = state / f".{STATE_FILE}.tmp"
        temp.write_text(json.dumps(result.newest), encoding="utf-8")
        os.replace(temp, state / STATE_FILE)
    return result
