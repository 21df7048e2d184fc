"""An opaque score: the subject cannot tell which behaviour moved it.

Why it matters beyond "not reproducible": to correct a false record you must first find it.
Where the regime shows neither the file nor the rule (Sesame: algorithm confidential, little
said on what moves the score, seed 003), a person whose score fell because of a false record
sees only the fall; only the share who can work out which record caused it (`[opacity]
locate_share`) can dispute it. Drawn once per person from the regime's own dice, so the
regime's other draws stay as they were.
"""

from __future__ import annotations

import zlib

import numpy as np
from numpy.typing import NDArray

from bureau.policy.schema import Lab


def locators(lab: Lab, regime_id: str, size: int, seed: int) -> NDArray[np.bool_]:
    """Who could tell which record moved their standing (everyone, unless opaque)."""
    share = lab.mechanisms.locate_share
    if share is None:
        return np.ones(size, bool)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 4, zlib.crc32(regime_id.encode())]))
    return rng.random(size) < share
