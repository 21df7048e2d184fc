"""The subject map: every subject's newest entry, committed in each signed checkpoint.

Why: a subject's chain (`subject_entry`, `subject_prev` in each leaf) shows an entry left out
*between* two shown ones, but not a deleted newest one: an attacker who deletes it and rolls
the sequencer's tips back leaves a shorter chain that is whole. So every checkpoint also signs
the root of a Merkle tree over each subject's tip, (how many entries name them, the index and
leaf hash of the newest). A subject is served their tip with its path to the signed root and
checks that the newest entry the bureau committed to is the newest one shown: deleting it, or
rolling the tip back, needs the signing key.

Shape: a binary tree of fixed depth 32 over map positions. A subject's position is derived
from their id (`position_of`: the first 32 bits of a hash of it), so a subject who knows their
id can ask for their position and check what the signed map holds there, even when every entry
and tip row about them is gone: "no entry about you" is proved (the position's bucket, folded
to the signed root, does not name them) or refuted, never taken on trust. Subjects whose ids
share a position share its leaf, a bucket: the hash of each one's `subject_key` (a hash of the
id, so a bucket shows no other subject's id) and tip leaf, in `subject_key` order; collisions are
rare (about n^2 / 2^33 for n subjects) and cost nothing but a longer leaf. Empty subtrees have
fixed hashes, so only non-empty nodes are stored, and changing one bucket rewrites its 33 nodes
(leaf to root): the map grows with subjects and each run costs in proportion to the subjects
whose entries it numbered, never to all of them. Before a bucket is changed its old value is
folded up the stored path and must give the signed root: a tip rolled back in the table is
refused by the sequencer, not signed over.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bureau.audit.merkle import Node, node_hash

DEPTH = 32
"""Levels below the root: room for 2**32 subjects."""

_EMPTY = [hashlib.sha256(b"\x02fairfile-subject-map/empty").digest()]
for _ in range(DEPTH):
    _EMPTY.append(node_hash(_EMPTY[-1], _EMPTY[-1]))
EMPTY_ROOT = _EMPTY[DEPTH]
"""The root of a map with no subject in it."""

STATEMENT_PREFIX = b"fairfile-subject-map/1\x00"
HOW_TO_VERIFY = (
    "position = first 4 bytes (big-endian) of SHA-256('fairfile-subject-map/position' 0x00 || "
    "your subject id (16 bytes)); subject_key = SHA-256('fairfile-subject-map/subject' 0x00 || "
    "subject id); tip_leaf = SHA-256(0x00 || 'fairfile-subject-tip/1' || subject id || uint64 "
    "position || uint64 entries || uint64 last_index || last_hash); bucket = (subject_key, "
    "tip_leaf) of yours (when entries > 0) and of each of `others`, sorted by subject_key; leaf "
    "= SHA-256(0x00 || 'fairfile-subject-bucket/1' || each subject_key || tip_leaf), or the "
    "empty leaf for no pair; fold `proof` (leaf side first; bit k of position set: the sibling "
    "is on the left) with SHA-256(0x01 || left || right) to map_root; check `map_signature` "
    "over 'fairfile-subject-map/1' 0x00 uint64 timestamp_ms uint64 tree_size tree_root "
    "map_root (Ed25519). No subject_key of `others` may be yours. entries = 0: the signed map "
    "holds no entry about you; otherwise the entry at last_index, with leaf_hash last_hash and "
    "subject_entry = entries, must be shown to you"
)


@dataclass(frozen=True)
class Tip:
    """A subject's newest entry as the map commits it."""

    subject_id: str
    position: int
    entries: int
    last_index: int
    last_hash: bytes


def empty(level: int) -> bytes:
    return _EMPTY[level]


def position_of(subject_id: str) -> int:
    """The subject's map position: derived from the id, so no row of the bureau's is needed to
    find it (a subject whose every entry and tip row were deleted still knows where to look)."""
    digest = hashlib.sha256(b"fairfile-subject-map/position\x00" + UUID(subject_id).bytes)
    return int.from_bytes(digest.digest()[:4], "big")


def subject_key(subject_id: str) -> bytes:
    """Who a bucket's pair belongs to, without showing the id to another subject."""
    return hashlib.sha256(b"fairfile-subject-map/subject\x00" + UUID(subject_id).bytes).digest()


def bucket_leaf(pairs: Iterable[tuple[bytes, bytes]]) -> bytes:
    """The leaf of one position: its (subject_key, tip leaf) pairs in subject_key order, or
    the empty leaf when no subject is there."""
    ordered = sorted(pairs)
    if not ordered:
        return empty(0)
    return hashlib.sha256(
        b"\x00fairfile-subject-bucket/1" + b"".join(k + leaf for k, leaf in ordered)
    ).digest()


def pair(tip: Tip) -> tuple[bytes, bytes]:
    return subject_key(tip.subject_id), tip_leaf(tip)


def buckets(tips: Iterable[Tip]) -> dict[int, bytes]:
    """Position -> leaf for every position holding a tip."""
    grouped: dict[int, list[tuple[bytes, bytes]]] = {}
    for tip in tips:
        grouped.setdefault(tip.position, []).append(pair(tip))
    return {position: bucket_leaf(pairs) for position, pairs in grouped.items()}


def tip_leaf(tip: Tip) -> bytes:
    return hashlib.sha256(
        b"\x00fairfile-subject-tip/1"
        + UUID(tip.subject_id).bytes
        + struct.pack(">QQQ", tip.position, tip.entries, tip.last_index)
        + tip.last_hash
    ).digest()


def siblings(position: int) -> list[Node]:
    """The nodes a position's path needs, leaf side first: one per level below the root."""
    return [(level, (position >> level) ^ 1) for level in range(DEPTH)]


def fold(leaf: bytes, position: int, path: Sequence[bytes]) -> bytes:
    """The root a leaf at `position` reaches through `path` (its siblings, leaf side first)."""
    value = leaf
    for level, sibling in enumerate(path):
        value = (
            node_hash(value, sibling) if not (position >> level) & 1 else node_hash(sibling, value)
        )
    return value


def path_from(stored: Mapping[Node, bytes], position: int) -> list[bytes]:
    return [stored.get(node, empty(node[0])) for node in siblings(position)]


def nodes_for(positions: Iterable[int]) -> set[Node]:
    """Every stored node that checking and rewriting these positions' paths reads."""
    return {node for p in positions for node in siblings(p)}


def rewrite(stored: Mapping[Node, bytes], leaves: Mapping[int, bytes]) -> dict[Node, bytes]:
    """The nodes, leaves to root, that setting `leaves` (position -> leaf hash) changes;
    `stored` must hold at least `nodes_for(leaves)`."""
    changed: dict[Node, bytes] = {(0, p): h for p, h in leaves.items()}
    level_positions = set(leaves)
    for level in range(DEPTH):
        parents = {p >> 1 for p in level_positions}
        for parent in parents:
            left, right = (level, 2 * parent), (level, 2 * parent + 1)
            changed[(level + 1, parent)] = node_hash(
                changed.get(left, stored.get(left, empty(level))),
                changed.get(right, stored.get(right, empty(level))),
            )
        level_positions = parents
    return changed


def root_of(tips: Iterable[Tip]) -> tuple[bytes, dict[Node, bytes]]:
    """The whole map built from tips (the first run after the upgrade, and `verify`)."""
    nodes = rewrite({}, buckets(tips))
    return nodes.get((DEPTH, 0), EMPTY_ROOT), nodes


def statement(timestamp_ms: int, tree_size: int, tree_root: bytes, map_root: bytes) -> bytes:
    """What the checkpoint's map signature covers: the map bound to one signed tree."""
    return STATEMENT_PREFIX + struct.pack(">QQ", timestamp_ms, tree_size) + tree_root + map_root


def verify_statement(signature: bytes, data: bytes, keys: Sequence[Ed25519PublicKey]) -> bool:
    for key in keys:
        try:
            key.verify(signature, data)
        except InvalidSignature:
            continue
        return True
    return False
