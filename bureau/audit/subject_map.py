"""The subject map: every subject's newest entry, committed in each signed checkpoint.

Why: a subject's chain (`subject_entry`, `subject_prev` in each leaf) shows an entry left out
*between* two shown ones, but not a deleted newest one: an attacker who deletes it and rolls
the sequencer's tips back leaves a shorter chain that is whole. So every checkpoint also signs
the root of a Merkle tree over each subject's tip, (how many entries name them, the index and
leaf hash of the newest). A subject is served their tip with its path to the signed root and
checks that the newest entry the bureau committed to is the newest one shown: deleting it, or
rolling the tip back, needs the signing key.

Shape: a binary tree of fixed depth 32 over map positions (a subject's position is given when
it is first sequenced, in order, so positions are dense and never move). Empty subtrees have
fixed hashes, so only non-empty nodes are stored, and changing one tip rewrites its 33 nodes
(leaf to root): the map grows with subjects and each run costs in proportion to the subjects
whose entries it numbered, never to all of them. Before a tip is changed its old value is
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
    "leaf = SHA-256(0x00 || 'fairfile-subject-tip/1' || subject id (16 bytes) || uint64 position "
    "|| uint64 entries || uint64 last_index || last_hash); fold `proof` (leaf side first; bit k "
    "of position set: the sibling is on the left) with SHA-256(0x01 || left || right) to "
    "map_root; check `signature` over 'fairfile-subject-map/1' 0x00 uint64 timestamp_ms uint64 "
    "tree_size tree_root map_root (Ed25519). The entry at last_index, with leaf_hash last_hash "
    "and subject_entry = entries, must be shown to you"
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
    nodes = rewrite({}, {t.position: tip_leaf(t) for t in tips})
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
