"""Giving the C allocator's free memory back to the system after each applied batch.

An ingest's memory is bounded in objects (a few batches in flight, a bounded cipher cache),
but glibc's malloc keeps what is freed: a free chunk below a live one cannot be returned by
shrinking the heap, so a thread whose batches allocate buffers of varying size (the writer's
COPY rows and query results, the keying pool's pickled batches) leaves holes that add up to
a resident size growing with the file. `malloc_trim(0)` walks every arena and returns the whole
pages inside free chunks (madvise), so after each batch the process holds what is live plus
less than a page per free chunk. Measured in docs/performance.md ("Stop 30" under the ingest).

Where there is no glibc (musl, macOS) this does nothing: their allocators return memory by
their own rules.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable


def _trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim from the symbols already loaded in this process (no library
    search: that runs ldconfig at import)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_MALLOC_TRIM = _trim()


def available() -> bool:
    """Whether this process's C library can give free memory back (glibc)."""
    return _MALLOC_TRIM is not None


def give_back() -> bool:
    """Return the whole free pages every malloc arena holds to the system; whether any was."""
    if _MALLOC_TRIM is None:
        return False
    return bool(_MALLOC_TRIM(0))
