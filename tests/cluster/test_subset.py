"""The cluster subset (tests/cluster/subset.py) cannot silently shrink: it holds at least a
third of the suite's tests, a test of every test package, a test requesting a route of every
router module, all of tests/cluster, and the tests that apply and place every migration.

Runs on one node too (it only collects the suite, in a child pytest, and reads source files).
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.routing import APIRoute

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
_TOTAL = re.compile(r"^(?:(\d+)/)?(\d+) tests? collected")


@cache
def _collected() -> tuple[frozenset[str], int]:
    """(node ids of the subset, number of tests in the whole suite), as pytest collects them."""
    env = {k: v for k, v in os.environ.items() if k != "FAIRFILE_TEST_CLUSTER"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-m", "cluster", "tests"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    ids = frozenset(line for line in done.stdout.splitlines() if "::" in line)
    for line in reversed(done.stdout.splitlines()):
        found = _TOTAL.match(line.strip())
        if found:
            return ids, int(found.group(2))
    raise AssertionError(f"no total in pytest's collection: {done.stdout[-500:]}")


def _modules() -> set[str]:
    """The test modules the subset holds (paths relative to the repository)."""
    return {nodeid.split("::", 1)[0] for nodeid in _collected()[0]}


def test_the_subset_holds_at_least_a_third_of_the_suite() -> None:
    ids, total = _collected()
    assert total > 0 and 3 * len(ids) >= total, f"{len(ids)} of {total}"


def test_the_subset_has_tests_of_every_test_package() -> None:
    packages = {p.relative_to(ROOT).parts[:2] for p in TESTS.glob("*/**/test_*.py")}
    if any(TESTS.glob("test_*.py")):
        packages.add(("tests",))
    held = {tuple(Path(m).parts[:2]) if len(Path(m).parts) > 2 else ("tests",)
            for m in _modules()}  # fmt: skip
    assert sorted("/".join(p) for p in packages - held) == []


def test_the_subset_holds_all_of_tests_cluster_and_the_migration_tests() -> None:
    wanted = {str(p.relative_to(ROOT)) for p in (TESTS / "cluster").glob("test_*.py")}
    wanted |= {"tests/db/test_migrate.py", "tests/db/test_distribution.py"}
    assert sorted(wanted - _modules()) == []


def _routers() -> dict[str, list[str]]:
    """Router module -> the paths of its routes, for every module of the three packages that
    declares an APIRouter with routes."""
    found: dict[str, list[str]] = {}
    for package in ("bureau", "consent", "disputes"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "APIRouter(" not in path.read_text(encoding="utf-8"):
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            module = importlib.import_module(name)
            paths = sorted({route.path for value in vars(module).values()
                            if isinstance(value, APIRouter)
                            for route in value.routes if isinstance(route, APIRoute)})  # fmt: skip
            if paths:
                found[name] = paths
    return found


def _head(path: str) -> str:
    """A route path up to its first parameter: what a test requesting it must spell."""
    return path.split("{", 1)[0]


def _requesting(paths: list[str], texts: list[str]) -> bool:
    return any(len(_head(p)) > 1 and _head(p) in text for p in paths for text in texts)


def test_the_subset_requests_a_route_of_every_router_module_the_suite_requests() -> None:
    """Every router module a test of the suite requests has a test in the subset requesting
    it (a test module spelling one of its paths up to the first parameter)."""
    subset = [(ROOT / m).read_text(encoding="utf-8") for m in sorted(_modules())]
    suite = [p.read_text(encoding="utf-8") for p in sorted(TESTS.rglob("test_*.py"))
             if p != Path(__file__).resolve()]  # fmt: skip
    routers = _routers()
    assert len(routers) >= 20, sorted(routers)  # the scan itself still finds the routers
    requested = {name for name, paths in routers.items() if _requesting(paths, suite)}
    # the portal's stylesheet is the one route no test requests; the front page's one path,
    # `/`, is too short to be told apart in a test's text (tests/api/test_front_page.py)
    assert sorted(set(routers) - requested) == ["bureau.api.front_page", "bureau.web.routes"]
    assert sorted(n for n in requested if not _requesting(routers[n], subset)) == []
