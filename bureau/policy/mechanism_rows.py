"""Rows of the report's mechanisms table for the blacklist's procedure, dated changes, merits
and plaques: what each mechanism does under this regime, in its own values, and the
parameters whose provenance names its sources.

Why rows built from the parsed regime rather than written by hand: the table must say what
the run did, so a what-if (a reform file, a sweep) shows its own values and sources.
"""

from __future__ import annotations

from dataclasses import dataclass

from bureau.policy.provenance import Provenance, covering
from bureau.policy.schema import Lab


@dataclass(frozen=True)
class MechanismRow:
    """One mechanism of one regime: its name, its rule with the regime's values, and the
    dotted paths of the parameters it reads."""

    mechanism: str
    rule: str
    parameters: tuple[str, ...]

    def sources(self, provenance: dict[str, Provenance]) -> list[str]:
        """Each distinct source of the parameters (`document.md#id`), then `assumed` when
        any of them is an assumption."""
        found: list[str] = []
        assumed = False
        for path in self.parameters:
            entry = covering(provenance, path)
            if entry is None or entry.assumed:
                assumed = True
            elif entry.source and entry.source not in found:
                found.append(entry.source)
        return found + (["assumed"] if assumed else [])


def _procedure_rows(lab: Lab) -> list[MechanismRow]:
    p = lab.procedure
    if p is None:
        return []
    rows: list[MechanismRow] = []
    if p.administrative_events:
        rows.append(
            MechanismRow(
                "administrative route",
                f"{', '.join(p.administrative_events)} list the person "
                f"({p.listed_share:.1%} of those records reach the list)",
                ("procedure.administrative.events", "procedure.administrative.listed_share"),
            )
        )
    if p.income_floor_z is not None:
        rows.append(
            MechanismRow(
                "ability to perform",
                f"income below {p.income_floor_z:g} SD: not listed when tested "
                f"({p.checked_share:.0%} of entries); listed untested, wrongly",
                ("procedure.ability.income_floor_z", "procedure.ability.checked_share"),
            )
        )
    if p.restoration is not None:
        r = p.restoration
        rows.append(
            MechanismRow(
                "credit restoration",
                f"after paying ({p.pay_share_per_year:g} a year), {r.take_up_share:.0%} restore: "
                f"commitment {r.commitment_days} d, training {r.training_days} d, objection "
                f"period {r.objection_days} d, then off the list",
                (
                    "procedure.administrative.pay_share_per_year",
                    *(
                        f"procedure.restoration.{k}"
                        for k in (
                            "take_up_share",
                            "commitment_days",
                            "training_days",
                            "objection_days",
                        )
                    ),
                ),
            )
        )
    delays = p.delays()
    if delays:
        rows.append(
            MechanismRow(
                "lifting delays",
                "each agency lifts after the listing ends: "
                + ", ".join(f"{d.replace('_', ' ')} {n} d" for d, n in delays.items()),
                tuple(f"procedure.lift_delay_days.{d}" for d in delays),
            )
        )
    return rows


def _change_rows(lab: Lab) -> list[MechanismRow]:
    if lab.calendar is None:
        return []
    rows: list[MechanismRow] = []
    for c in lab.calendar.changes:
        what: list[str] = []
        params = [f"changes.{c.name}.year", "calendar.first_year"]
        if c.serious_only:
            shares = (lab.procedure.serious_share if lab.procedure else None) or {}
            what.append(
                "only serious violations listed ("
                + ", ".join(f"{route} {share:.0%}" for route, share in shares.items())
                + " of entries)"
            )
            params += [f"changes.{c.name}.serious_only"]
            params += [f"procedure.serious_share.{route}" for route in shares]
        if c.penalties is False:
            what.append("no band restricts any domain")
            params.append(f"changes.{c.name}.penalties")
        if c.opt_in_share is not None:
            what.append(f"opt-in: {c.opt_in_share:.0%} stay scored")
            params.append(f"changes.{c.name}.opt_in_share")
        rows.append(
            MechanismRow(
                f"{c.year} change ({c.name})",
                f"from {c.year}: " + "; ".join(what),
                tuple(params),
            )
        )
    return rows


def _merit_rows(lab: Lab) -> list[MechanismRow]:
    m = lab.merits
    if m is None:
        return []
    rows: list[MechanismRow] = []
    if m.report_share is not None:
        rows.append(
            MechanismRow(
                "self-reported merits",
                f"a merit counts only for the {m.report_share:.0%} who report it with proof",
                ("merits.report_share",),
            )
        )
    if m.plaques is not None:
        pl = m.plaques
        rows.append(
            MechanismRow(
                "household plaques",
                f"{pl.share_per_year:.0%} a year of households ({pl.household_size} people) "
                f"without one get a plaque: a reward in {', '.join(sorted(pl.domains))}",
                ("plaques.household_size", "plaques.share_per_year", "plaques.domains"),
            )
        )
    return rows


def procedure_rows(lab: Lab) -> list[MechanismRow]:
    """The rows for the mechanisms of procedure.py, changes.py and merits.py a regime has."""
    return _procedure_rows(lab) + _change_rows(lab) + _merit_rows(lab)
