"""Blind indexes a batch at a time: the same digests as one HMAC per value."""

from __future__ import annotations

import hmac
import pickle

import pytest

from bureau.vault import Vault
from bureau.vault.indexer import BlindIndexer


@pytest.mark.parametrize("key", [b"", b"k" * 16, b"\x07" * 32, b"\xff" * 64, b"long" * 40])
def test_batched_hmac_is_hmac_sha256_of_every_message(key: bytes) -> None:
    messages = [b"", b"a", b"name\x00ANA GARCIA", b"x" * 55, b"y" * 64, b"z" * 1000]
    assert BlindIndexer(key).digests(messages) == [hmac.digest(key, m, "sha256") for m in messages]


def test_batched_blind_indexes_match_the_vaults_one_by_one(vault: Vault) -> None:
    indexer = vault.blind_indexer()
    cases = {
        "name": ["Mary-Ann O'Brien", "MARY ANN OBRIEN", "Zoë Lee"],
        "national_id": ["123-45-6789", "123456789"],
        "dob": ["1980-02-29", "02291980"],
        "address": ["12 Oak Avenue, Casper WY 82601"],
        "phone": ["(307) 555-0100"],
        "account": [" acct-1 "],
    }
    for kind, values in cases.items():
        assert indexer.indexes(kind, values) == [vault.blind_index(kind, v) for v in values]


def test_an_indexer_sent_to_a_worker_indexes_with_the_same_key(vault: Vault) -> None:
    indexer = pickle.loads(pickle.dumps(vault.blind_indexer()))
    assert indexer.indexes("name", ["ANA GARCIA"]) == [vault.blind_index("name", "ANA GARCIA")]
