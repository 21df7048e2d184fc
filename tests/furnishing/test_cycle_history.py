"""Ingest applies the cycle-to-cycle rules against the furnisher's stored history: each
account of a new cycle is compared with its stored state, and the report lists the findings
per record (the records land: the findings are for review). The cases are the CFPB's own
evaluator tests (tests/furnishing/metro2/data), each record's fields laid over an otherwise
clean account and sent as two monthly files."""

from __future__ import annotations

import io
import random
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
import pytest

from bureau.furnishing.ingest import ingest_metro2
from bureau.furnishing.metro2.layout import BASE
from bureau.furnishing.metro2.rules import RULES
from bureau.furnishing.metro2.synthetic import account
from bureau.vault import Vault
from tests.furnishing.conftest import metro2_file
from tests.furnishing.metro2.cfpb_cases import BASE_FIELDS, Case, load_cases

OCTOBER, NOVEMBER = date(2026, 10, 31), date(2026, 11, 30)
BY_CFPB = {rule.cfpb: rule for rule in RULES if rule.cfpb}
# What the tradeline does not store cannot be compared from history: names (PROG-ECOA-1) and
# the previous cycle's L1 segment (PROG-AccountChange-1..3). Those run between files only.
NOT_FROM_HISTORY = {"PROG-ECOA-1", "PROG-AccountChange-1", "PROG-AccountChange-2",
                    "PROG-AccountChange-3"}  # fmt: skip
# Where every hit (Portfolio-1: portfolio 'A') or every control (DOFD-1, -3: statuses '12',
# '79', or a delinquent status without its date) of the CFPB's test is a record our format
# rules reject, ingest has no history to compare: the test then checks only what lands.
ONE_SIDED = {"PROG-Portfolio-1", "PROG-DOFD-1", "PROG-DOFD-3"}
CASES = [c for c in load_cases() if BY_CFPB[c.evaluator].across_cycles
         and c.evaluator not in NOT_FROM_HISTORY]  # fmt: skip


def _overlay(row: dict[str, Any], as_of: date, number: int) -> dict[str, Any]:
    """A clean account (a current installment loan) carrying the CFPB row's own fields.
    Records whose CFPB values are not Metro 2 codes (portfolio 'A', status '12') are rejected
    by the format rules and so have no history: the test compares the records that land."""
    values = account(random.Random(number), as_of, number=number)
    values.update(portfolio_type="I", account_type="00", terms_duration="060", credit_limit=0,
                  account_status="11", current_balance=1000, amount_past_due=0,
                  date_opened=date(2010, 1, 15), date_closed=None, payment_rating="",
                  payment_history_profile="0" * 24, date_first_delinquency=None)  # fmt: skip
    for key, name in BASE_FIELDS.items():
        if key not in row or key in ("cons_acct_num", "doai", "first_name", "surname"):
            continue
        value = row[key]
        f = BASE[name]
        if f.type == "D" and isinstance(value, str):
            value = date.fromisoformat(value)
        elif f.type == "N" and isinstance(value, str):
            value = int(value) if value.isdigit() else 0
        elif name == "payment_history_profile":
            value = str(value).ljust(f.length, "B")  # the months before: no history (B)
        elif f.type == "A" and value is not None:
            value = str(value)[: f.length]
        values[name] = value
    if "dofd" not in row and values["account_status"] not in ("11", "13"):
        # an adverse status needs its date of first delinquency to land at all (M2-C03)
        values["date_first_delinquency"] = date(2026, 6, 30)
    return values


def _pairs(case: Case) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
    previous = {r["cons_acct_num"]: r for r in case.previous}
    by_id = {r["id"]: r for r in case.previous}
    out = []
    for r in case.current:
        earlier = by_id.get(r["previous"]) if "previous" in r else previous.get(r["cons_acct_num"])
        # the stored state has no J1/J2 segments: a PHP control excused by the previous
        # cycle's associated consumer's indicator is checked between files only
        if earlier is not None and not earlier.get("cons_info_ind_assoc"):
            out.append((r["id"], earlier, r))
    return out


def _send(conn: psycopg.Connection[Any], vault: Vault, furnisher: UUID,
          rows: list[dict[str, Any]], as_of: date) -> Any:  # fmt: skip
    return ingest_metro2(conn, vault, furnisher, io.BytesIO(metro2_file(rows, as_of)))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.evaluator)
def test_ingest_reports_cycle_findings_against_the_stored_history(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID, case: Case
) -> None:
    rule = BY_CFPB[case.evaluator]
    pairs = _pairs(case)
    before = [_overlay(p, OCTOBER, i) for i, (_, p, _c) in enumerate(pairs)]
    after = [_overlay(c, NOVEMBER, i) for i, (_, _p, c) in enumerate(pairs)]
    first = _send(conn, vault, furnisher_id, before, OCTOBER)
    assert not [f for f in first.findings for p in f.problems if p.rule == rule.id]
    second = _send(conn, vault, furnisher_id, after, NOVEMBER)
    landed_before = {r.record for r in first.rejections}
    landed_after = {r.record for r in second.rejections}
    landed = [cfpb_id for n, (cfpb_id, _p, _c) in enumerate(pairs, start=2)
              if n not in landed_before and n not in landed_after]  # fmt: skip
    hits = sorted(pairs[f.record - 2][0] for f in second.findings
                  if any(p.rule == rule.id for p in f.problems))  # fmt: skip
    expected = [i for i in case.expected if i in landed]
    assert hits == expected, (hits, case.expected, landed)
    if case.evaluator not in ONE_SIDED:
        assert expected, "a hit of the CFPB's test landed and was compared with its history"
        assert set(landed) - set(expected), "and so did a control"
    assert len(landed) < len(pairs) or case.evaluator not in ONE_SIDED
    for f in second.findings:
        for p in f.problems:
            if p.rule == rule.id:
                assert p.severity == "review" and p.field == rule.blamed.name
                assert (p.start, p.end) == (BASE[p.field].start, BASE[p.field].end)
