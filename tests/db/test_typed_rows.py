"""No new untyped rows: `dict_row` only in the modules docs/architecture.md lists (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bureau", "consent", "disputes")


def _listed() -> set[str]:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = page.split("<!-- dict-row-modules")[1].split("<!-- /dict-row-modules -->")[0]
    return set(re.findall(r"`([\w/]+\.py)`", block))


def _using_dict_row(root: Path) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for package in PACKAGES
        for path in (root / package).rglob("*.py")
        if "dict_row" in path.read_text(encoding="utf-8")
    }


def test_dict_row_only_in_the_modules_the_architecture_page_lists() -> None:
    unlisted = _using_dict_row(ROOT) - _listed()
    assert not unlisted, f"dict_row outside docs/architecture.md's list: {sorted(unlisted)}"


def test_the_list_names_only_modules_that_still_use_it() -> None:
    stale = _listed() - _using_dict_row(ROOT)
    assert not stale, f"listed but typed now (take them off the list): {sorted(stale)}"


def test_the_check_can_fail(tmp_path: Path) -> None:
    (tmp_path / "bureau").mkdir()
    (tmp_path / "bureau" / "new.py").write_text("from psycopg.rows import dict_row\n")
    for package in PACKAGES[1:]:
        (tmp_path / package).mkdir()
    assert _using_dict_row(tmp_path) - _listed() == {"bureau/new.py"}
