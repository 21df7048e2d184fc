"""The access log as a verifiable Merkle tree: signed heads, proofs, and full verification.

Heads are signed when a reader needs one (`bureau.audit.publication`: at most one per interval
for reads alone, plus one when a subject's own newest entry is not covered yet), and each
new head stores the perfect subtrees the growth completed, so a proof costs a handful of
indexed reads however long the log is. Verification (`verify_log`) trusts nothing stored: it
rehashes every entry, rebuilds every node and checks every signed head against the bureau's
public key, and names the first thing that does not match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bureau.audit import heads, merkle, publication, repo, sequencing, subject_map
from bureau.audit.heads import StoredTree
from bureau.audit.log import leaf_hash as entry_leaf_hash
from bureau.audit.merkle import Node, SignedTreeHead, TreeHead
from bureau.signing import SigningKey, b64url


def _sth(row: repo.HeadRow) -> SignedTreeHead:
    return SignedTreeHead(
        TreeHead(int(row.tree_size), bytes(row.root_hash), row.signed_at),
        row.key_id,
        bytes(row.signature),
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
    sequencing.sequence(conn, key)
    if (sth := _served(*_facts(conn, subject_id), at, interval)) is not None:
        return sth
    repo.lock_tree_heads(conn)
    row, owed, size = _facts(conn, subject_id)
    if (sth := _served(row, owed, size, at, interval)) is not None:
        return sth
    # Never older than the head it extends: both were signed no earlier than they say.
    signed_at = at if row is None else max(at, row.signed_at)
    return _sign(conn, key, signed_at, 0 if row is None else int(row.tree_size), size)


def publish_head(conn: psycopg.Connection[Any], key: SigningKey, at: datetime) -> SignedTreeHead:
    """A signed head covering every entry committed by now (the newest one if it already does):
    for the operator and tests, which want the log's current state signed whatever its age."""
    return current_head(conn, key, at, interval=timedelta(0))


def _served(
    row: repo.HeadRow | None,
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
) -> tuple[repo.HeadRow | None, int, int]:
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
    sth = heads.sign(key, size, heads.grow(conn, old, size), at)
    repo.insert_head(conn, size, sth.head.root_hash, sth.head.timestamp, sth.key_id, sth.signature)
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
    checkpoint_size: int | None = None
    """The size of the sequencer's signed checkpoint: every entry below it is signed."""
    problems: list[str] = field(default_factory=list)
    first_bad_index: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, message: str, index: int | None = None) -> None:
        self.problems.append(message)
        if index is not None and (self.first_bad_index is None or index < self.first_bad_index):
            self.first_bad_index = index


@dataclass
class _Signed:
    """What the rebuilt tree found against signatures and stored nodes, resolved at the end
    into the first entry that changed: a rewritten leaf hash only shows as a signed root or a
    stored node that no longer matches, so the entry is located between them."""

    verified_prefix: int = 0
    """Every signed size up to here matched, so the leaf hashes below it are the signed ones."""
    failed: list[tuple[str, int]] = field(default_factory=list)
    """(what, size) for each signed root that does not match the rebuilt tree."""
    nodes: list[Node] = field(default_factory=list)
    """Stored nodes that do not match the rebuilt tree."""

    def locate(self) -> tuple[int, int]:
        """The first changed entry, as a range [first, last] it certainly lies in."""
        start = self.verified_prefix
        end = min(size for _, size in self.failed) - 1 if self.failed else None
        if self.nodes:
            lowest = min(level for level, _ in self.nodes)
            idx = min(i for level, i in self.nodes if level == lowest)
            first, last = idx << lowest, ((idx + 1) << lowest) - 1
            if last >= start:
                start, end = max(first, start), last if end is None else min(last, end)
        return start, start if end is None or end < start else end


def _column_problems(index: int, row: repo.SequencedEntry) -> list[str]:
    """The copied columns that disagree with the hashed entry, each named."""
    entry = row.entry
    problems = []
    column = str(row.subject_id) if row.subject_id is not None else None
    if column != entry.get("subject_id"):
        problems.append(
            f"entry {index}: column subject_id is {column} but the hashed entry names "
            f"{entry.get('subject_id')}"
        )
    if row.event != entry.get("event"):
        problems.append(
            f"entry {index}: column event is {row.event!r} but the hashed entry says "
            f"{entry.get('event')!r}"
        )
    if "at" not in entry:
        return problems  # an entry from before times were hashed: nothing to compare with
    try:
        hashed_at: datetime | None = datetime.fromisoformat(str(entry["at"]))
    except ValueError:
        hashed_at = None
    if row.created_at != hashed_at:
        problems.append(
            f"entry {index}: column created_at is {row.created_at.isoformat()} but the "
            f"hashed entry says {entry.get('at')}"
        )
    return problems


def verify_log(
    conn: psycopg.Connection[Any], public_keys: Sequence[Ed25519PublicKey], limit: int = 20
) -> Verification:
    """Recompute the whole tree from the entries and check everything stored against it: each
    entry's hash, the columns copied from it, each subject's chain, every stored node, every
    published head, the sequencer's signed checkpoint and every released report's entry."""
    result = Verification(pending=repo.pending_count(conn))
    stored_nodes = {(lv, ix): h for lv, ix, h in repo.all_nodes(conn)}
    heads_by_size = {int(r.tree_size): _sth(r) for r in repo.heads(conn)}
    cp_row = repo.checkpoint(conn)
    checkpoint = _checkpoint(cp_row)
    result.checkpoint_size = None if checkpoint is None else checkpoint.head.tree_size
    signed = _Signed()
    chains: dict[str, tuple[int, int]] = {}
    newest_hashes: dict[str, bytes] = {}

    def check_node(node: Node, value: bytes) -> None:
        stored = stored_nodes.get(node)
        if stored is not None and stored != value:
            signed.nodes.append(node)

    def check_signed(what: str, sth: SignedTreeHead, root: bytes) -> None:
        size = sth.head.tree_size
        if not any(merkle.verify_tree_head(sth, key) for key in public_keys):
            result.fail(f"{what} of size {size}: signature does not verify")
        elif sth.head.root_hash != root:
            signed.failed.append((what, size))
        elif not signed.failed:
            signed.verified_prefix = size

    def at_size(acc: merkle.RootAccumulator) -> None:
        if acc.size in heads_by_size:
            result.heads += 1
            check_signed("signed tree head", heads_by_size[acc.size], acc.root())
        if checkpoint is not None and acc.size == checkpoint.head.tree_size:
            check_signed("signed checkpoint", checkpoint, acc.root())

    acc = merkle.RootAccumulator(on_node=check_node)
    at_size(acc)
    missing_from: int | None = None
    previous: bytes | None = None
    rewritten: list[int] = []  # entries the next entry's `prev_leaf_hash` names as changed
    for expected, row in enumerate(repo.all_entries(conn)):
        index, entry, stored_leaf = int(row.leaf_index), row.entry, bytes(row.leaf_hash)
        if index != expected:
            result.fail(f"entry {expected} is missing (next stored index is {index})", expected)
            missing_from = expected
            break
        if entry.get("index") != index:
            result.fail(f"entry {index}: its recorded index is {entry.get('index')}", index)
        if entry_leaf_hash(entry) != stored_leaf:
            result.fail(f"entry {index}: contents do not match its leaf hash", index)
        for problem in _column_problems(index, row):
            result.fail(problem, index)
        if (broken := _chain_problem(index, entry, chains)) is not None:
            result.fail(broken, index)
        if entry.get("subject_id"):
            newest_hashes[str(entry["subject_id"])] = stored_leaf
        chained_to = entry.get("prev_leaf_hash", False)
        if chained_to is not False and previous is not None and chained_to != b64url(previous):
            rewritten.append(index - 1)
        previous = stored_leaf
        # The tree is rebuilt from the stored leaf hashes: a content change is then named
        # exactly (above), and a rewritten leaf hash shows up against the nodes and signed roots.
        acc.push(stored_leaf)
        result.entries += 1
        at_size(acc)
        if len(result.problems) >= limit:
            return result
    _check_bounds(result, cp_row, checkpoint, heads_by_size, acc.size, missing_from)
    for index in rewritten:
        result.fail(
            f"entry {index}: its leaf hash was rewritten after it was signed; entry "
            f"{index + 1} chained to another (prev_leaf_hash)",
            index,
        )
    if signed.failed or signed.nodes:
        first, last = signed.locate()
        evidence = [f"the {what} of size {size}" for what, size in signed.failed]
        evidence += [f"stored tree node (level {lv}, index {ix})" for lv, ix in signed.nodes[:3]]
        if rewritten:
            first = last = rewritten[0]  # the chain names it exactly; the pair is ambiguous
        where = f"entry {first}" if first == last else f"entry {first} (one of {first}..{last})"
        result.fail(
            f"{where}: its leaf hash was rewritten after it was signed; "
            + ", ".join(evidence)
            + " no longer match the log",
            first,
        )
    if missing_from is None:
        _check_tips(conn, result, chains, newest_hashes, cp_row, public_keys, limit)
    for report in repo.reports_without_entry(conn, limit):
        found = report.leaf_index
        result.fail(
            f"report {report.report_id}: its access-log entry (entry id "
            f"{report.log_entry_id}) is "
            + ("missing" if found is None else f"at {found} but no longer names the report"),
            None if found is None else int(found),
        )
    return result


def _checkpoint(row: repo.LogHead | None) -> SignedTreeHead | None:
    if (row is None or row.checkpoint_size is None or row.checkpoint_root is None
            or row.checkpoint_at is None or row.checkpoint_key is None
            or row.checkpoint_sig is None):  # fmt: skip
        return None  # no checkpoint yet (its columns are written together)
    return SignedTreeHead(
        TreeHead(int(row.checkpoint_size), bytes(row.checkpoint_root), row.checkpoint_at),
        row.checkpoint_key,
        bytes(row.checkpoint_sig),
    )


def _chain_problem(
    index: int, entry: dict[str, Any], chains: dict[str, tuple[int, int]]
) -> str | None:
    """Whether the entry's place in its subject's chain (`subject_entry`, `subject_prev`)
    agrees with the entries before it; records it as the subject's newest."""
    subject = entry.get("subject_id")
    if not subject:
        return None
    held = chains.get(subject)
    count, last = (0, None) if held is None else held
    chains[subject] = (count + 1, index)
    if "subject_entry" not in entry:
        return None  # sequenced before chains were kept: counted, nothing to compare
    if entry["subject_entry"] == count + 1 and entry.get("subject_prev") == last:
        return None
    return (
        f"entry {index}: it says it is entry {entry['subject_entry']} of its subject, after "
        f"entry {entry.get('subject_prev')}, but the log holds {count} earlier entries naming "
        f"that subject, the last at {last}"
    )


def _check_bounds(
    result: Verification,
    cp_row: repo.LogHead | None,
    checkpoint: SignedTreeHead | None,
    heads_by_size: dict[int, SignedTreeHead],
    size: int,
    missing_from: int | None,
) -> None:
    """The log's size against what was signed: nothing behind the checkpoint, nothing signed
    that the log no longer holds."""
    if cp_row is None:
        result.fail("the access log's head row, which holds its signed checkpoint, is missing")
        return
    if checkpoint is None:
        if size:
            result.fail(
                f"entries 0..{size - 1} are covered by no signed checkpoint (after an upgrade, "
                "run `bureau audit sequence` once; otherwise the checkpoint was removed)",
                0,
            )
        return
    signed_size = max([checkpoint.head.tree_size, *heads_by_size])
    if int(cp_row.next_index) != checkpoint.head.tree_size:
        result.fail(
            f"the log's next index is {cp_row.next_index} but its signed checkpoint covers "
            f"{checkpoint.head.tree_size} entries"
        )
    if missing_from is None and size < signed_size:
        what = "checkpoint" if signed_size == checkpoint.head.tree_size else "tree head"
        result.fail(
            f"entry {size} is missing: the signed {what} of size {signed_size} covers "
            f"{signed_size} entries and the log holds {size}",
            size,
        )
    if size > checkpoint.head.tree_size:
        result.fail(
            f"entries {checkpoint.head.tree_size}..{size - 1} are not covered by the signed "
            f"checkpoint (size {checkpoint.head.tree_size}): added or renumbered behind the "
            "sequencer",
            checkpoint.head.tree_size,
        )


def _names_entry(result: Verification, index: int) -> bool:
    return any(p.startswith((f"entry {index}:", f"entry {index} ")) for p in result.problems)


def _check_tips(
    conn: psycopg.Connection[Any],
    result: Verification,
    chains: dict[str, tuple[int, int]],
    newest_hashes: dict[str, bytes],
    cp_row: repo.LogHead | None,
    public_keys: Sequence[Ed25519PublicKey],
    limit: int,
) -> None:
    """The sequencer's per-subject tips against the chains the log holds, and the subject map
    they make against the root the checkpoint signed."""
    tips = list(repo.all_subject_tips(conn))
    for tip in tips:
        held = chains.get(tip.subject_id)
        if held != (tip.entries, tip.last_index) and len(result.problems) < limit:
            held_text = "none" if held is None else f"{held[0]}, the newest at {held[1]}"
            result.fail(
                f"subject {tip.subject_id}: the sequencer numbered {tip.entries} entries naming "
                f"them, the newest at {tip.last_index}; the log holds {held_text}"
            )
        elif (
            newest_hashes.get(tip.subject_id) != tip.last_hash
            and not _names_entry(result, tip.last_index)  # a rewritten entry is named once
            and len(result.problems) < limit
        ):
            result.fail(
                f"subject {tip.subject_id}: the tip's leaf hash is not that of entry "
                f"{tip.last_index}"
            )
        if tip.position != subject_map.position_of(tip.subject_id) and len(result.problems) < limit:
            result.fail(
                f"subject {tip.subject_id}: the tip sits at map position {tip.position}, not at "
                f"{subject_map.position_of(tip.subject_id)}, the one the subject's id gives"
            )
    tipped = {t.subject_id for t in tips}
    for subject, (count, last) in sorted(chains.items()):
        if subject not in tipped and len(result.problems) < limit:
            result.fail(
                f"subject {subject}: the log holds {count} entries naming them, the newest at "
                f"{last}, but the sequencer keeps no tip for them"
            )
    if (cp_row is None or cp_row.checkpoint_map_root is None or cp_row.checkpoint_at is None
            or cp_row.checkpoint_size is None or cp_row.checkpoint_root is None):  # fmt: skip
        return  # no map signed yet (before the first run after the upgrade), or no checkpoint
    root, _ = subject_map.root_of(tips)
    signed = subject_map.statement(
        merkle.epoch_millis(cp_row.checkpoint_at), int(cp_row.checkpoint_size),
        bytes(cp_row.checkpoint_root), bytes(cp_row.checkpoint_map_root),
    )  # fmt: skip
    sig = cp_row.checkpoint_map_sig
    if sig is None or not subject_map.verify_statement(bytes(sig), signed, public_keys):
        result.fail("the signed checkpoint's subject map: signature does not verify")
    elif root != bytes(cp_row.checkpoint_map_root):
        result.fail(
            "the subject map the tips make is not the one the checkpoint signed: a subject's "
            "tip was changed after it was signed"
        )
