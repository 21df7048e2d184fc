"""Growing the stored tree and signing its root: shared by the sequencer's checkpoint and the
published tree heads.

Why one place: both sign the same RFC 6962 tree head bytes over the same stored nodes, and the
sequencer's checkpoint (signed on every run) is what keeps every node a later head needs
stored, so a head or proof never rehashes the log.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import psycopg

from bureau.audit import merkle, repo
from bureau.audit.errors import LogTampered
from bureau.audit.merkle import Node, SignedTreeHead, TreeHead
from bureau.signing import SigningKey


class StoredTree:
    """The tree as stored: leaves in `audit_log`, inner nodes in `audit_tree_nodes`."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def nodes(self, wanted: Iterable[Node]) -> dict[Node, bytes]:
        wanted = set(wanted)
        found = repo.nodes(self.conn, wanted)
        missing = wanted - found.keys()
        if missing:  # every node asked for lies under a signed size: it was stored, then removed
            raise LogTampered(f"stored tree nodes are missing: {sorted(missing)[:3]}")
        return found


def grow(conn: psycopg.Connection[Any], old: int, size: int) -> bytes:
    """Store the perfect subtrees that growing from `old` to `size` leaves completes; the root
    of the tree of `size` leaves."""
    frontier = StoredTree(conn).nodes(merkle.perfect_nodes(0, old))
    leaves = repo.leaf_hashes(conn, old, size)
    if len(leaves) != size - old:
        raise LogTampered(f"leaves {old}..{size - 1} are not all stored")
    created = merkle.extend(old, frontier, leaves)
    repo.insert_nodes(conn, {node: h for node, h in created.items() if node[0] > 0})
    return merkle.range_hash({**frontier, **created}, 0, size)


def sign(key: SigningKey, size: int, root: bytes, at: datetime) -> SignedTreeHead:
    return merkle.sign_tree_head(TreeHead(size, root, at), key.sign, key.kid)
