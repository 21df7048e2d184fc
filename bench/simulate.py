"""Benchmark the policy lab's simulator: person x regime x years per second, and peak memory.

    .venv/bin/python bench/simulate.py --people 1000000 --regimes all --years 10

Progress goes to stderr; the last stdout line is one JSON object:
{"bench": "simulate", "people": ..., "regimes": ..., "years": ..., "person_regime_years_per_s":
..., "peak_rss_mb": ...}
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

from tqdm import tqdm

from bureau.policy.lab import compare, resolve_regimes, steady_state_years


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--regimes", default="all")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--burn-in", type=int, default=None, help="default: the regimes' steady state"
    )
    args = parser.parse_args()
    regimes = resolve_regimes([args.regimes])
    burn = steady_state_years(regimes) if args.burn_in is None else args.burn_in
    started = time.perf_counter()
    months = 12 * (args.years + burn)
    with tqdm(total=months, unit="month", file=sys.stderr, desc="simulate") as bar:
        comp = compare(
            regimes, args.people, args.years, args.seed, progress=bar.update, burn_in_years=burn
        )
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for m in comp.regimes:
        print(
            f"{m.regime:<14} sanctioned {100 * m.share_sanctioned:5.1f}%  auc {m.auc or 0:.3f}",
            file=sys.stderr,
        )
    print(
        json.dumps(
            {
                "bench": "simulate",
                "people": args.people,
                "regimes": len(regimes),
                "years": args.years,
                "burn_in_years": burn,
                "seconds": round(seconds, 2),
                # simulated years, the burn-in included: what the simulator actually ran
                "person_regime_years_per_s": round(
                    args.people * len(regimes) * (args.years + burn) / seconds
                ),
                "peak_rss_mb": round(peak_kb / 1024, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
