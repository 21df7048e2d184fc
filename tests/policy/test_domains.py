"""Life domains: every one fits the per-person masks, the highest bit included."""

from __future__ import annotations

import numpy as np

from bureau.policy.catalogue import ALL_DOMAINS, DOMAIN_BIT, DOMAINS, MASK
from bureau.policy.engine import ListRun
from bureau.policy.population import MonthEvents, draw_population
from bureau.policy.reform import with_assumption
from bureau.policy.regime import parse_regime
from tests.policy.test_bundled_rules import raw


def test_every_domain_has_a_bit_of_its_own_inside_the_mask() -> None:
    assert len(DOMAINS) > 8, "the SPC headings took the domains past one byte"
    assert np.iinfo(MASK).max >= ALL_DOMAINS
    assert len(set(DOMAIN_BIT.values())) == len(DOMAINS)


def test_a_listing_restricting_every_domain_records_each_one_the_highest_included() -> None:
    doc = with_assumption(raw("spc-blacklist"), "notice.compliance", 0.0, "a what-if of a test")
    doc = with_assumption(doc, "bands.listed.domains", list(DOMAINS), "a what-if of a test")
    pop = draw_population(2, seed=1)
    pop.income[:] = 0.0
    run = ListRun(parse_regime(doc, "spc.toml"), pop, 3, seed=1)
    run.step(MonthEvents.build(0, {"judgment_unperformed": [0]}))
    assert int(run.tracker.domains[0]) == ALL_DOMAINS
    assert run.tracker.domains.dtype == MASK
    last = DOMAINS[-1]
    assert run.tracker.domains[0] & DOMAIN_BIT[last] and DOMAIN_BIT[last] > 0xFF
    assert run.tracker.domains[1] == 0
