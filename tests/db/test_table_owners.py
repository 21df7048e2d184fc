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


COPY_CALLS = {"copy_binary"}
"""Helpers that write the table named by their second argument (`bureau/db/copy.py`): the
module that calls one for a table is that table's writer."""


def _copied(source: str) -> list[str]:
    """The tables a module hands to a COPY helper by name: `copy_binary(conn, "table", ...)`."""
    return [
        node.args[1].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and (node.func.id if isinstance(node.func, ast.Name)
             else node.func.attr if isinstance(node.func, ast.Attribute) else None) in COPY_CALLS
        and len(node.args) > 1
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    ]  # fmt: skip


def writers(sources: dict[str, str], tables: set[str]) -> dict[str, set[str]]:
    """Table -> the modules (paths) whose SQL writes it."""
    found: dict[str, set[str]] = defaultdict(set)
    for path, source in sources.items():
        for table in _copied(source):
            if table in tables:
                found[table].add(path)
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


def _unexplained(code: dict[str, str]) -> dict[str, list[str]]:
    """Table -> its writing modules, for each table with more writers than the page allows."""
    allowed = _exceptions()
    shared = {t: m for t, m in writers(code, _tables()).items() if len(m) > 1}
    return {t: sorted(m - allowed[t]) for t, m in shared.items() if m - allowed[t]}


def test_every_table_is_written_from_one_module_or_a_listed_exception() -> None:
    assert _unexplained(_code()) == {}


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


def test_a_second_writer_by_copy_is_found() -> None:
    """A bulk write by the COPY helper or a COPY statement counts like an INSERT."""
    sources = {
        "bureau/furnishing/repo.py": 'copy_binary(conn, "furnish_stage", COLUMNS, TYPES, rows)',
        "bureau/other/repo.py": 'from bureau.db import copy\ncopy.copy_binary(c, "furnish_stage", C, T, r)',
        "bureau/third/repo.py": 'cur.copy("COPY furnish_stage (a, b) FROM STDIN (FORMAT BINARY)")',
        "bureau/reader.py": 'copy_binary(conn, "elsewhere", C, T, r)  # another table',
    }
    assert writers(sources, {"furnish_stage"}) == {
        "furnish_stage": {
            "bureau/furnishing/repo.py", "bureau/other/repo.py", "bureau/third/repo.py"
        }
    }  # fmt: skip


def test_a_second_copy_writer_in_the_code_fails_the_owner_check() -> None:
    """The real tree plus one module that copies into a table another module owns."""
    code = _code() | {"bureau/intruder.py": 'copy_binary(conn, "identity_documents", C, T, r)'}
    assert _unexplained(code) == {
        "identity_documents": ["bureau/intruder.py", "bureau/subjects/identities.py"]
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
