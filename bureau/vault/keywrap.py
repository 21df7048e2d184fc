"""RFC 3394 AES key wrap of many data keys at once.

A bulk ingest creates a data key for every new consumer and wraps it under the master key.
RFC 3394 runs 6·n AES block encryptions per key, one after another, so wrapping keys one at a
time costs thousands of tiny cipher calls per batch. The steps of *different* keys are
independent, though, and AES-ECB encrypts each 16-byte block on its own: step k of every
key in the batch is one ECB call over all of them. The output is byte-for-byte what
`cryptography`'s `aes_key_wrap` gives (tests/vault/test_keywrap.py checks it), so unwrapping
stays the library's `aes_key_unwrap`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_IV = bytes.fromhex("A6A6A6A6A6A6A6A6")  # RFC 3394 section 2.2.3.1, the default initial value


def wrap_many(kek: bytes, keys: Sequence[bytes]) -> list[bytes]:
    """Each key wrapped under `kek` (RFC 3394); keys must share one length, a multiple of 8."""
    if not keys:
        return []
    length = len(keys[0])
    if length < 16 or length % 8 or any(len(key) != length for key in keys):
        raise ValueError("keys to wrap must share one length: a multiple of 8, at least 16")
    n = length // 8
    if 6 * n > 255:
        raise ValueError("keys longer than 336 bytes are not supported")
    # blocks[:, 0] is the integrity register A, blocks[:, 1:] the key's 64-bit blocks R
    blocks = np.empty((len(keys), n + 1, 8), dtype=np.uint8)
    blocks[:, 0] = np.frombuffer(_IV, dtype=np.uint8)
    blocks[:, 1:] = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), n, 8)
    encryptor = Cipher(algorithms.AES(kek), modes.ECB()).encryptor()
    for j in range(6):
        for i in range(1, n + 1):
            plain = np.concatenate((blocks[:, 0], blocks[:, i]), axis=1)
            out = np.frombuffer(encryptor.update(plain.tobytes()), dtype=np.uint8)
            out = out.reshape(len(keys), 16)
            blocks[:, 0] = out[:, :8]
            blocks[:, 0, 7] ^= n * j + i  # A = MSB(B) xor t, t < 256 (its low byte only)
            blocks[:, i] = out[:, 8:]
    return [row.tobytes() for row in blocks.reshape(len(keys), (n + 1) * 8)]
