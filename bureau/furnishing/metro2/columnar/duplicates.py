"""Accounts a file reports more than once, found in memory that does not grow by a Python
object per account.

An ingest refuses every record of an account reported twice, so it must know the repeated
accounts before it applies the first record: one pass over the whole file. A dict of every
account key (two strings, a tuple, a list of record numbers: about 300 bytes per account) made
that pass, and so the ingest, hold memory in proportion to the file; at 1,000,000 records it
was most of the ingest's peak. Here the first pass keeps only each key's 64-bit hash (8 bytes
per record, in one array) and the keys themselves are collected in a second pass, for the
hashes that repeat, which a file without a repeated account (or a hash collision) never makes.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import numpy as np

from bureau.furnishing.metro2.columnar.blocks import BLOCK, BlockReader, Plain
from bureau.furnishing.metro2.layout import BASE
from bureau.furnishing.metro2.records import Record
from bureau.furnishing.metro2.validate import AccountKey, account_key


def account_keys(block: Plain) -> list[AccountKey]:
    """validate.account_key of every row of a block (texts read as latin-1, stripped)."""
    out = []
    for name in ("identification_number", "consumer_account_number"):
        raw = block.rows[:, BASE[name].slice]
        texts = [t.decode("latin-1").strip() for t in
                 np.ascontiguousarray(raw).view(f"S{raw.shape[1]}").ravel().tolist()]  # fmt: skip
        for i in np.flatnonzero((raw == 0).any(axis=1)).tolist():  # NULs: the S view drops them
            texts[i] = raw[i].tobytes().decode("latin-1").strip()
        out.append(texts)
    return list(zip(out[0], out[1], strict=True))


def _keyed_records(stream: BinaryIO, block: int) -> Iterator[list[tuple[AccountKey, int]]]:
    """Per block, (account key, record number) of each base record that names an account."""
    for found in BlockReader(stream, block):
        pairs: Iterable[tuple[AccountKey, int]]
        if isinstance(found, Plain):
            pairs = zip(account_keys(found), found.numbers.tolist(), strict=True)
        else:
            pairs = ((account_key(i), i.number) for i in found
                     if isinstance(i, Record) and i.kind == "base")  # fmt: skip
        yield [(key, number) for key, number in pairs if key[1]]


def repeated_hashes(hashes: array[int]) -> set[int]:
    """The values occurring more than once (the array is sorted in place)."""
    values = np.frombuffer(hashes, dtype=np.int64) if len(hashes) else np.empty(0, np.int64)
    values.sort()
    return set(values[1:][values[1:] == values[:-1]].tolist())


def duplicate_accounts(stream: BinaryIO, block: int = BLOCK) -> dict[AccountKey, list[int]]:
    """validate.duplicate_accounts of a seekable stream, read by blocks from where it stands:
    accounts reported by more than one base record, with those records' numbers in file
    order. The stream is left at its end."""
    start = stream.tell()
    hashes = array("q")
    for pairs in _keyed_records(stream, block):
        hashes.extend(hash(key) for key, _ in pairs)
    repeated = repeated_hashes(hashes)
    del hashes
    if not repeated:
        return {}
    stream.seek(start)
    seen: dict[AccountKey, list[int]] = {}
    for pairs in _keyed_records(stream, block):
        for key, number in pairs:
            if hash(key) in repeated:
                seen.setdefault(key, []).append(number)
    return {key: numbers for key, numbers in seen.items() if len(numbers) > 1}
