"""The law as data: regimes, the population simulator and the comparison report.

The lab's Python API is importable from here (`from bureau.policy import compare`); names are
resolved on first use, so the live service, which reads only the regime loader, never pays for
numpy, matplotlib or SALib.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

API = {
    "load_regime": "bureau.policy.regime",
    "builtin_names": "bureau.policy.regime",
    "builtin_reforms": "bureau.policy.regime",
    "parse_regime": "bureau.policy.regime",
    "apply_reform": "bureau.policy.reform",
    "with_assumption": "bureau.policy.reform",
    "load_population_params": "bureau.policy.population",
    "population_document": "bureau.policy.population",
    "parse_population_params": "bureau.policy.population",
    "resolve_regimes": "bureau.policy.lab",
    "compare": "bureau.policy.lab",
    "compare_replicates": "bureau.policy.lab",
    "morris_screen": "bureau.policy.sensitivity",
    "sobol_indices": "bureau.policy.sensitivity",
    "render_html": "bureau.policy.report",
    "write_outputs": "bureau.policy.report",
    "terminal_table": "bureau.policy.report",
    "cached_check": "bureau.policy.realdata",
}
__all__ = sorted(API)


def __getattr__(name: str) -> Any:
    module = API.get(name)
    if module is None:
        raise AttributeError(f"module 'bureau.policy' has no attribute {name!r}")
    return getattr(import_module(module), name)
