"""An ingest gives the memory its batches freed back to the system: the resident size of a
long file stays that of its batches in flight, not of the holes they leave in the heap."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
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
    # 320 buffers of 60 KiB: under glibc's mmap threshold, so from the thread's heap. In a
    # process of its own: in the suite's process, earlier tests' heaps and thresholds decide
    # where the buffers land, and the figure is no longer this test's alone.
    freed_mb = 320 * 60 / 1024
    out = subprocess.run(
        [sys.executable, "-c", "from tests.furnishing.test_allocator import "
         "_holes_in_a_thread_heap as h; print(*h(320, 60 << 10))"],
        cwd=Path(__file__).resolve().parents[2], check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    before, after = (float(x) for x in out.split())
    assert before - after > 0.6 * freed_mb, (before, after, freed_mb)


# In a process of its own (the thresholds are the process's, and fixed once set): a 4 MiB
# block freed, as the columnar reader's blocks are, then a 3 MiB buffer; prints whether malloc
# mmapped that buffer (so freeing it returns it) rather than carving it from a heap.
_LARGE_BUFFER = textwrap.dedent("""
    import ctypes, sys
    from bureau.furnishing import allocator

    class Info(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks",
                    "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = Info
    if sys.argv[1] == "bounded":
        allocator.bound_heap()
    block = bytes(4 << 20)
    del block
    before = libc.mallinfo2().hblkhd
    buffer = bytes(3 << 20)
    print(libc.mallinfo2().hblkhd - before >= 3 << 20)
""")


def _mmapped(mode: str) -> bool:
    out = subprocess.run([sys.executable, "-c", _LARGE_BUFFER, mode], check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    return out.strip() == "True"


def test_a_large_buffer_is_returned_when_freed_however_large_the_blocks_before_it() -> None:
    assert _mmapped("bounded")
    # glibc by itself, after a 4 MiB block was freed, carves a 3 MiB buffer from its heap,
    # which keeps the space when it is freed at the heap's top
    assert not _mmapped("dynamic")


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
