"""The report's tables for the mechanisms beyond bands: rewards, joint runs, companies, sources.

Why tables of their own (report.py places them): a reader comparing regimes must see the carrot
beside the stick in each life domain, the bundled system beside the agencies run alone, what a
regime does to companies and through them to people, and, for every mechanism, the number the
simulation used and where it comes from. Each table sits in the `.wide` scroll wrapper so it
scrolls inside the page on a 390 px screen instead of widening it.
"""

from __future__ import annotations

from html import escape
from typing import Any

from bureau.policy.catalogue import DOMAINS
from bureau.policy.lab import Comparison
from bureau.policy.regime import Regime
from bureau.policy.schema import MECHANISM_ROOTS

# Sections of a regime file the mechanisms table lists, in order, with their names for readers.
MECHANISM_LABELS: dict[str, str] = {
    "rewards": "Rewards (perks, red lists)",
    "participation": "Opt-in take-up",
    "opacity": "Opacity",
    "domain_reach": "Reach into a domain",
    "joint": "Joint punishment",
    "indicators": "Indicators collected",
    "companies": "Companies and legal representatives",
    "budgets": "Point budgets",
    # The blacklist's procedure, dated changes, merits and plaques (procedure.py, changes.py,
    # merits.py).
    "procedure": "Blacklist procedure (routes, ability test, restoration, lifting delays)",
    "changes": "Dated changes (2019 rules)",
    "calendar": "Calendar of the dated changes",
    "merits": "Self-reported merits",
    "plaques": "Household plaques",
}


def _share(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}%"


def _years(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1f}"


def _ratio(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}"


def _wide(head: list[str], rows: list[list[str]], left: int = 1) -> str:
    """A table in the scroll wrapper; its first `left` columns are text (left-aligned), the
    rest numbers."""

    def cell(tag: str, i: int, text: str) -> str:
        return f'<{tag} class="l">{text}</{tag}>' if i < left else f"<{tag}>{text}</{tag}>"

    cells = "".join(cell("th", i, h) for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    return f'<div class="wide"><table><tr>{cells}</tr>{body}</table></div>'


def rewards_section(comp: Comparison) -> str:
    """Per regime: who was ever sanctioned and who ever rewarded, then per life domain the share
    restricted beside the share rewarded."""
    head = ["Regime", "Sanctioned", "Rewarded", "Months rewarded", "Enrolled"]
    head += [
        f"{escape(d.replace('_', ' '))}<br><small>restricted / rewarded</small>" for d in DOMAINS
    ]
    rows = []
    for m in comp.regimes:
        row = [
            f"<b>{escape(m.regime)}</b>",
            _share(m.share_sanctioned),
            _share(m.share_rewarded),
            _share(m.share_months_rewarded),
            _share(m.share_enrolled),
        ]
        for d in DOMAINS:
            row.append(
                f"{_share(m.domain_shares.get(d, 0.0))} / "
                f"{_share(m.reward_domain_shares.get(d, 0.0))}"
            )
        rows.append(row)
    return (
        '<p class="note">Share of all people ever restricted, and ever rewarded, in each life '
        "domain during the measured years; <i>months rewarded</i> is person-months holding a "
        "reward over all person-months. A reward is a benefit a band earns (the regime file's "
        "<code>[rewards]</code>); an opt-in regime neither restricts nor rewards who never "
        "joined (<i>enrolled</i>).</p>" + _wide(head, rows)
    )


def joint_section(comp: Comparison) -> str:
    """Each bundle of regimes linked by joint rules: its members run alone, then run together."""
    if not comp.joint:
        return (
            "<p>No two regimes compared here are linked by a joint rule (<code>[[joint]]</code>; "
            "pboc-crc and spc-blacklist are).</p>"
        )
    by_id = {m.regime: m for m in comp.regimes}
    parts = []
    for j in comp.joint:
        head = ["Run", "Sanctioned", "Median years", "Domains", "Wrongly sanctioned", "Disparity"]
        head += [escape(d.replace("_", " ")) for d in DOMAINS]
        rows = []
        for member in j.members:
            m = by_id[member]
            rows.append(
                [
                    f"{escape(member)} <small>alone</small>",
                    _share(m.share_sanctioned),
                    _years(m.median_years_sanctioned),
                    _years(m.domains_per_sanctioned),
                    _share(m.share_wrongly_sanctioned),
                    _ratio(m.disparity_ratio),
                    *(_share(m.domain_shares.get(d, 0.0)) for d in DOMAINS),
                ]
            )
        rows.append(
            [
                f"<b>{escape(j.name)}</b> <small>jointly</small>",
                _share(j.share_sanctioned),
                _years(j.median_years_sanctioned),
                _years(j.domains_per_sanctioned),
                _share(j.share_wrongly_sanctioned),
                _ratio(j.disparity_ratio),
                *(_share(j.domain_shares.get(d, 0.0)) for d in DOMAINS),
            ]
        )
        rules = ", ".join(escape(r) for r in j.rules) or "none"
        parts.append(
            f"<p>Joint rules: {rules}. Restricted by a joint rule at some time: "
            f"{_share(j.share_restricted_by_joint_rules)} of people.</p>" + _wide(head, rows)
        )
    return (
        '<p class="note">The same lives through the linked regimes at once: a person is '
        "sanctioned when any member, or a joint rule, restricts them; time sanctioned counts "
        "each day once (the union of the spells). The rows above the joint one are the "
        "members run alone.</p>" + "".join(parts)
    )


def companies_section(comp: Comparison) -> str:
    """What each regime holding companies did to them, and through them to their representatives."""
    if not comp.companies:
        return (
            "<p>No regime compared here holds companies (a regime's <code>[companies]</code>; "
            "the population file's <code>[companies]</code> draws them).</p>"
        )
    spec = comp.population_params.companies
    head = [
        "Regime",
        "Companies",
        "Sanctioned",
        "Wrongly sanctioned",
        "Median years",
        "Companies per person sanctioned",
        "People reached through their company",
        "… only through it",
    ]
    rows = [
        [
            f"<b>{escape(c.regime)}</b>",
            f"{c.companies:,}",
            _share(c.share_sanctioned),
            _share(c.share_wrongly_sanctioned),
            _years(c.median_years_sanctioned),
            _ratio(c.companies_per_person_sanctioned),
            _share(c.share_people_reached),
            _share(c.share_people_only_through_company),
        ]
        for c in comp.companies
    ]
    target = (
        f" The population file draws {spec.per_person:g} companies per person and lists them "
        f"to give {spec.listing_ratio:g} companies per person newly listed (seed 004: 55,000 "
        "companies and 228,000 people, September 2018)."
        if spec is not None
        else ""
    )
    joint = "".join(
        f"<p>Companies under {escape(j.name)} jointly ({escape(', '.join(j.rules))}): "
        f"{_share(j.share_sanctioned)} sanctioned, {_share(j.share_restricted_by_joint_rules)} "
        "restricted by a joint rule.</p>"
        for j in comp.company_joint
    )
    return (
        '<p class="note">Companies are a second kind of subject, each with a legal '
        "representative among the people; a company's listing restricts its representative in "
        "the domains the regime names (spc-blacklist: travel, housing, schooling, consumption; seed 003). "
        f"Shares of companies, except the last two columns (shares of people).{target}</p>"
        + _wide(head, rows)
        + joint
    )


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value).lower() if isinstance(value, bool) else str(value)


def mechanism_rows(regime: Regime) -> list[list[str]]:
    """One row per parameter of the regime's mechanisms: section, parameter, value, source."""
    lab = regime.require_lab()
    roots = [*MECHANISM_LABELS, *(r for r in MECHANISM_ROOTS if r not in MECHANISM_LABELS)]
    rows = []
    for root in roots:
        for path, entry in sorted(lab.provenance.items()):
            if path.split(".")[0] != root:
                continue
            rows.append(
                [
                    escape(MECHANISM_LABELS.get(root, root)),
                    f"<code>{escape(path)}</code>",
                    escape(_value(entry.value)),
                    escape(entry.citation()),
                ]
            )
    return rows


def mechanisms_section(regimes: list[Regime]) -> str:
    """Each regime's mechanisms in a table, each value with its source or its assumption."""
    parts = []
    for regime in regimes:
        rows = mechanism_rows(regime)
        if not rows:
            rows = [["none", "", "", "the regime file declares no mechanism beyond its bands"]]
        table = _wide(["Mechanism", "Parameter", "Value", "Source"], rows, left=4)
        parts.append(f"<h3>{escape(regime.id)}</h3>{table}")
    return (
        '<p class="note">What each regime does beyond its bands (bureau/policy/mechanisms.py and '
        "the modules it names), with the value the run used and its source: a passage shipped "
        "in <code>bureau/policy/sources/</code> pinned by its hash, or <i>assumed</i> with the "
        "reason and the range the sensitivity screen varies.</p>" + "".join(parts)
    )
