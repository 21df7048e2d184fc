"""The Python API example in docs/policy.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "policy.md"


def _example() -> str:
    text = DOC.read_text("utf-8")
    section = text[text.index("## Python API") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "docs/policy.md: the Python API section has no python block"
    return match.group(1)


def test_the_documented_python_api_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(_example(), str(DOC), "exec"), {})
    out = capsys.readouterr().out
    assert "rongcheng-six-classes" in out and "rongcheng-mild-jaywalking" in out
