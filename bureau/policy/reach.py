"""Whom a regime's restrictions and rewards actually reach.

Why per person and drawn once: an opt-in score (Sesame) is not computed for someone who never
joined, so it neither restricts nor rewards them, whatever their records; and under the FCRA a
decline only reaches a job when the employer uses an employment-purpose report (§604(b), with
the applicant's written authorisation), so the jobs domain reaches only the people whose
employers do. Both are properties of the person over the run, not of a month, and are drawn
from their own dice so the regime's other draws (disputes, notices) stay as they were.
"""

from __future__ import annotations

import zlib

import numpy as np

from bureau.policy.catalogue import ALL_DOMAINS, DOMAIN_BIT, MASK, Mask
from bureau.policy.mechanisms import Mechanisms


class Reach:
    """The enrolled people, and per person the domain bits a restriction can reach."""

    def __init__(self, regime_id: str, mech: Mechanisms, size: int, seed: int) -> None:
        rng = np.random.default_rng(
            np.random.SeedSequence([seed, 3, zlib.crc32(regime_id.encode())])
        )
        if mech.take_up is None:
            self.enrolled = np.ones(size, bool)
        else:
            self.enrolled = rng.random(size) < mech.take_up
        self.bits = np.full(size, ALL_DOMAINS, MASK)
        for domain, share in sorted(mech.reach.items()):
            missed = rng.random(size) >= share
            self.bits[missed] &= MASK(ALL_DOMAINS ^ DOMAIN_BIT[domain])
        self.bits[~self.enrolled] = 0
        self.gated = mech.take_up is not None or bool(mech.reach)
        self.rng = rng

    def keep_share(self, share: float) -> None:
        """From now on only `share` of the enrolled stay scored (a scheme turned opt-in by a
        dated change, changes.py); the others are neither restricted nor rewarded."""
        leaving = self.enrolled & (self.rng.random(len(self.enrolled)) >= share)
        self.enrolled = self.enrolled & ~leaving
        self.bits[leaving] = 0
        self.gated = True

    def apply(self, mask: Mask) -> Mask:
        """`mask` (domain bits per person) with what does not reach each person removed."""
        return (mask & self.bits).astype(MASK) if self.gated else mask
