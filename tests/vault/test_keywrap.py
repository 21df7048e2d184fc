import secrets

import pytest
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

from bureau.vault.keywrap import wrap_many


def test_batched_wrap_is_exactly_rfc_3394_key_wrap() -> None:
    kek = secrets.token_bytes(32)
    keys = [secrets.token_bytes(32) for _ in range(50)]
    wrapped = wrap_many(kek, keys)
    assert wrapped == [aes_key_wrap(kek, key) for key in keys]
    assert [aes_key_unwrap(kek, w) for w in wrapped] == keys


def test_batched_wrap_matches_the_rfc_3394_test_vector() -> None:
    # RFC 3394 section 4.6: 256 bits of key data with a 256-bit KEK
    kek = bytes.fromhex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
    key = bytes.fromhex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
    expected = "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"
    assert wrap_many(kek, [key]) == [bytes.fromhex(expected)]


def test_keys_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="share one length"):
        wrap_many(secrets.token_bytes(32), [secrets.token_bytes(32), secrets.token_bytes(24)])
