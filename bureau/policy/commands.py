"""`bureau compare` and `bureau regimes`: the policy lab from the command line.

`bureau compare --regimes all --population 100000 --years 10 --seed 1 --out report/` runs one
population through the regimes and writes report.html, metrics.csv, series.csv and
metrics.json; a one-screen summary goes to stdout and a progress bar to stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bureau.commandline import Subparsers
from bureau.policy.fanout import available_cpus
from bureau.policy.lab import compare_replicates, resolve_regimes, steady_state_years
from bureau.policy.population import load_population_params, population_document
from bureau.policy.regime import Regime, RegimeError, builtin_names, load_regime
from bureau.policy.sensitivity import SOBOL_SAMPLES, SOBOL_TOP
from bureau.policy.sweep import SweepSpec, parse_sweep


def register(subparsers: Subparsers) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "compare",
        help="run one synthetic population through regimes and write a comparison report",
    )
    parser.add_argument(
        "--regimes",
        nargs="+",
        default=["all", "variants"],
        help="'all' (built-in regimes), 'variants' (built-in reforms), ids (comma or space "
        "separated) or paths to regime or reform .toml files (default: all variants)",
    )
    parser.add_argument("--population", type=int, default=100_000, help="people (default 100000)")
    parser.add_argument("--years", type=int, default=10, help="simulated years (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="same seed, same numbers")
    parser.add_argument("--out", default="report", help="output folder (default report/)")
    parser.add_argument(
        "--population-file", help="a copy of population.toml with changed assumptions"
    )
    parser.add_argument(
        "--replicates",
        type=int,
        default=1,
        help="independent runs (seeds seed, seed+1, ...): mean and 95%% interval per metric",
    )
    parser.add_argument(
        "--burn-in",
        type=int,
        default=None,
        help="years simulated before measuring (default: the longest retention or term)",
    )
    parser.add_argument(
        "--sensitivity",
        nargs="?",
        const="sobol",
        choices=("morris", "sobol"),
        default=None,
        help="'morris': Morris screen of every assumed parameter over its range; 'sobol' (the "
        "default when given bare): the screen, then Sobol indices of each regime's top "
        "factors (SALib)",
    )
    parser.add_argument(
        "--sobol-samples",
        type=int,
        default=SOBOL_SAMPLES,
        help=f"Saltelli base samples, a power of two: runs per regime = samples x (factors + 2) "
        f"(default {SOBOL_SAMPLES})",
    )
    parser.add_argument(
        "--sobol-top",
        type=int,
        default=SOBOL_TOP,
        help=f"factors per regime given Sobol indices (default {SOBOL_TOP})",
    )
    parser.add_argument(
        "--sweep",
        metavar="PATH=LO:HI:STEPS",
        help="sweep one parameter (population or regime path, 'regime:path' for one regime) "
        "over STEPS points, every regime at each, with 95%% intervals and a chart",
    )
    parser.add_argument(
        "--sweep-replicates",
        type=int,
        default=3,
        help="replicates at each sweep point (default 3, at least 2)",
    )
    parser.add_argument(
        "--sensitivity-population",
        type=int,
        default=20_000,
        help="people in each sensitivity run (default 20000)",
    )
    parser.add_argument(
        "--sensitivity-trajectories",
        type=int,
        default=2,
        help="Morris trajectories: runs = trajectories x (parameters + 1) (default 2)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="processes the sensitivity runs are spread over (default: the CPUs available); "
        "the numbers do not depend on it",
    )
    parser.add_argument(
        "--no-real-data",
        action="store_true",
        help="skip the German-credit check (about 1 min the first time, then cached)",
    )
    parser.set_defaults(func=run_compare)

    check = subparsers.add_parser("regimes", help="list the built-in regimes, or validate files")
    check.add_argument("files", nargs="*", help="regime files to validate")
    check.set_defaults(func=run_regimes)


def _positive(name: str, value: int) -> None:
    if value < 1:
        raise RegimeError("command line", name, "must be at least 1")


def run_compare(args: argparse.Namespace) -> int:
    # The report draws its charts with matplotlib, part of the lab extra: imported here, so the
    # bureau's other commands (serve, migrate, ...) run on a plain install.
    try:
        from bureau.policy.report import terminal_table, write_outputs
    except ModuleNotFoundError as exc:
        print(
            f"bureau compare: {exc.name} is missing: pip install 'fairfile[lab]'", file=sys.stderr
        )
        return 2
    try:
        _positive("--population", args.population)
        _positive("--years", args.years)
        _positive("--replicates", args.replicates)
        _positive("--sensitivity-population", args.sensitivity_population)
        if args.jobs is not None:
            _positive("--jobs", args.jobs)
        if args.sensitivity_trajectories < 2:
            raise RegimeError(
                "command line", "--sensitivity-trajectories", "must be at least 2 (sigma needs two)"
            )
        if args.sensitivity == "sobol":
            _power_of_two("--sobol-samples", args.sobol_samples)
            _positive("--sobol-top", args.sobol_top)
        sweep = parse_sweep(args.sweep) if args.sweep else None
        if sweep is not None and args.sweep_replicates < 2:
            raise RegimeError("command line", "--sweep-replicates", "must be at least 2")
        if args.burn_in is not None and args.burn_in < 0:
            raise RegimeError("command line", "--burn-in", "must not be negative")
        params = load_population_params(args.population_file)
        regimes = resolve_regimes(args.regimes, params.event_types)
    except (RegimeError, ValueError, OSError) as exc:
        print(f"bureau compare: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    burn = steady_state_years(regimes) if args.burn_in is None else args.burn_in
    months = 12 * (args.years + burn) * args.replicates
    desc = f"simulating {args.population:,} people x {len(regimes)} regimes"
    with _progress(months, desc, "month") as bar:
        comp = compare_replicates(
            regimes,
            args.population,
            args.years,
            args.seed,
            args.replicates,
            params,
            bar.update,
            burn,
        )
    if args.sensitivity:
        comp.sensitivity = _sensitivity(args, regimes, burn)
    if sweep is not None:
        try:
            comp.sweep = _sweep(args, sweep, regimes, burn)
        except (RegimeError, ValueError) as exc:
            print(f"bureau compare: {exc}", file=sys.stderr)
            return 2
    if not args.no_real_data:
        comp.realdata = _real_data(args.seed)
    paths = write_outputs(comp, Path(args.out))
    print(terminal_table(comp))
    print(
        f"\nreport: {paths['html']}  metrics: {paths['csv']}, {paths['json']}  "
        f"({time.perf_counter() - started:.0f}s)"
    )
    return 0


def _power_of_two(name: str, value: int) -> None:
    if value < 2 or value & (value - 1):
        raise RegimeError("command line", name, "must be a power of two, at least 2")


def _progress(total: int, desc: str, unit: str) -> tqdm[Any]:
    """A progress bar on stderr, so stdout keeps only the summary."""
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr)


def _runs(args: argparse.Namespace, population: int, burn: int) -> dict[str, Any]:
    """What every run of a sweep or a screen shares with the comparison it belongs to."""
    return {"population": population, "years": args.years, "seed": args.seed, "burn_in_years": burn}


def _sweep(
    args: argparse.Namespace, spec: SweepSpec, regimes: list[Regime], burn: int
) -> dict[str, Any]:
    from bureau.policy.sweep import run_sweep

    doc, source = population_document(args.population_file)
    months = 12 * (args.years + burn) * args.sweep_replicates * spec.steps
    with _progress(months, f"sweep: {spec.name}, {spec.steps} points", "month") as bar:
        return run_sweep(
            spec,
            regimes,
            doc,
            source,
            replicates=args.sweep_replicates,
            progress=bar.update,
            **_runs(args, args.population, burn),
        )


def _sensitivity(args: argparse.Namespace, regimes: list[Regime], burn: int) -> dict[str, Any]:
    from bureau.policy.sensitivity import assumed_factors, morris_screen, sobol_all

    doc, source = population_document(args.population_file)
    factors = assumed_factors(regimes, load_population_params(args.population_file))
    # Morris runs (parameters + 1) per trajectory in each block: the population's parameters
    # with every regime, then each regime's own with that regime alone.
    blocks = 1 + len(regimes) if any(f.owner == "population" for f in factors) else len(regimes)
    runs = args.sensitivity_trajectories * (len(factors) + blocks)
    with _progress(runs, f"sensitivity: {len(factors)} assumed parameters", "run") as bar:
        screen = morris_screen(
            regimes,
            doc,
            source,
            trajectories=args.sensitivity_trajectories,
            factors=factors,
            progress=bar.update,
            jobs=args.jobs or available_cpus(),
            **_runs(args, args.sensitivity_population, burn),
        )
    if args.sensitivity == "sobol":
        runs = len(regimes) * args.sobol_samples * (args.sobol_top + 2)
        with _progress(runs, f"sobol: top {args.sobol_top} factors per regime", "run") as bar:
            sobol_all(
                screen,
                regimes,
                doc,
                source,
                top=args.sobol_top,
                samples=args.sobol_samples,
                burn_in_years=burn,
                progress=bar.update,
            )
    return screen.as_json() | {"mode": args.sensitivity}


def _real_data(seed: int) -> dict[str, Any] | None:
    try:
        from bureau.policy.realdata import cached_check
    except ImportError:  # pragma: no cover - the lab extra is missing
        print(
            "bureau compare: real-data check skipped (pip install 'fairfile[lab]')", file=sys.stderr
        )
        return None
    print(
        "real-data check: German credit, 5x5 repeated stratified k-fold (cached by its inputs)",
        file=sys.stderr,
    )
    try:
        return cached_check(seed=seed)
    except (ImportError, FileNotFoundError) as exc:
        print(f"bureau compare: real-data check skipped ({exc})", file=sys.stderr)
        return None


def run_regimes(args: argparse.Namespace) -> int:
    targets = args.files or builtin_names()
    status = 0
    for target in targets:
        try:
            regime = load_regime(target)
            lab = regime.lab
            kind = lab.scoring.kind if lab else "live sections only"
            print(f"{regime.id:<16} ok  {kind:<10} {regime.name}")
        except RegimeError as exc:
            print(str(exc), file=sys.stderr)
            status = 1
    return status
