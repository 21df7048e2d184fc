"""An ingest gives the memory its batches freed back to the system: the resident size of a
long file stays that of its batches in flight, not of the holes they leave in the heap."""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest

from bureau.furnishing import allocator, ingest
from bureau.furnishing.metro2.synthetic import records
from bureau.furnishing.metro2.write import to_bytes
from bureau.vault import Vault

pytestmark = pytest.mark.skipif(not allocator.available(), reason="no glibc malloc_trim here")


def _resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def _holes_in_a_thread_heap(chunks: int, size: int) -> tuple[float, float]:
    """In a thread of its own (so an arena of its own, as the ingest's writer has): buffers
    of `size` bytes, each followed by a small block that stays, then the buffers freed, so the
    free space sits between live blocks where shrinking the heap cannot reach it. Returns the
    resident MB after the buffers are freed and after `give_back`."""
    found: list[float] = []

    def work() -> None:
        buffers, pins = [], []
        for i in range(chunks):
            buffers.append(bytes([i % 251]) * size)  # written, so resident
            pins.append(bytes([i % 7]) * 700)  # above pymalloc's 512 bytes: from malloc
        del buffers
        found.append(_resident_mb())
        allocator.give_back()
        found.append(_resident_mb())
        del pins

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return found[0], found[1]


def test_free_space_between_live_blocks_is_returned_to_the_system() -> None:
    # 320 buffers of 60 KiB: under glibc's mmap threshold, so from the thread's heap
    freed_mb = 320 * 60 / 1024
    before, after = _holes_in_a_thread_heap(320, 60 << 10)
    assert before - after > 0.6 * freed_mb, (before, after, freed_mb)


def test_every_applied_batch_gives_memory_back(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    calls: list[str] = []

    def counted() -> bool:
        calls.append(threading.current_thread().name)
        return True

    monkeypatch.setattr(ingest, "BATCH_SIZE", 10)
    monkeypatch.setattr(allocator, "give_back", counted)
    report = ingest.ingest_metro2(conn, vault, furnisher_id, io.BytesIO(to_bytes(records(35))),
                                  workers=0)  # fmt: skip
    assert report.accepted == 35
    # four batches (10, 10, 10, 5), each followed by a trim in the thread that applied it
    assert calls == ["ingest-writer"] * 4
