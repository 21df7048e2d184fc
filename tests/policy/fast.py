"""Sizes for tests that check a property of the simulator rather than a steady-state figure.

Why: the default burn-in (the longest retention or term, 10+ years) is right for results and
slow for tests; a test that asks "same seed, same numbers" or "A beats B" needs no steady
state, so it runs a short warm-up and a small population. The defaults stay scientific.
"""

BURN_IN = 2  # years simulated before measuring, in tests
PEOPLE = 2000  # people, where a test needs no large sample
