"""docs/architecture.md names only modules that exist, so a newcomer's map matches the code.

Every file path (`bureau/file/assemble.py`, `disputes/`) and every dotted module name
(`bureau.api.deps`) on the page must be found in the repository; the page's flows name the
modules where consent is decided, a deadline computed and a report assembled.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"

# The optional layers of the import-linter contract (parenthesised in pyproject.toml): named on
# the page as the contract's, checked by it once they exist.
OPTIONAL_LAYERS = {"bureau.reports", "bureau.events"}

PATH = re.compile(r"\b(?:bureau|consent|disputes|tests|bench|docs)/[\w/.]*")
DOTTED = re.compile(r"(?<![\w/.])(?:bureau|consent|disputes)(?:\.[a-z_][a-z0-9_]*)+")


def _paths(text: str) -> set[str]:
    return {m.group(0).rstrip(".") for m in PATH.finditer(text)}


def _modules(text: str) -> set[str]:
    return {m.group(0) for m in DOTTED.finditer(text)}


def test_every_file_path_on_the_architecture_page_exists() -> None:
    paths = _paths(DOC.read_text(encoding="utf-8"))
    assert len(paths) > 50  # the page really names the code
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert missing == []


def _exists(name: str) -> bool:
    """A module (`bureau.db.write`) or a name defined in one (`bureau.db.write.Write`)."""
    parent, _, attribute = name.rpartition(".")
    try:
        if importlib.util.find_spec(name) is not None:
            return True
    except ModuleNotFoundError:  # the parent is a module, not a package
        pass
    return bool(parent) and _exists(parent) and hasattr(importlib.import_module(parent), attribute)


def test_every_module_name_on_the_architecture_page_exists() -> None:
    modules = _modules(DOC.read_text(encoding="utf-8")) - OPTIONAL_LAYERS
    assert "bureau.api.deps" in modules
    missing = sorted(m for m in modules if not _exists(m))
    assert missing == []


def test_the_page_names_where_consent_deadlines_and_reports_are_decided() -> None:
    text = DOC.read_text(encoding="utf-8")
    for module, role in [
        ("consent/decision.py", "where consent is decided"),
        ("disputes/deadlines.py", "where a deadline is computed"),
        ("bureau/file/assemble.py", "where a report is assembled"),
    ]:
        line = next(line for line in text.splitlines() if role in line)
        assert module in line, (role, line)


def test_the_path_check_can_fail() -> None:
    assert _paths("see `bureau/file/nowhere.py` and `disputes/`") == {
        "bureau/file/nowhere.py",
        "disputes/",
    }
    assert not (ROOT / "bureau/file/nowhere.py").exists()
    assert _modules("`bureau.api.nowhere`, not bureau/api/deps.py") == {"bureau.api.nowhere"}
    assert not _exists("bureau.api.nowhere") and not _exists("bureau.db.write.nowhere")
    assert _exists("bureau.db.write.Write")
