"""Rewards and red lists, counted beside sanctions per life domain.

Why a tracker of its own: a perk (Sesame's waived deposits, Rongcheng's subsidies for high
grades, Suining's preferential access to jobs for grade A) is a benefit some people get and
others do not; counting only its absence as a sanction compares regimes by the stick alone.
Here a band's rewards are counted like its restrictions: who ever held them, in which domains,
and for how many months, so the report can put the carrot beside the stick.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from bureau.policy.catalogue import DOMAIN_BIT, DOMAINS, MASK, Mask
from bureau.policy.schema import Lab


class RewardTracker:
    """Per person: ever rewarded, the reward domains ever held, months rewarded."""

    def __init__(self, lab: Lab, size: int, start: int) -> None:
        rewards = lab.mechanisms.rewards
        masks = [sum(DOMAIN_BIT[d] for d in rewards.get(b.name, ())) for b in lab.bands]
        self.masks = np.array(masks, MASK)
        self.start = start
        self.size = size
        self.ever = np.zeros(size, bool)
        self.domains = np.zeros(size, MASK)
        self.months = np.zeros(size, np.int32)
        self.measured = 0

    def mask(self, band: NDArray[np.intp], enrolled: NDArray[np.bool_]) -> Mask:
        """The reward domains each person holds this month (none for the unenrolled)."""
        return np.where(enrolled, self.masks[band], 0).astype(MASK)

    def record(
        self,
        month: int,
        band: NDArray[np.intp],
        enrolled: NDArray[np.bool_],
        extra: Mask | None = None,
    ) -> None:
        """Fold in one month; `extra` are rewards held apart from the band (a household's
        plaque, merits.py), for the enrolled too."""
        more = extra is not None and bool(extra.any())
        if month < self.start or not (self.masks.any() or more):
            self.measured += month >= self.start
            return
        self.measured += 1
        mask = self.mask(band, enrolled)
        if extra is not None and more:
            mask |= np.where(enrolled, extra, 0).astype(MASK)
        held = mask != 0
        self.ever |= held
        self.domains |= mask
        self.months += held

    def share_rewarded(self) -> float:
        return float(self.ever.mean()) if self.size else 0.0

    def domain_shares(self) -> dict[str, float]:
        return {d: float(((self.domains & DOMAIN_BIT[d]) != 0).mean()) for d in DOMAINS}

    def share_of_months(self) -> float:
        """Person-months rewarded over person-months measured."""
        total = self.size * self.measured
        return float(self.months.sum()) / total if total else 0.0
