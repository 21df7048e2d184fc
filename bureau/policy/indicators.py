"""Data held, counted in the indicators each regime collects.

Why not only the simulated records: the lab simulates a handful of event kinds, so counting
its records makes Rongcheng's 391 indicators (seed 000) look thinner than a US file. What a
regime holds about a person is what its format collects: a fixed set of indicators per person
(Rongcheng's 391, Suining's deduction headings), plus, for an account-based bureau, a set per
account held (a Metro 2 base segment per tradeline). Each count carries its source in the
regime file's `[provenance]`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from bureau.policy.population import Population
from bureau.policy.schema import Lab


def per_person(lab: Lab, pop: Population, enrolled: NDArray[np.bool_]) -> float | None:
    """Mean indicators held per person (none for people an opt-in regime never enrolled)."""
    ind = lab.mechanisms.indicators
    if ind is None:
        return None
    accounts = pop.accounts if "tradeline" in lab.admissible else np.zeros(pop.size)
    held = ind.per_person + ind.per_account * accounts.astype(np.float64)
    return float(np.where(enrolled, held, 0.0).mean())
