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
from numpy.typing import NDArray

from bureau.policy.catalogue import DOMAIN_BIT
from bureau.policy.mechanisms import Mechanisms

U8 = NDArray[np.uint8]


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
        self.bits = np.full(size, 0xFF, np.uint8)
        for domain, share in sorted(mech.reach.items()):
            missed = rng.random(size) >= share
            self.bits[missed] &= np.uint8(0xFF ^ DOMAIN_BIT[domain])
        self.bits[~self.enrolled] = 0
        self.gated = mech.take_up is not None or bool(mech.reach)

    def apply(self, mask: U8) -> U8:
        """`mask` (domain bits per person) with what does not reach each person removed."""
        return (mask & self.bits).astype(np.uint8) if self.gated else mask
