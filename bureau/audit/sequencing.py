"""Give committed access-log entries their leaf indexes: contiguous, gap-free, in commit order.

Why a separate step: numbering inside the writing transaction means holding the single head
row from the append until commit, so every release in the bureau committed one at a time.
Here a release only inserts its entry (pending, no index); a sequencer numbers the entries
whose transactions have committed. Under READ COMMITTED it sees nothing uncommitted, and it
holds the head row while it works, so:

- an entry rolled back with its release is never seen, so it leaves no gap;
- every entry numbered in one run committed before the run began, and every entry numbered in
  a later run gets a higher index: indexes follow commit order (within a run, append order);
- two sequencers never interleave (the head row is their mutex), and a run that fails rolls
  back whole, so indexes stay contiguous.

Each run also extends every subject's chain and the log's hash chain inside the entries it
numbers, and signs a checkpoint over the grown tree in the same transaction (docs/audit.md), so
no numbered entry is ever unsigned. It runs before any tree head is signed (so every proof
covers numbered entries only) and, in a served bureau, every `interval` seconds in the
background, bounding the merge delay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NoReturn

import psycopg

from bureau.audit import heads, repo, subject_map
from bureau.audit.errors import LogTampered
from bureau.audit.log import leaf_hash
from bureau.audit.merkle import epoch_millis
from bureau.audit.subject_map import Tip
from bureau.signing import SigningKey, b64url

BATCH = 5000
"""Entries numbered per statement: bounds memory when a large backlog has built up."""


@dataclass
class _Run:
    """One run's view of the subjects it touches: each tip as the run found it (None for a
    subject new to the log) and as it leaves it, and how many subjects the map holds."""

    map_size: int
    found: dict[str, Tip | None] = field(default_factory=dict)
    now: dict[str, Tip] = field(default_factory=dict)

    def position(self, subject_id: str) -> int:
        """A new subject's place: derived from the id (`subject_map.position_of`)."""
        self.map_size += 1
        return subject_map.position_of(subject_id)


def sequence(conn: psycopg.Connection[Any], key: SigningKey, wait: bool = True) -> int:
    """Number every pending entry this transaction can see, extend each subject's chain and
    tip, and sign the checkpoint over the grown log and subject map; returns how many entries
    were numbered.

    The checkpoint is signed in the same transaction as the numbering, so no numbered entry is
    ever behind the last signature: deleting or rewriting the newest one breaks it. The caller
    commits. Without `wait`, returns 0 at once if another sequencer is at work. Raises
    LogTampered, signing nothing, when a stored tip no longer matches the signed map.
    """
    if not repo.needs_sequencing(conn):
        return 0  # the common case for readers: no lock, no write
    head = repo.lock_log_head(conn, wait)
    if head is None:
        return 0
    next_index = int(head.next_index)
    previous = repo.leaf_hashes(conn, next_index - 1, next_index) if next_index else []
    run = _Run(int(head.map_size))
    total = 0
    while True:
        pending = repo.pending_entries(conn, BATCH)
        if not pending:
            break
        assigned = _chained(conn, next_index, pending, previous[0] if previous else None, run)
        previous = [assigned[-1][3]]
        next_index += len(pending)
        repo.assign_indexes(conn, next_index, assigned)
        total += len(pending)
        if len(pending) < BATCH:
            break
    map_root = _grow_map(conn, key, head, run, next_index)
    _sign_checkpoint(conn, key, head, next_index, run.map_size, map_root)
    return total


def _chained(
    conn: psycopg.Connection[Any],
    first: int,
    pending: list[tuple[int, dict[str, Any]]],
    previous: bytes | None,
    run: _Run,
) -> list[tuple[int, int, dict[str, Any], bytes]]:
    """(entry_id, index, what the entry gains, leaf hash) for each pending entry in order.

    Every entry gains `prev_leaf_hash`, the leaf hash of the entry before it (`previous` for
    the first), so rewriting one and recomputing its hash is named by the entry after it.
    An entry naming a subject gains its place in that subject's chain: `subject_entry`, the
    count of entries naming them so far, this one included, and `subject_prev`, the index of
    the one before (None for the first). The tips are read and written one row per subject.
    """
    subjects = sorted({str(e["subject_id"]) for _, e in pending if e.get("subject_id")})
    unseen = [s for s in subjects if s not in run.now]
    stored = repo.subject_tips(conn, unseen)
    for subject in unseen:
        run.found[subject] = stored.get(subject)
    changed: set[str] = set()
    assigned = []
    for offset, (entry_id, entry) in enumerate(pending):
        index = first + offset
        additions: dict[str, Any] = {
            "index": index,
            "prev_leaf_hash": None if previous is None else b64url(previous),
        }
        whose = str(entry["subject_id"]) if entry.get("subject_id") else None
        tip = None
        if whose is not None:
            tip = run.now.get(whose) or run.found.get(whose)
            additions["subject_entry"] = 1 if tip is None else tip.entries + 1
            additions["subject_prev"] = None if tip is None else tip.last_index
        previous = leaf_hash({**entry, **additions})
        if whose is not None:
            position = run.position(whose) if tip is None else tip.position
            run.now[whose] = Tip(whose, position, additions["subject_entry"], index, previous)
            changed.add(whose)
        assigned.append((entry_id, index, additions, previous))
    repo.save_subject_tips(conn, [run.now[s] for s in sorted(changed)])
    return assigned


def _grow_map(
    conn: psycopg.Connection[Any], key: SigningKey, head: repo.LogHead, run: _Run, size: int
) -> bytes:
    """The subject map's root after this run: every tip the run found checked against the
    signed root (its old value folded up the stored path), then the run's tips written."""
    signed = head.checkpoint_map_root
    if signed is None:  # the first run after an upgrade that (re)built the map: 0181, 0235
        root, nodes = subject_map.root_of(_tips_from_log(conn, head, size))
        repo.save_map_nodes(conn, nodes)
        return root
    _check_signed_map(key, head)
    if not run.now:
        return bytes(signed)
    positions = {t.position for t in run.now.values()}
    stored = repo.map_nodes(conn, subject_map.nodes_for(positions) | {(0, p) for p in positions})
    held = repo.tips_at_positions(
        conn, positions
    )  # the run's tips already saved, as it leaves them
    leaves = {}
    for position in sorted(positions):
        ours = sorted(t.subject_id for t in held.get(position, []) if t.subject_id in run.now)
        before = [run.found[t.subject_id] if t.subject_id in run.now else t
                  for t in held.get(position, [])]  # fmt: skip
        leaf = subject_map.bucket_leaf(subject_map.pair(t) for t in before if t is not None)
        if stored.get((0, position), subject_map.empty(0)) != leaf or subject_map.fold(
            leaf, position, subject_map.path_from(stored, position)
        ) != bytes(signed):
            tip = run.found[ours[0]]
            was = (
                "no entry"
                if tip is None
                else f"{tip.entries} entries, the newest at {tip.last_index}"
            )
            raise LogTampered(
                f"subject {ours[0]}: the sequencer's tip ({was}) is not what the signed "
                "subject map holds; nothing was signed (run `bureau audit verify`)"
            )
        leaves[position] = subject_map.bucket_leaf(subject_map.pair(t) for t in held[position])
    changed = subject_map.rewrite(stored, leaves)
    repo.save_map_nodes(conn, changed)
    return changed[(subject_map.DEPTH, 0)]


def _tips_from_log(conn: psycopg.Connection[Any], head: repo.LogHead, size: int) -> list[Tip]:
    """Every subject's tip as the log itself proves it, for a map rebuilt without a signed
    root to check the stored tips against; raises LogTampered, naming what differs, when the
    log has a gap or the stored tips disagree with it.

    Why: clearing the map root is also open to someone with rights on the log tables, who
    would delete a subject's newest entry, roll their tip back and have the next run sign a
    map agreeing with the rollback. So the tips are not trusted here: every entry up to the
    largest size ever signed must be stored, at the index its hashed JSON records, and each
    subject's count and newest index come from the hashed `subject_id`, `subject_entry` and
    `index`, never from the copied columns. A full scan, acceptable because a rebuild happens
    only once, on the first run after an upgrade; the normal run never comes here.
    """
    latest = repo.latest_head(conn)
    signed = max(
        size, int(head.checkpoint_size or 0), 0 if latest is None else int(latest.tree_size)
    )
    held: dict[str, Tip] = {}
    count = 0
    for expected, row in enumerate(repo.all_entries(conn)):
        index, entry, stored_leaf = int(row.leaf_index), row.entry, bytes(row.leaf_hash)
        if index != expected:
            _refuse(f"entry {expected} is missing (the next stored index is {index})")
        if entry.get("index") != index:
            _refuse(f"entry {index}: its hashed index is {entry.get('index')}")
        if leaf_hash(entry) != stored_leaf:
            _refuse(f"entry {index}: its contents do not match its leaf hash")
        count = index + 1
        if not entry.get("subject_id"):
            continue
        whose = str(entry["subject_id"])
        before = held.get(whose)
        entries = 1 if before is None else before.entries + 1
        if entry.get("subject_entry", entries) != entries:  # absent: sequenced before chains
            _refuse(
                f"entry {index}: it says it is entry {entry['subject_entry']} of subject "
                f"{whose}, the log holds {entries - 1} before it"
            )
        held[whose] = Tip(whose, subject_map.position_of(whose), entries, index, stored_leaf)
    if count < signed:
        _refuse(f"entry {count} is missing: {signed} entries were signed, the log holds {count}")
    if count > signed:
        _refuse(f"entries {signed}..{count - 1} were numbered behind the sequencer")
    stored = {t.subject_id: t for t in repo.all_subject_tips(conn)}
    for whose in sorted(stored.keys() | held.keys()):
        tip, log = stored.get(whose), held.get(whose)
        if (
            tip is None
            or log is None
            or (tip.entries, tip.last_index) != (log.entries, log.last_index)
        ):
            says = (
                "no tip"
                if tip is None
                else f"{tip.entries} entries, the newest at {tip.last_index}"
            )
            holds = "none" if log is None else f"{log.entries}, the newest at {log.last_index}"
            _refuse(f"subject {whose}: the tip says {says}; the log holds {holds}")
        if tip.last_hash != log.last_hash:
            _refuse(f"subject {whose}: the tip's leaf hash is not that of entry {log.last_index}")
        if tip.position != log.position:
            _refuse(f"subject {whose}: the tip sits at map position {tip.position}, not at "
                    f"{log.position}, the one the subject's id gives")  # fmt: skip
    return list(held.values())


def _refuse(what: str) -> NoReturn:
    raise LogTampered(
        f"{what}; the subject map was not rebuilt and nothing was signed (run `bureau audit "
        "verify`)"
    )


def _check_signed_map(key: SigningKey, head: repo.LogHead) -> None:
    """The stored map root is the one the last checkpoint signed, with this bureau's key."""
    if (head.checkpoint_at is None or head.checkpoint_root is None
            or head.checkpoint_size is None or head.checkpoint_map_root is None):  # fmt: skip
        raise LogTampered(
            "the subject map has a root but the checkpoint that signed it is gone; nothing was "
            "signed (run `bureau audit verify`)"
        )
    data = subject_map.statement(
        epoch_millis(head.checkpoint_at), int(head.checkpoint_size),
        bytes(head.checkpoint_root), bytes(head.checkpoint_map_root),
    )  # fmt: skip
    signature = head.checkpoint_map_sig
    if signature is None or not subject_map.verify_statement(
        bytes(signature), data, [key.public_key]
    ):
        raise LogTampered(
            "the stored subject map root is not the one the last checkpoint signed with this "
            "bureau's signing key; nothing was signed (run `bureau audit verify`)"
        )


def _sign_checkpoint(
    conn: psycopg.Connection[Any],
    key: SigningKey,
    head: repo.LogHead,
    size: int,
    map_size: int,
    map_root: bytes,
) -> None:
    """Sign the tree of `size` leaves, grown from the last checkpoint (or, right after the
    upgrade that added checkpoints, from the newest published head), and the subject map
    bound to it."""
    old = head.checkpoint_size
    if old is None:
        latest = repo.latest_head(conn)
        old = 0 if latest is None else min(int(latest.tree_size), size)
    root = heads.grow(conn, int(old), size)
    at = datetime.now(UTC)
    if head.checkpoint_at is not None:
        at = max(at, head.checkpoint_at)  # monotonic, like the heads
    sth = heads.sign(key, size, root, at)
    map_signature = key.sign(
        subject_map.statement(epoch_millis(sth.head.timestamp), size, root, map_root)
    )
    repo.save_checkpoint(conn, size, root, sth.head.timestamp, sth.key_id, sth.signature,
                         map_size, map_root, map_signature)  # fmt: skip
