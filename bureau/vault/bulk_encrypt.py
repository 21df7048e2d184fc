"""Encryption of a whole batch of values at once (bulk furnishing).

`cryptography` has no batch AEAD: each value is one AES-GCM call into OpenSSL, and that is
the limit. What a batch saves is what surrounds each call in SubjectCipher.encrypt: the
batch's nonces come from the OS in one block (no lock per value), and each data key's AES-GCM
context and the associated data's subject prefix are the cipher's own, built once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from bureau.vault.vault import _HEADER, _VERSION, SubjectCipher


def encrypt_many(items: Sequence[tuple[SubjectCipher, str, str]]) -> list[bytes]:
    """SubjectCipher.encrypt(kind, text) of each (cipher, kind, text), in order: the same
    layout, each under its subject's current data key with a fresh random nonce."""
    pool = os.urandom(12 * len(items))  # one system call for the batch's nonces
    out: list[bytes] = []
    for at, (cipher, kind, text) in enumerate(items):
        nonce = pool[12 * at : 12 * at + 12]
        version = cipher.key_version
        sealed = cipher._context(version).encrypt(nonce, text.encode(), cipher._aad(kind))
        out.append(_HEADER.pack(_VERSION, version) + nonce + sealed)
    return out
