"""The report shows rewards beside sanctions, the joint run beside the separate runs, the
companies, and each regime's mechanisms with their sources; its new tables scroll, not overflow."""

from __future__ import annotations

import csv
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from bureau.policy.lab import Comparison, compare, resolve_regimes
from bureau.policy.mechanisms_report import mechanism_rows
from bureau.policy.report import render_html, write_outputs
from tests.policy.fast import BURN_IN, PEOPLE

SECTIONS = (
    "Rewards beside sanctions",
    "The bundled system: regimes run jointly beside each alone",
    "Companies and their legal representatives",
    "Each regime's mechanisms and their sources",
)


@cache
def _comparison() -> Comparison:
    return compare(resolve_regimes(["all"]), PEOPLE, 1, seed=2, burn_in_years=BURN_IN)


@cache
def _html() -> str:
    return render_html(_comparison())


def _section(title: str) -> str:
    html = _html()
    start = html.index(f"<h2>{title}</h2>")
    end = html.find("<h2>", start + 4)
    return html[start:end]


class _Tables(HTMLParser):
    """Each table's enclosing element (tag and class)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.parents: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.parents.append(self.stack[-1] if self.stack else ("", ""))
        self.stack.append((tag, dict(attrs).get("class") or ""))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass


def test_rewards_sit_beside_sanctions_for_every_regime_and_domain() -> None:
    section = _section("Rewards beside sanctions")
    for m in _comparison().regimes:
        assert f"<b>{m.regime}</b>" in section
    sesame = next(m for m in _comparison().regimes if m.regime == "sesame")
    credit = f"0.0% / {100 * sesame.reward_domain_shares['credit']:.1f}%"
    row = section.split("<b>sesame</b>", 1)[1].split("</tr>", 1)[0]
    assert credit in row  # Sesame: nothing restricted, perks in credit


def test_the_joint_run_sits_beside_its_members_run_alone() -> None:
    section = _section("The bundled system: regimes run jointly beside each alone")
    (joint,) = _comparison().joint
    assert "pboc-crc <small>alone</small>" in section
    assert "spc-blacklist <small>alone</small>" in section
    assert f"<b>{joint.name}</b> <small>jointly</small>" in section
    assert "pboc-crc: spc-list-credit" in section


def test_the_companies_table_shows_each_regime_that_holds_companies() -> None:
    section = _section("Companies and their legal representatives")
    assert "<b>spc-blacklist</b>" in section and "<b>pboc-crc</b>" in section
    assert "<b>sesame</b>" not in section


def test_each_regimes_mechanisms_are_listed_with_their_sources() -> None:
    section = _section("Each regime's mechanisms and their sources")
    for regime in resolve_regimes(["all"]):
        assert f"<h3>{regime.id}</h3>" in section
    spc = section.split("<h3>spc-blacklist</h3>", 1)[1].split("<h3>", 1)[0]
    assert "<code>companies.representative_domains</code>" in spc
    assert "joint-and-rewards.md#companies" in spc
    sesame = section.split("<h3>sesame</h3>", 1)[1].split("<h3>", 1)[0]
    row = sesame.split("<code>opacity.locate_share</code>", 1)[1].split("</tr>", 1)[0]
    assert "assumed:" in row and "range 0 to 0.3" in row


def test_every_mechanism_parameter_with_a_provenance_has_a_row() -> None:
    for regime in resolve_regimes(["pboc-crc", "sesame", "suining"]):
        rows = mechanism_rows(regime)
        listed = {re.sub(r"</?code>", "", r[1]) for r in rows}
        roots = ("rewards", "participation", "opacity", "joint", "indicators", "companies")
        expected = {
            p for p in regime.require_lab().provenance if p.split(".")[0] in (*roots, "budgets")
        }
        assert expected and expected == listed, regime.id


def test_the_new_tables_scroll_inside_the_page_at_390_px() -> None:
    for title in SECTIONS:
        parser = _Tables()
        parser.feed(_section(title))
        assert parser.parents, title
        assert all(p == ("div", "wide") for p in parser.parents), title


def test_metrics_csv_gives_each_regimes_rewards_per_domain(tmp_path: Path) -> None:
    paths = write_outputs(_comparison(), tmp_path)
    rows = {r["regime"]: r for r in csv.DictReader(paths["csv"].open(encoding="utf-8"))}
    sesame = next(m for m in _comparison().regimes if m.regime == "sesame")
    assert float(rows["sesame"]["reward_credit"]) == sesame.reward_domain_shares["credit"] > 0
    assert float(rows["sesame"]["reward_jobs"]) == 0.0
    assert float(rows["suining"]["reward_jobs"]) > 0  # grade A: preferential access to jobs
