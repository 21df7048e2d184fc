"""The report reads on a phone: no table pushes the page wider than the screen."""

from __future__ import annotations

import re

from bureau.policy.lab import Comparison
from bureau.policy.report import render_html


def test_every_table_of_the_report_scrolls_in_its_own_wrapper(full_comparison: Comparison) -> None:
    """A table wider than a 390 px screen scrolls inside `.wide` instead of widening the page
    (the grades-by-year table did, and the sensitivity, source and real-data tables)."""
    html = render_html(full_comparison)
    tables = len(re.findall(r"<table\b", html))
    wrapped = len(re.findall(r'<div class="wide"><table\b', html))
    assert tables >= 10
    assert wrapped == tables
    assert "grades / list status at each year end" in html
