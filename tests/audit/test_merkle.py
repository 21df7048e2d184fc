"""The access log's Merkle tree: proofs a subject or an auditor can check for themselves.

Every proof the bureau produces is checked twice: with the RFC 9162 verification algorithms in
`bureau.audit.merkle`, and with an independent verifier written here from the recursive RFC 6962
definitions, so a bug shared by the generator and the verifier cannot hide.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bureau.audit.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    SignedTreeHead,
    TreeHead,
    leaf_hash,
    sign_tree_head,
    verify_consistency,
    verify_inclusion,
    verify_tree_head,
)
from bureau.signing import SigningKey

# Independent reference implementation (recursive, straight from RFC 6962 §2.1) ------------------


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def reference_root(leaves: list[bytes]) -> bytes:
    if not leaves:
        return _h(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = _k(len(leaves))
    return _h(b"\x01" + reference_root(leaves[:k]) + reference_root(leaves[k:]))


def reference_root_from_path(leaf: bytes, m: int, n: int, path: list[bytes]) -> bytes:
    """Rebuild MTH(D[0:n]) from the leaf at m and PATH(m, D[0:n])."""
    if n == 1:
        assert not path
        return leaf
    assert path, "path too short"
    k = _k(n)
    *inner, last = path
    if m < k:
        return _h(b"\x01" + reference_root_from_path(leaf, m, k, inner) + last)
    return _h(b"\x01" + last + reference_root_from_path(leaf, m - k, n - k, inner))


def reference_roots_from_consistency(
    m: int, n: int, whole: bool, path: list[bytes], old_root: bytes
) -> tuple[bytes, bytes]:
    """Rebuild (MTH(D[0:m]), MTH(D[0:n])) from SUBPROOF(m, D[0:n], whole)."""
    if m == n:
        if whole:
            assert not path
            return old_root, old_root
        assert len(path) == 1
        return path[0], path[0]
    assert path, "path too short"
    k = _k(n)
    *inner, last = path
    if m <= k:
        old, new = reference_roots_from_consistency(m, k, whole, inner, old_root)
        return old, _h(b"\x01" + new + last)
    old, new = reference_roots_from_consistency(m - k, n - k, False, inner, old_root)
    return _h(b"\x01" + last + old), _h(b"\x01" + last + new)


def leaves_of(size: int, salt: bytes = b"") -> list[bytes]:
    return [leaf_hash(salt + i.to_bytes(8, "big")) for i in range(size)]


# Tree hash -------------------------------------------------------------------------------------


def test_empty_tree_hash_is_sha256_of_nothing() -> None:
    assert MemoryTree([]).root() == EMPTY_ROOT == hashlib.sha256(b"").digest()


def test_known_answer_from_rfc6962_test_vectors() -> None:
    """The eight test leaves used by RFC 6962 implementations (certificate-transparency-go)."""
    data = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        b"\x50\x51\x52\x53\x54\x55\x56\x57",
        b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
    ]
    tree = MemoryTree(leaf_hash(d) for d in data)
    assert tree.root().hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert tree.root(1).hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert tree.root(3).hex() == "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=16), max_size=70))
def test_tree_hash_matches_the_recursive_definition(data: list[bytes]) -> None:
    leaves = [leaf_hash(d) for d in data]
    tree = MemoryTree(leaves)
    for size in range(len(leaves) + 1):
        assert tree.root(size) == reference_root(leaves[:size])


# Inclusion -------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=140), st.binary(max_size=4))
def test_every_leafs_inclusion_proof_verifies(size: int, salt: bytes) -> None:
    leaves = leaves_of(size, salt)
    tree = MemoryTree(leaves)
    root = tree.root()
    for index, leaf in enumerate(leaves):
        proof = tree.inclusion_proof(index)
        assert verify_inclusion(leaf, index, size, proof, root)
        assert reference_root_from_path(leaf, index, size, proof) == root


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=100), st.data())
def test_inclusion_in_an_older_tree_size_verifies_against_that_sizes_root(
    size: int, data: st.DataObject
) -> None:
    tree = MemoryTree(leaves_of(size))
    at_size = data.draw(st.integers(min_value=1, max_value=size))
    index = data.draw(st.integers(min_value=0, max_value=at_size - 1))
    proof = tree.inclusion_proof(index, at_size)
    assert verify_inclusion(tree.levels[0][index], index, at_size, proof, tree.root(at_size))


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=120), st.data())
def test_a_tampered_leaf_fails_its_inclusion_proof(size: int, data: st.DataObject) -> None:
    leaves = leaves_of(size)
    tree = MemoryTree(leaves)
    root = tree.root()
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = tree.inclusion_proof(index)
    tampered = leaf_hash(b"rewritten entry")
    assert not verify_inclusion(tampered, index, size, proof, root)
    # The tampered log has a different root, and the original proof does not fit it either.
    rewritten = MemoryTree([*leaves[:index], tampered, *leaves[index + 1 :]])
    assert rewritten.root() != root
    assert not verify_inclusion(leaves[index], index, size, proof, rewritten.root())


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=2, max_value=120), st.data())
def test_a_proof_for_the_wrong_index_or_a_changed_sibling_fails(
    size: int, data: st.DataObject
) -> None:
    leaves = leaves_of(size)
    tree = MemoryTree(leaves)
    root = tree.root()
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    other = data.draw(st.integers(min_value=0, max_value=size - 1).filter(lambda i: i != index))
    proof = tree.inclusion_proof(index)
    assert not verify_inclusion(leaves[index], other, size, proof, root)
    position = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    bent = [*proof[:position], leaf_hash(b"x"), *proof[position + 1 :]]
    assert not verify_inclusion(leaves[index], index, size, bent, root)
    assert not verify_inclusion(leaves[index], index, size, proof[:-1], root)
    assert not verify_inclusion(leaves[index], index, size, [*proof, proof[-1]], root)


def test_inclusion_refuses_indexes_outside_the_tree() -> None:
    tree = MemoryTree(leaves_of(4))
    assert not verify_inclusion(tree.levels[0][0], 4, 4, tree.inclusion_proof(0), tree.root())
    assert not verify_inclusion(tree.levels[0][0], -1, 4, tree.inclusion_proof(0), tree.root())


# Consistency -----------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=70))
def test_consistency_between_any_two_sizes_verifies(size: int) -> None:
    tree = MemoryTree(leaves_of(size))
    for old in range(size + 1):
        for new in range(old, size + 1):
            proof = tree.consistency_proof(old, new)
            old_root, new_root = tree.root(old), tree.root(new)
            assert verify_consistency(old, new, old_root, new_root, proof), (old, new)
            if 0 < old < new:
                assert reference_roots_from_consistency(old, new, True, proof, old_root) == (
                    old_root,
                    new_root,
                )


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=2, max_value=200), st.data())
def test_a_rewritten_history_fails_the_consistency_proof(size: int, data: st.DataObject) -> None:
    leaves = leaves_of(size)
    old = data.draw(st.integers(min_value=1, max_value=size - 1))
    changed = data.draw(st.integers(min_value=0, max_value=old - 1))
    honest_old_root = MemoryTree(leaves[:old]).root()
    rewritten = MemoryTree([*leaves[:changed], leaf_hash(b"forged"), *leaves[changed + 1 :]])
    proof = rewritten.consistency_proof(old)
    assert not verify_consistency(old, size, honest_old_root, rewritten.root(), proof)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=3, max_value=150), st.data())
def test_a_changed_consistency_proof_element_fails(size: int, data: st.DataObject) -> None:
    tree = MemoryTree(leaves_of(size))
    old = data.draw(st.integers(min_value=1, max_value=size - 1))
    proof = tree.consistency_proof(old)
    position = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    bent = [*proof[:position], leaf_hash(b"x"), *proof[position + 1 :]]
    assert not verify_consistency(old, size, tree.root(old), tree.root(), bent)
    assert not verify_consistency(old, size, tree.root(old), tree.root(), proof[:-1])


def test_a_shrunk_log_has_no_consistency_proof() -> None:
    tree = MemoryTree(leaves_of(5))
    assert not verify_consistency(5, 4, tree.root(5), tree.root(4), [])


# Signed tree heads -----------------------------------------------------------------------------


def test_signed_tree_head_verifies_with_the_public_key_and_fails_when_changed() -> None:
    key = SigningKey.from_seed(bytes(range(32)))
    tree = MemoryTree(leaves_of(11))
    at = datetime(2026, 11, 25, 9, 30, 0, 123456, tzinfo=UTC)
    sth = sign_tree_head(TreeHead(11, tree.root(), at), key.sign, key.kid)
    assert verify_tree_head(sth, key.public_key)
    assert sth.head.timestamp == datetime(2026, 11, 25, 9, 30, 0, 123000, tzinfo=UTC)
    grown = SignedTreeHead(
        TreeHead(12, sth.head.root_hash, sth.head.timestamp), sth.key_id, sth.signature
    )
    assert not verify_tree_head(grown, key.public_key)
    other = SigningKey.from_seed(bytes(32))
    assert not verify_tree_head(sth, other.public_key)


# Growing a stored tree ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=80), st.integers(min_value=0, max_value=80))
def test_extending_a_tree_creates_exactly_the_newly_completed_subtrees(old: int, more: int) -> None:
    from bureau.audit.merkle import extend, perfect_nodes

    leaves = leaves_of(old + more)
    full = MemoryTree(leaves)
    frontier = full.nodes(perfect_nodes(0, old))
    created = extend(old, frontier, leaves[old:])
    expected = {
        (level, idx): full.levels[level][idx]
        for level in range(len(full.levels))
        for idx in range(len(full.levels[level]))
        if ((idx + 1) << level) > old
    }
    assert created == expected


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=150))
def test_streaming_roots_match_the_tree_at_every_size(size: int) -> None:
    from bureau.audit.merkle import RootAccumulator

    leaves = leaves_of(size)
    seen: dict[tuple[int, int], bytes] = {}
    acc = RootAccumulator(on_node=seen.__setitem__)
    full = MemoryTree(leaves)
    assert acc.root() == EMPTY_ROOT
    for i, leaf in enumerate(leaves):
        acc.push(leaf)
        assert acc.root() == full.root(i + 1)
    assert seen == {
        (level, idx): full.levels[level][idx]
        for level in range(1, len(full.levels))
        for idx in range(len(full.levels[level]))
    }
