"""The law as data: regimes, the population simulator and the comparison report."""
