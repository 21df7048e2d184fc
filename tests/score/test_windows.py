"""The score's lookback windows have one definition, and the published tables say the same.

The windows (24 months of lates, 12 months of new accounts, 365 days of hard inquiries) belong
to the published points table, not to the regime (docs/score.md says why). They are defined once,
in bureau/score/attributes.py; a published table names them in its attribute names, titles and
bins, so a table whose words disagree with what the code counts fails here.
"""

from __future__ import annotations

import re
from importlib import resources

import pytest

from bureau.score import attributes
from bureau.score.scorecard import load_scorecard
from tests.score.files import account, scoring_input

PUBLISHED = sorted(
    entry.name.removesuffix(".toml")
    for entry in (resources.files("bureau.score") / "scorecards").iterdir()
    if entry.name.endswith(".toml")
)

# The window each windowed attribute counts over, in months, as the code defines it.
WINDOW_MONTHS = {
    "worst_late_24m": attributes.LATE_WINDOW_MONTHS,
    "late_months_24m": attributes.LATE_WINDOW_MONTHS,
    "months_since_late": attributes.LATE_WINDOW_MONTHS,
    "accounts_opened_12m": attributes.NEW_CREDIT_MONTHS,
    "hard_inquiries_12m": attributes.INQUIRY_DAYS * 12 // 365,
}


def test_every_windowed_attribute_of_a_table_is_known() -> None:
    for version in PUBLISHED:
        windowed = {a.name for a in load_scorecard(version).attributes
                    if re.search(r"_\d+m$", a.name) or re.search(r"\d+ months", a.title)}  # fmt: skip
        assert windowed <= set(WINDOW_MONTHS), (version, windowed - set(WINDOW_MONTHS))


@pytest.mark.parametrize("version", PUBLISHED)
def test_a_published_table_names_the_windows_the_code_counts(version: str) -> None:
    card = load_scorecard(version)
    for name, months in WINDOW_MONTHS.items():
        attribute = card.attribute(name)
        suffix = re.search(r"_(\d+)m$", name)
        if suffix:
            assert int(suffix.group(1)) == months, name
        stated = {int(n) for n in re.findall(r"(\d+) months", attribute.title)}
        assert stated <= {months}, (name, attribute.title)


def test_no_late_in_the_window_is_the_bin_just_past_it() -> None:
    """`months_since_late` answers one more than the window when there is no late in it, and
    every published table scores that value in its own, open-ended bin."""
    clean = scoring_input([account(history="0" * 24)])
    assert attributes.months_since_late(clean) == attributes.LATE_WINDOW_MONTHS + 1
    for version in PUBLISHED:
        top = load_scorecard(version).attribute("months_since_late").bins[-1]
        assert (top.low, top.high) == (attributes.LATE_WINDOW_MONTHS + 1, None), version
