"""One owner per table: each table is written by one repository module (docs/architecture.md).

Reads every string literal (docstrings aside) in bureau/, consent/ and disputes/ for INSERT,
UPDATE, DELETE and COPY statements on the schema's tables, so a second writer of a table
fails here unless the architecture page lists it with its reason.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bureau", "consent", "disputes")
WRITES = (
    re.compile(r"\bINSERT\s+INTO\s+(\w+)"),
    re.compile(r"\bUPDATE\s+(\w+)\s+SET\b"),
    re.compile(r"\bDELETE\s+FROM\s+(\w+)"),
    re.compile(r"\bCOPY\s+(\w+)\b"),
)


def _tables() -> set[str]:
    found: set[str] = set()
    for migration in (ROOT / "bureau/db/migrations").glob("*.sql"):
        found |= set(re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", migration.read_text()))
    return found


def _strings(source: str) -> list[str]:
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings
    ]  # fmt: skip


COMPOSED = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY)\s+\{\}")
"""A write whose table is composed in (`psycopg.sql.Identifier`): the module is taken to write
every table it names in a string of its own."""


def writers(sources: dict[str, str], tables: set[str]) -> dict[str, set[str]]:
    """Table -> the modules (paths) whose SQL writes it."""
    found: dict[str, set[str]] = defaultdict(set)
    for path, source in sources.items():
        strings = _strings(source)
        for text in strings:
            for pattern in WRITES:
                for table in pattern.findall(text):
                    if table in tables:
                        found[table].add(path)
        if any(COMPOSED.search(text) for text in strings):
            for table in tables & set(strings):
                found[table].add(path)
    return found


def _code() -> dict[str, str]:
    return {
        str(path.relative_to(ROOT)): path.read_text()
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _exceptions() -> dict[str, set[str]]:
    """Table -> modules the architecture page allows to write it beside one another."""
    page = (ROOT / "docs/architecture.md").read_text()
    block = page.split("<!-- owners-exceptions")[1].split("<!-- /owners-exceptions -->")[0]
    allowed: dict[str, set[str]] = defaultdict(set)
    for line in block.splitlines():
        if not line.startswith("- "):
            continue
        head = line.split(" — ")[0]
        names, _, modules = head.partition(":")
        for table in re.findall(r"`(\w+)`", names):
            allowed[table] |= set(re.findall(r"`([\w/]+\.py)`", modules))
    return allowed


def test_every_table_is_written_from_one_module_or_a_listed_exception() -> None:
    allowed = _exceptions()
    shared = {t: m for t, m in writers(_code(), _tables()).items() if len(m) > 1}
    unexplained = {t: sorted(m - allowed[t]) for t, m in shared.items() if m - allowed[t]}
    assert unexplained == {}


def test_the_listed_exceptions_are_still_needed() -> None:
    """An exception whose table lost its second writer is stale and must go from the page."""
    found = writers(_code(), _tables())
    for table, modules in _exceptions().items():
        assert len(found.get(table, set())) > 1, f"{table} has one writer now: drop its exception"
        assert modules <= found[table], (
            f"{table}: {sorted(modules - found[table])} no longer write it"
        )


def test_a_second_writer_of_a_table_is_found() -> None:
    sources = {
        "bureau/reports/repo.py": 'SQL = "INSERT INTO reports (report_id) VALUES (%s)"',
        "bureau/other/repo.py": 'SQL = """\n    UPDATE reports SET digest = %s\n"""',
        "bureau/docs_only.py": '"""A docstring that says INSERT INTO reports is not SQL."""',
        "disputes/composed.py": 'T = {"r": "reports"}\nQ = sql.SQL("UPDATE {} SET x = 1")',
    }
    assert writers(sources, {"reports"}) == {
        "reports": {"bureau/reports/repo.py", "bureau/other/repo.py", "disputes/composed.py"}
    }


def test_report_release_tables_have_one_writer_each() -> None:
    found = writers(_code(), _tables())
    for table, owner in (
        ("reports", "bureau/reports/repo.py"),
        ("report_scores", "bureau/reports/repo.py"),
        ("consent_grants", "consent/repo.py"),
        ("notices", "bureau/notices/delivery.py"),
        ("tradeline_reports", "bureau/furnishing/repo.py"),
    ):
        assert found[table] == {owner}, table
