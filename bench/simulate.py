"""Benchmark the policy lab: the plain simulator, and the full `bureau compare` a study runs.

    .venv/bin/python bench/simulate.py --people 1000000 --regimes all --years 10
    .venv/bin/python bench/simulate.py --study --people 100000

The plain run (default) simulates one population through the regimes and reports person x
regime x years per second and peak memory. `--study` runs, in this process, exactly
`bureau compare --regimes all --replicates 5 --sensitivity --population N` (replicates, the
Morris screen on its own population of 20,000, Sobol indices of each regime's top factors, the
report) and times it against its budget of 30 minutes; beside the seconds it reports the CPU
seconds (this process and the screen's worker processes) and the ratio to one plain run of the
same size timed in the same process, so a figure taken on a loaded machine can still be
compared with one taken on a quiet one.

Progress goes to stderr; the last stdout line is one JSON object:
{"bench": "simulate", "people": ..., "regimes": ..., "years": ..., "person_regime_years_per_s":
..., "peak_rss_mb": ...} or, with --study, {"bench": "simulate-study", "seconds": ...,
"budget_s": 1800, "within_budget": ..., "ratio_to_plain_run": ..., "cpu_seconds": ..., ...}
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from typing import Any

from tqdm import tqdm

from bureau.cli import main as bureau_main
from bureau.policy.lab import compare, resolve_regimes, steady_state_years

STUDY_BUDGET_S = 30 * 60


def _plain(
    people: int, regimes_spec: str, years: int, seed: int, burn_in: int | None
) -> dict[str, Any]:
    regimes = resolve_regimes([regimes_spec])
    burn = steady_state_years(regimes) if burn_in is None else burn_in
    started = time.perf_counter()
    months = 12 * (years + burn)
    with tqdm(total=months, unit="month", file=sys.stderr, desc="simulate") as bar:
        comp = compare(regimes, people, years, seed, progress=bar.update, burn_in_years=burn)
    seconds = time.perf_counter() - started
    for m in comp.regimes:
        print(
            f"{m.regime:<14} sanctioned {100 * m.share_sanctioned:5.1f}%  auc {m.auc or 0:.3f}",
            file=sys.stderr,
        )
    return {
        "bench": "simulate",
        "people": people,
        "regimes": len(regimes),
        "years": years,
        "burn_in_years": burn,
        "seconds": round(seconds, 2),
        # simulated years, the burn-in included: what the simulator actually ran
        "person_regime_years_per_s": round(people * len(regimes) * (years + burn) / seconds),
    }


def _study(people: int, years: int, seed: int, out: str) -> dict[str, Any]:
    baseline = _plain(people, "all", years, seed, None)["seconds"]
    command = ["compare", "--regimes", "all", "--replicates", "5", "--sensitivity"]
    command += ["--population", str(people), "--years", str(years), "--seed", str(seed)]
    command += ["--out", out]
    print("bureau " + " ".join(command), file=sys.stderr)
    started = time.perf_counter()
    status = bureau_main(command)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"bureau compare exited {status}")
    with open(os.path.join(out, "metrics.json"), encoding="utf-8") as f:
        record = json.load(f)
    sens = record["sensitivity"]
    return {
        "bench": "simulate-study",
        "command": "bureau " + " ".join(command),
        "people": people,
        "years": years,
        "replicates": record["replicates"],
        "sensitivity_population": sens["population"],
        "factors": len(sens["factors"]),
        "morris_runs": sens["runs"],
        "sobol_runs": sens["sobol_runs"],
        "seconds": round(seconds, 1),
        "budget_s": STUDY_BUDGET_S,
        "within_budget": seconds <= STUDY_BUDGET_S,
        "plain_run_seconds": baseline,
        "ratio_to_plain_run": round(seconds / baseline, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=None, help="default 1M, 100k with --study")
    parser.add_argument("--regimes", default="all")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--burn-in", type=int, default=None, help="default: the regimes' steady state"
    )
    parser.add_argument(
        "--study",
        action="store_true",
        help="time `bureau compare --regimes all --replicates 5 --sensitivity` instead",
    )
    parser.add_argument("--out", default=None, help="--study: report folder (default: a temp one)")
    args = parser.parse_args()
    if args.study:
        people = args.people or 100_000
        with tempfile.TemporaryDirectory(prefix="bench-study-") as tmp:
            result = _study(people, args.years, args.seed, args.out or tmp)
    else:
        result = _plain(args.people or 1_000_000, args.regimes, args.years, args.seed, args.burn_in)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["peak_rss_mb"] = round(peak_kb / 1024, 1)
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    result["cpu_seconds"] = round(sum(u.ru_utime + u.ru_stime for u in usage), 1)
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
