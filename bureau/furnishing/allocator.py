"""Keeping an ingest's resident size that of its batches in flight, however long the file.

An ingest's memory is bounded in objects (a few batches in flight, a bounded cipher cache),
but glibc's malloc decides what it gives back, and by default it learns from the process: each
time a large block that it had mmapped is freed, it raises the size from which it mmaps to that
block's size and the free space it keeps at a heap's top to twice that (its "dynamic
threshold", up to 32 MiB). The columnar reader's 2 MiB blocks raise both within the first
second, so from then on every buffer under 2 MiB (the writer thread's rows, sets, COPY and
query buffers) comes from a thread's heap, and what is freed at the top of that heap is kept
while it is under 4 MiB. Measured (docs/performance.md, "Stop 30" under the ingest): the
writer thread's arena grew by about 25 bytes per record from 250,000 records on, all of it
free space, and `malloc_trim` gave none of it back (it returns pages inside free chunks, never
a thread heap's top).

So an ingest fixes both thresholds (`bound_heap`, once per process: it also stops the dynamic
adjustment for the rest of the process) and, after each applied batch, returns the whole free
pages inside free chunks (`give_back`). Where there is no glibc (musl, macOS) both do nothing:
those allocators return memory by their own rules.
"""

from __future__ import annotations

import ctypes
from typing import Any

# mallopt parameters (glibc's malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Blocks from this size on are mmapped and unmapped when freed; a heap's free top over
# TRIM_FROM is returned at once. 128 KiB each is glibc's own starting value.
MMAP_FROM = 128 << 10
TRIM_FROM = 128 << 10


def _libc() -> Any:
    """glibc's functions from the symbols already loaded in this process (no library search:
    that runs ldconfig at import), or None without glibc."""
    libc = ctypes.CDLL(None)
    try:
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    except AttributeError:
        return None
    return libc


_LIBC = _libc()
_bounded = False


def available() -> bool:
    """Whether this process's C library is glibc's, whose thresholds these set."""
    return _LIBC is not None


def bound_heap() -> bool:
    """Fix malloc's mmap and trim thresholds for this process (the first call sets them);
    whether they are fixed."""
    global _bounded
    if _LIBC is None:
        return False
    if not _bounded:
        _bounded = bool(_LIBC.mallopt(M_MMAP_THRESHOLD, MMAP_FROM)) and bool(
            _LIBC.mallopt(M_TRIM_THRESHOLD, TRIM_FROM)
        )
    return _bounded


def give_back() -> bool:
    """Return the whole free pages inside every arena's free chunks to the system; whether
    any was."""
    if _LIBC is None:
        return False
    return bool(_LIBC.malloc_trim(0))
