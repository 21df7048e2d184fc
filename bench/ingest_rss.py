"""Where an ingest's resident memory goes as the file grows: one real ingest of N new people
(`ingest_metro2`, committed), with the process's RSS and the C allocator's state sampled every
`--every` records, so a slope shows at a few hundred thousand records without the floors and
the plain COPY of bench/ingest.py (which gives the issue's figures).

Each sample (stderr, and one JSON line per sample on stdout): VmRSS (and its anonymous and
file-backed parts), the allocator's bytes in use and free (glibc `mallinfo2`, every arena
summed), and per glibc arena what it holds from
the system and how much of that is free (`malloc_info`), with the thread that allocates from
it where known (the ingest's writer thread, the keying pool's threads): a C buffer shows in
"in use", a free chunk glibc cannot give back in "free". Python objects of 512 bytes or less
are not glibc's: CPython's small-object allocator (pymalloc) keeps them in 1 MiB arenas of its
own, shown per sample as arenas held, MB in allocated and in free blocks and in unused pools,
and the size classes whose pools grew (arenas growing while allocated blocks stay flat is
fragmentation: a few live objects keeping whole pools and arenas). Also per sample: the peak
RSS since the sample before (VmHWM, reset at each sample, so a transient between samples
shows) and the cyclic collector's passes and objects collected per generation.

    python bench/ingest_rss.py [--n 500000] [--every 50000] [--workers N] [--no-trim]
        [--no-bound]   (each leaves one of allocator.py's measures out, as before stop 30)
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import multiprocessing.queues
import os
import re
import resource
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import process
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import scratch_database
from ingest import add_furnisher, log, write_file
from psycopg.rows import dict_row

from bureau.db.migrate import migrate
from bureau.furnishing import allocator, ingest, keying_pool
from bureau.vault import Vault

_libc = ctypes.CDLL(None)


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]  # fmt: skip


_libc.mallinfo2.restype = _MallInfo2
_libc.open_memstream.restype = ctypes.c_void_p
_libc.open_memstream.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_size_t)]
_libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
_libc.fclose.argtypes = [ctypes.c_void_p]
_libc.free.argtypes = [ctypes.c_void_p]
_libc.malloc.restype = ctypes.c_void_p
_libc.malloc.argtypes = [ctypes.c_size_t]

_HEAP = re.compile(r'<heap nr="(\d+)">(.*?)</heap>', re.S)
_TOTAL = re.compile(r'<total type="(fast|rest)" count="\d+" size="(\d+)"/>')
_SYSTEM = re.compile(r'<system type="current" size="(\d+)"/>')
_MB = 1 / (1 << 20)


def arenas() -> list[dict[str, float]]:
    """Per glibc arena (in malloc_info's order: the main one first), MB from the system and free."""
    buffer, size = ctypes.c_char_p(), ctypes.c_size_t()
    stream = _libc.open_memstream(ctypes.byref(buffer), ctypes.byref(size))
    _libc.malloc_info(0, stream)
    _libc.fclose(stream)
    text = ctypes.string_at(buffer, size.value).decode()
    _libc.free(ctypes.cast(buffer, ctypes.c_void_p))
    found = []
    for nr, body in _HEAP.findall(text):
        free = sum(int(s) for _, s in _TOTAL.findall(body))
        system = _SYSTEM.search(body)
        found.append({"nr": int(nr), "system_mb": round(int(system[1]) * _MB, 1) if system else 0,
                      "free_mb": round(free * _MB, 1)})  # fmt: skip
    return found


_HEAP_SIZE = 64 << 20  # a thread arena's heaps are 64 MiB, aligned to their size
_threads: dict[str, int] = {}  # thread name -> the 64 MiB region its arena's heap sits in


def note_thread(name: str) -> None:
    """Remember which heap region this thread allocates from (one malloc of a small block)."""
    if name in _threads:
        return
    at = _libc.malloc(200)
    _threads[name] = at & ~(_HEAP_SIZE - 1)
    _libc.free(at)


def region_rss() -> dict[str, float]:
    """MB resident per noted thread's heap region (main: the brk heap is named [heap])."""
    rss: dict[str, float] = {}
    start = None
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            low, high = (int(x, 16) for x in head[0].split("-"))
            start = (low, high, head[-1] if len(head) > 5 else "")
        elif head and head[0] == "Rss:" and start is not None:
            low, high, name = start
            for thread, base in _threads.items():
                if low >= base and high <= base + _HEAP_SIZE and not name:
                    rss[thread] = rss.get(thread, 0.0) + int(head[1]) / 1024
            if name == "[heap]":
                rss["[heap]"] = rss.get("[heap]", 0.0) + int(head[1]) / 1024
    return {k: round(v, 1) for k, v in rss.items()}


def vm_rss_mb(field: str = "VmRSS") -> float:
    """This process's resident MB now (VmRSS) or at its peak (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


_types_before: dict[str, int] = {}


def object_growth() -> dict[str, int]:
    """Objects the collector tracks, by type, that grew since the last sample (top 6)."""
    counts: dict[str, int] = {}
    for obj in gc.get_objects():
        name = type(obj).__qualname__
        counts[name] = counts.get(name, 0) + 1
    grown = {k: v - _types_before.get(k, 0) for k, v in counts.items()}
    _types_before.clear()
    _types_before.update(counts)
    return dict(sorted(grown.items(), key=lambda kv: -kv[1])[:6])


def anonymous_rss_mb() -> float:
    """MB resident in anonymous mappings that are no malloc arena's (pymalloc's arenas,
    large mmapped blocks, thread stacks)."""
    total, current, skip = 0, None, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            low = int(head[0].split("-")[0], 16)
            current = len(head) <= 5
            skip = any(low >= base and low < base + _HEAP_SIZE for base in _threads.values())
        elif head and head[0] == "Rss:" and current and not skip:
            total += int(head[1])
    return round(total / 1024, 1)


_pools_before: dict[int, int] = {}


def pymalloc_stats() -> dict[str, Any]:
    """CPython's small-object allocator (sys._debugmallocstats, read back from stderr): its
    arenas (1 MiB each) held now, MB in allocated and in free blocks, MB in unused pools, and
    the size classes (bytes) whose pools grew since the last sample, with how many pools.
    Arenas growing while allocated blocks stay flat is fragmentation: a few live objects
    keeping whole arenas."""
    with tempfile.TemporaryFile() as out:
        saved = os.dup(2)
        sys.stderr.flush()
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read().decode()
    number: dict[str, int] = {}
    pools: dict[int, int] = {}
    for line in text.splitlines():
        name, _, value = line.partition("=")
        if name.startswith("# ") or "unused pools" in name:
            key = "unused pools" if "unused pools" in name else name[2:].strip()
            number[key] = int(value.strip().replace(",", "") or 0)
        elif (cells := line.split()) and len(cells) == 5 and all(c.isdigit() for c in cells):
            pools[int(cells[1])] = int(cells[2])  # class, size, pools, blocks in use, free
    grown = {size: n - _pools_before.get(size, 0) for size, n in pools.items()
             if n - _pools_before.get(size, 0) > 0}  # fmt: skip
    _pools_before.clear()
    _pools_before.update(pools)
    return {"arenas": number.get("arenas allocated current", 0),
            "allocated_mb": round(number.get("bytes in allocated blocks", 0) * _MB, 1),
            "available_mb": round(number.get("bytes in available blocks", 0) * _MB, 1),
            "unused_pools_mb": round(number.get("unused pools", 0) * _MB, 1),
            "pools_grown": dict(sorted(grown.items(), key=lambda kv: -kv[1])[:6])}  # fmt: skip


def sample(done: int) -> dict[str, Any]:
    info = _libc.mallinfo2()
    peak = vm_rss_mb("VmHWM")
    Path("/proc/self/clear_refs").write_text("5")  # the next sample's peak is its interval's
    return {"records": done, "rss_mb": round(vm_rss_mb(), 1),
            "anon_mb": round(vm_rss_mb("RssAnon"), 1), "file_mb": round(vm_rss_mb("RssFile"), 1),
            "peak_mb": round(peak, 1),
            "in_use_mb": round((info.uordblks + info.hblkhd) * _MB, 1),
            "free_mb": round(info.fordblks * _MB, 1), "mmapped_mb": round(info.hblkhd * _MB, 1),
            "arenas": arenas(), "regions": region_rss(), "other_anon_mb": anonymous_rss_mb(),
            "pymalloc_blocks": sys.getallocatedblocks(), "grown": object_growth(),
            "pymalloc": pymalloc_stats(),
            "gc": [(g["collections"], g["collected"]) for g in gc.get_stats()]}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500_000)
    parser.add_argument("--every", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--no-trim",
        action="store_true",
        help="leave free memory with the allocator (as before stop 30)",
    )
    parser.add_argument(
        "--no-bound",
        action="store_true",
        help="leave glibc's dynamic mmap and trim thresholds (before stop 30)",
    )
    parser.add_argument("--arena-max", type=int, default=0, help="mallopt(M_ARENA_MAX)")
    parser.add_argument("--mmap-threshold", type=int, default=0, help="mallopt(M_MMAP_THRESHOLD)")
    args = parser.parse_args()
    if args.no_bound:
        allocator.bound_heap = lambda: False
    trims = [0, 0.0]  # calls, CPU seconds of the thread calling
    if args.no_trim:
        allocator.give_back = lambda: False
    else:
        give_back = allocator.give_back

        def timed_give_back() -> bool:
            at = time.thread_time()
            released = give_back()
            trims[0] += 1
            trims[1] += time.thread_time() - at
            return released

        allocator.give_back = timed_give_back
    if args.arena_max:
        _libc.mallopt(-8, args.arena_max)
    if args.mmap_threshold:
        _libc.mallopt(-3, args.mmap_threshold)

    # which arena the writer thread uses: noted on its first batch
    apply = ingest._Ingest.apply

    def noted_apply(self: Any, batch: Any) -> None:
        note_thread(threading.current_thread().name)
        apply(self, batch)

    ingest._Ingest.apply = noted_apply  # type: ignore[method-assign]
    # and the keying pool's two threads: the one that pickles batches out, the one that
    # receives and unpickles the keyed accounts
    feed = multiprocessing.queues.Queue._feed  # type: ignore[attr-defined]

    def noted_feed(*args: Any, **kwargs: Any) -> None:
        note_thread("pool-feeder")
        feed(*args, **kwargs)

    multiprocessing.queues.Queue._feed = staticmethod(noted_feed)  # type: ignore[attr-defined]
    manager = process._ExecutorManagerThread.run

    def noted_run(self: Any) -> None:
        note_thread("pool-results")
        manager(self)

    process._ExecutorManagerThread.run = noted_run  # type: ignore[method-assign]

    work = Path(tempfile.mkdtemp(prefix="fairfile-bench-rss-"))
    url, _base, folder = scratch_database.create("fairfile-bench-rss-")
    try:
        path = work / "new.m2"
        write_file(path, args.n)
        migrate(url)
        vault = Vault.from_key_file(work / "master.key")
        org = uuid4()
        started, cpu = time.perf_counter(), time.process_time()
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        peaks: list[float] = []  # each sample's peak since the one before (VmHWM is reset)

        def progress(done: int, _read: int) -> None:
            if done % args.every == 0:
                row = sample(done)
                peaks.append(row["peak_mb"])
                row["seconds"] = round(time.perf_counter() - started, 1)
                log(f"{done:,}: RSS {row['rss_mb']} MB (anon {row['anon_mb']}, file {row['file_mb']}; peak since the last {row['peak_mb']}), in use {row['in_use_mb']}, free "
                    f"{row['free_mb']}, arenas {row['arenas']}, regions {row['regions']}, "
                    f"other anonymous {row['other_anon_mb']} MB, pymalloc blocks "
                    f"{row['pymalloc_blocks']:,}, grown {row['grown']}, pymalloc "
                    f"{row['pymalloc']}, gc (collections, collected) {row['gc']}")  # fmt: skip
                print(json.dumps(row), flush=True)

        with psycopg.connect(url, row_factory=dict_row) as conn:
            add_furnisher(conn, org)
            with path.open("rb") as stream:
                report = ingest.ingest_metro2(conn, vault, org, stream, progress=progress,
                                              workers=args.workers)  # fmt: skip
            conn.commit()
        assert report.accepted == args.n, report.to_json(limit=3)
        seconds = time.perf_counter() - started
        log(f"ingested {report.accepted:,} in {seconds:.0f} s ({report.accepted / seconds:,.0f}/s), "
            f"client CPU {(time.process_time() - cpu) / args.n * 1e6:.0f} µs per record "
            f"(workers' {keying_pool.workers_cpu_seconds() / args.n * 1e6:.0f} besides); "
            f"malloc_trim: {trims[0]} calls, {trims[1] / args.n * 1e6:.2f} µs per record; "
            f"peak RSS {max([vm_rss_mb('VmHWM'), *peaks]):.1f} MB; minor page faults {resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults:,}")  # fmt: skip
    finally:
        keying_pool.shutdown()
        shutil.rmtree(work, ignore_errors=True)
        scratch_database.stop_server(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
