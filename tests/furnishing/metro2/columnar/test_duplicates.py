"""Finding the accounts a file reports twice holds memory per record, not a Python object per
account, and the ingest's validator, given them, remembers no account: what made an ingest's
peak memory grow with the file (docs/performance.md, "Stop 29")."""

from __future__ import annotations

import io
import tracemalloc

import pytest

from bureau.furnishing.metro2.columnar import duplicates as module
from bureau.furnishing.metro2.columnar.duplicates import duplicate_accounts
from bureau.furnishing.metro2.columnar.validate import ColumnarValidator
from bureau.furnishing.metro2.parse import parse_bytes
from bureau.furnishing.metro2.synthetic import records
from bureau.furnishing.metro2.validate import AccountKey
from bureau.furnishing.metro2.validate import duplicate_accounts as reference_duplicates
from bureau.furnishing.metro2.write import item_bytes

LINE = 427  # a plain base record and its line ending


def synthetic(n: int, seed: int = 3) -> bytes:
    return b"".join(item_bytes(r) for r in records(n, seed=seed))


def with_repeats(n: int) -> bytes:
    """A synthetic file where record 10 repeats record 4's account and 20 repeats 5's twice."""
    data = bytearray(synthetic(n))
    for source, target in ((4, 10), (5, 20), (5, 21)):
        data[LINE * target : LINE * (target + 1)] = data[LINE * source : LINE * (source + 1)]
    return bytes(data)


def test_accounts_reported_twice_are_found_with_every_record_number() -> None:
    data = with_repeats(40)
    found = duplicate_accounts(io.BytesIO(data), 1 << 12)
    assert found == reference_duplicates(parse_bytes(data))
    assert sorted(len(numbers) for numbers in found.values()) == [2, 3]


def test_accounts_whose_hashes_collide_are_told_apart_by_their_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # every key hashes alike: the first pass suspects every account, the second keeps only
    # those the keys themselves repeat
    def same(_key: AccountKey) -> int:
        return 7

    monkeypatch.setattr(module, "hash", same, raising=False)
    data = with_repeats(40)
    assert duplicate_accounts(io.BytesIO(data), 1 << 12) == reference_duplicates(parse_bytes(data))
    assert duplicate_accounts(io.BytesIO(synthetic(30)), 1 << 12) == {}


def test_a_file_without_a_repeated_account_is_read_once() -> None:
    class Counting(io.BytesIO):
        rewinds = 0

        def seek(self, offset: int, whence: int = 0) -> int:
            self.rewinds += 1
            return super().seek(offset, whence)

    stream = Counting(synthetic(50))
    assert duplicate_accounts(stream, 1 << 12) == {}
    assert stream.rewinds == 0


def _peak_bytes(data: bytes) -> int:
    stream = io.BytesIO(data)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        duplicate_accounts(stream, 1 << 16)
        return tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


def test_finding_repeated_accounts_holds_bytes_per_record_not_an_object_per_account() -> None:
    small, large = synthetic(2_000, 5), synthetic(12_000, 5)
    per_record = (_peak_bytes(large) - _peak_bytes(small)) / 10_000
    # 8 bytes of hash per record (and the array's spare room); a dict entry per account, as
    # before, was about 300
    assert per_record < 40, per_record


def test_the_ingests_validator_remembers_no_account_when_the_repeated_ones_are_known() -> None:
    data = with_repeats(60)
    validator = ColumnarValidator(duplicate_accounts(io.BytesIO(data)), block=1 << 12)
    problems = list(validator.problems(io.BytesIO(data)))
    assert {p.record for p in problems if p.rule == "M2-S12"} == {5, 6, 11, 21, 22}
    assert validator.file.seen == {}
    # without them (bureau metro2 validate) it must remember each account to name the first
    streaming = ColumnarValidator(block=1 << 12)
    list(streaming.problems(io.BytesIO(data)))
    assert len(streaming.file.seen) == 60 - 3
