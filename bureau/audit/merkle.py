"""RFC 6962 Merkle tree: tree hash, inclusion and consistency proofs, signed tree heads.

Why a Merkle tree over the access log: a subject holding one signed tree head can check that
their entry is in the log (inclusion proof), and anyone holding an older head can check that
the log only grew since (consistency proof) — so not even the operator can quietly drop or
rewrite who read a file. The algorithms follow RFC 6962 §2.1 (generation) and RFC 9162
§2.1.3.2 / §2.1.4.2 (verification); hashes are SHA-256 with 0x00 / 0x01 domain prefixes.

Proofs are computed in two steps so the same code serves a list in memory and a database:
`inclusion_ranges` / `consistency_ranges` say *which* subtrees the proof is made of (pure
arithmetic on sizes), and `range_hash` computes each from the hashes of aligned perfect
subtrees that a `NodeSource` supplies (a stored node table can answer in one query).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}) = SHA-256 of the empty string (RFC 6962 §2.1)."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n > 1): where RFC 6962 splits."""
    return 1 << ((n - 1).bit_length() - 1)


Range = tuple[int, int]
"""A half-open range of leaf indexes [start, end) whose tree hash is MTH(D[start:end])."""

Node = tuple[int, int]
"""An aligned perfect subtree: (level, i) covers the leaves [i * 2**level, (i + 1) * 2**level)."""


def perfect_nodes(start: int, end: int) -> list[Node]:
    """The aligned perfect subtrees, left to right, whose right fold is MTH(D[start:end]).

    Holds for every range the RFC 6962 recursion produces: there `start` is a multiple of the
    next power of two at or above the range's length, so the binary digits of the length,
    largest first, carve the range into aligned perfect subtrees.
    """
    nodes: list[Node] = []
    position = start
    remaining = end - start
    for level in range(remaining.bit_length() - 1, -1, -1):
        if remaining & (1 << level):
            nodes.append((level, position >> level))
            position += 1 << level
    return nodes


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(index, D[0:size]) as ranges, leaf-side first (RFC 6962 §2.1.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start = start + k
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """PROOF(old_size, D[0:new_size]) as ranges (RFC 6962 §2.1.2); empty when the sizes agree."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"cannot prove size {old_size} consistent with size {new_size}")
    if old_size in (0, new_size):
        return []
    ranges: list[Range] = []
    m, start, end, whole = old_size, 0, new_size, True
    while True:
        n = end - start
        if m == n:
            if not whole:
                ranges.append((start, end))
            break
        k = _split(n)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            m -= k
            start = start + k
            whole = False
    ranges.reverse()
    return ranges


class NodeSource(Protocol):
    """Supplies hashes of aligned perfect subtrees (level 0 = the leaf hashes)."""

    def nodes(self, wanted: Iterable[Node]) -> Mapping[Node, bytes]: ...


def nodes_needed(ranges: Iterable[Range]) -> set[Node]:
    return {node for start, end in ranges for node in perfect_nodes(start, end)}


def range_hash(nodes: Mapping[Node, bytes], start: int, end: int) -> bytes:
    """MTH(D[start:end]) from the perfect subtrees covering it, folded from the right."""
    if start == end:
        return EMPTY_ROOT
    pieces = [nodes[node] for node in perfect_nodes(start, end)]
    acc = pieces[-1]
    for piece in reversed(pieces[:-1]):
        acc = node_hash(piece, acc)
    return acc


def _hashes(source: NodeSource, ranges: Sequence[Range]) -> list[bytes]:
    nodes = source.nodes(nodes_needed(ranges))
    return [range_hash(nodes, start, end) for start, end in ranges]


def tree_root(source: NodeSource, size: int) -> bytes:
    return _hashes(source, [(0, size)])[0] if size else EMPTY_ROOT


def inclusion_proof(source: NodeSource, index: int, size: int) -> list[bytes]:
    return _hashes(source, inclusion_ranges(index, size))


def consistency_proof(source: NodeSource, old_size: int, new_size: int) -> list[bytes]:
    return _hashes(source, consistency_ranges(old_size, new_size))


def extend(
    old_size: int, frontier: Mapping[Node, bytes], leaves: Sequence[bytes]
) -> dict[Node, bytes]:
    """Every perfect subtree completed by appending `leaves` to a tree of `old_size` leaves.

    `frontier` holds the old tree's right edge, `perfect_nodes(0, old_size)`: the only old
    nodes a new one can need. Returns the new nodes of every level, leaves (level 0) included.
    """
    new_size = old_size + len(leaves)
    known: dict[Node, bytes] = dict(frontier)
    created: dict[Node, bytes] = {(0, old_size + i): leaf for i, leaf in enumerate(leaves)}
    known.update(created)
    for level in range(1, new_size.bit_length()):
        for idx in range(old_size >> level, new_size >> level):
            value = node_hash(known[(level - 1, 2 * idx)], known[(level - 1, 2 * idx + 1)])
            known[(level, idx)] = created[(level, idx)] = value
    return created


class RootAccumulator:
    """Streams leaves and gives the root at any size, holding only the O(log n) right edge.

    Used to recompute a large log from scratch (audit verification) without keeping it all.
    `on_node` sees every perfect subtree as it completes, to compare with stored nodes.
    """

    def __init__(self, on_node: Callable[[Node, bytes], None] | None = None) -> None:
        self.size = 0
        self._edge: list[tuple[int, bytes]] = []  # (level, hash), levels strictly decreasing
        self._on_node = on_node

    def push(self, leaf: bytes) -> None:
        level, value, index = 0, leaf, self.size
        while self._edge and self._edge[-1][0] == level:
            _, left = self._edge.pop()
            value = node_hash(left, value)
            level += 1
            index >>= 1
            if self._on_node is not None:
                self._on_node((level, index), value)
        self._edge.append((level, value))
        self.size += 1

    def root(self) -> bytes:
        if not self._edge:
            return EMPTY_ROOT
        acc = self._edge[-1][1]
        for _, left in reversed(self._edge[:-1]):
            acc = node_hash(left, acc)
        return acc


class MemoryTree:
    """A tree over leaf hashes held in memory, with every aligned perfect subtree precomputed.

    Building costs n-1 hashes once; each proof afterwards costs O(log² n) at most.
    """

    def __init__(self, leaf_hashes: Iterable[bytes]) -> None:
        level0 = list(leaf_hashes)
        self.levels: list[list[bytes]] = [level0]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append(
                [node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
            )

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def nodes(self, wanted: Iterable[Node]) -> dict[Node, bytes]:
        return {(level, index): self.levels[level][index] for level, index in wanted}

    def root(self, size: int | None = None) -> bytes:
        return tree_root(self, self.size if size is None else size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(self, index, self.size if size is None else size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        return consistency_proof(self, old_size, self.size if new_size is None else new_size)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does `proof` show leaf hash `leaf` at `index` in the tree `root`?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: does `proof` show the tree `old_root` is a prefix of `new_root`?"""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


# Signed tree heads ------------------------------------------------------------------------------


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_millis(at: datetime) -> int:
    """Whole milliseconds since the epoch, in integer arithmetic (floats would drift by one)."""
    return (at - _EPOCH) // timedelta(milliseconds=1)


def from_epoch_millis(millis: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=millis)


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    root_hash: bytes
    timestamp: datetime

    def signed_bytes(self) -> bytes:
        """RFC 6962 §3.5 TreeHeadSignature: version v1 (0), signature_type tree_hash (1),
        uint64 timestamp (ms since the epoch), uint64 tree_size, 32-byte root hash."""
        if len(self.root_hash) != 32:
            raise ValueError("root hash must be 32 bytes (SHA-256)")
        return struct.pack(">BBQQ", 0, 1, epoch_millis(self.timestamp), self.tree_size) + (
            self.root_hash
        )


@dataclass(frozen=True)
class SignedTreeHead:
    head: TreeHead
    key_id: str
    signature: bytes


def sign_tree_head(head: TreeHead, sign: Callable[[bytes], bytes], key_id: str) -> SignedTreeHead:
    """Sign with the bureau's key (`bureau.signing.SigningKey.sign`); timestamps keep ms only."""
    at = from_epoch_millis(epoch_millis(head.timestamp))
    exact = TreeHead(head.tree_size, head.root_hash, at)
    return SignedTreeHead(exact, key_id, sign(exact.signed_bytes()))


def verify_tree_head(sth: SignedTreeHead, public_key: Ed25519PublicKey) -> bool:
    try:
        public_key.verify(sth.signature, sth.head.signed_bytes())
    except InvalidSignature:
        return False
    return True
