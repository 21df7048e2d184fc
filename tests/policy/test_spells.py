"""Time restricted in a month is the union of the spells, not the longest one."""

from __future__ import annotations

import numpy as np

from bureau.policy.spells import covered_days


def _days(*spells: tuple[int, int]) -> int:
    arrays = [(np.array([s]), np.array([e])) for s, e in spells]
    return int(covered_days(arrays, 0, 30, 1)[0])


def test_two_disjoint_spells_in_a_month_add_up() -> None:
    assert _days((0, 10), (20, 30)) == 20


def test_overlapping_spells_count_their_shared_days_once() -> None:
    assert _days((0, 15), (10, 20)) == 20
    assert _days((5, 25), (10, 20), (0, 8)) == 25


def test_spells_outside_the_month_or_empty_count_nothing() -> None:
    assert _days((-40, -1), (30, 60), (12, 12), (20, 10)) == 0
    assert _days((-5, 4), (28, 45)) == 6


def test_no_spell_no_days() -> None:
    assert covered_days([], 0, 30, 3).tolist() == [0, 0, 0]
