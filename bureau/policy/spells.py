"""Days of a month covered by any of several restriction spells, per person.

Why a union and not the longest spell: a person restricted by two regimes (or by a regime and
through their company) in different parts of the same month is restricted for the days either
covers; taking the longer of the two undercounts, and "time sanctioned" would be a lower bound.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

I32 = NDArray[np.int32]
Days = NDArray[np.integer]  # absolute day numbers, one per person
Spell = tuple[Days, Days]  # [start, end) per person; empty where end <= start


def covered_days(spells: Sequence[Spell], d0: int, d1: int, size: int) -> I32:
    """Per person, the days of [d0, d1) inside at least one spell."""
    if not spells:
        return np.zeros(size, np.int32)
    lo = np.stack([np.clip(s, d0, d1) for s, _ in spells]).astype(np.int64)
    hi = np.stack([np.clip(e, d0, d1) for _, e in spells]).astype(np.int64)
    hi = np.maximum(hi, lo)  # an empty spell covers nothing
    order = np.argsort(lo, axis=0, kind="stable")
    lo = np.take_along_axis(lo, order, axis=0)
    hi = np.take_along_axis(hi, order, axis=0)
    covered = np.zeros(size, np.int64)
    reach = np.full(size, d0, np.int64)  # the furthest day covered so far
    for k in range(len(spells)):
        covered += np.maximum(hi[k] - np.maximum(lo[k], reach), 0)
        reach = np.maximum(reach, hi[k])
    return covered.astype(np.int32)
