"""A screen's design rows run across processes, results in design order.

Why processes and fork: each row is a whole simulation (seconds of numpy and Python), rows are
independent and deterministic (every row has the screen's seed), so the only thing that can
differ between one process and several is the wall time. Forked workers inherit the row
function as it is, closures and drawn lives included, so nothing needs pickling but the rows
and their results. Rows go out in chunks, so a worker keeps the lives it drew for the rows of
its chunk that share them.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

import numpy as np

T = TypeVar("T")

_ROW: list[Callable[[np.ndarray], object]] = []  # the row function a forked worker runs


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity), the default number of workers."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _forked(row: np.ndarray) -> object:
    return _ROW[0](row)


def run_rows(
    run: Callable[[np.ndarray], T],
    rows: Sequence[np.ndarray],
    *,
    jobs: int,
    chunk: int,
    progress: Callable[[int], None] | None = None,
) -> list[T]:
    """`run` over every row, in order, in up to `jobs` forked processes (one: in this one)."""
    out: list[T] = []
    if jobs <= 1 or len(rows) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for row in rows:
            out.append(run(row))
            if progress is not None:
                progress(1)
        return out
    _ROW[:] = [run]
    try:
        context = multiprocessing.get_context("fork")
        workers = min(jobs, len(rows))
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            for result in pool.map(_forked, rows, chunksize=max(chunk, 1)):
                out.append(result)  # type: ignore[arg-type]  # what run returned, pickled back
                if progress is not None:
                    progress(1)
    finally:
        _ROW.clear()
    return out
