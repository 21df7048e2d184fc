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
from tests.furnishing.metro2.cfpb_cases import BASE_FIELDS, SEGMENT_FIELDS, Case, load_cases

OCTOBER, NOVEMBER = date(2026, 10, 31), date(2026, 11, 30)
BY_CFPB = {rule.cfpb: rule for rule in RULES if rule.cfpb}
# Where every CFPB hit is a record our own rules refuse at ingest, no history is compared: the
# record does not land, and the refusal names the rule and field (stronger than a finding).
# ECOA-1's hits carry ECOA codes A-D (not Metro 2 codes); AccountChange-2's hits (and its
# controls) carry an L1 with change indicator 1 or 3 and no new account number (M2-C20), or 2
# or 3 with no new identification number (M2-C22).
REFUSED_FIRST = {"PROG-ECOA-1": {("M2-F03", "ecoa_code")},
                 "PROG-AccountChange-2": {("M2-C20", "new_consumer_account_number"),
                                          ("M2-C22", "new_identification_number")}}  # fmt: skip
NOT_FROM_HISTORY = set(REFUSED_FIRST)
# The account-change rules compare account numbers and the L1 segment (kept with the
# tradeline's latest report): their records keep the CFPB's numbers and L1 segments.
NUMBERED = {"PROG-AccountChange-1", "PROG-AccountChange-2", "PROG-AccountChange-3"}
L1_FIELDS = SEGMENT_FIELDS["l1"][1]
# Where every hit (Portfolio-1: portfolio 'A') or every control (DOFD-1, -3: statuses '12',
# '79', or a delinquent status without its date) of the CFPB's test is a record our format
# rules reject, ingest has no history to compare: the test then checks only what lands.
# AccountChange-1's controls (44, 45) and AccountChange-3's (44, 45, and its hit 43) follow an
# L1 with change indicator 2 or 3 and no new identification number, which M2-C22 refuses:
# what lands of them is a hit, and it is reported.
ONE_SIDED = {"PROG-Portfolio-1", "PROG-DOFD-1", "PROG-DOFD-3", "PROG-AccountChange-1",
             "PROG-AccountChange-3"}  # fmt: skip
CASES = [c for c in load_cases() if BY_CFPB[c.evaluator].across_cycles
         and c.evaluator not in NOT_FROM_HISTORY]  # fmt: skip


def _sent(row: dict[str, Any], as_of: date, number: int, numbered: bool) -> Any:
    """The record sent for a CFPB row: the overlaid base values, and for the account-change
    rules the CFPB's own account number and L1 segments."""
    values = _overlay(row, as_of, number)
    if not numbered:
        return values
    values["consumer_account_number"] = row["cons_acct_num"]
    changes = [("L1", {L1_FIELDS[k]: int(v) if k == "change_ind" else v for k, v in l1.items()})
               for l1 in row.get("l1", [])]  # fmt: skip
    return values, changes


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
          rows: list[Any], as_of: date) -> Any:  # fmt: skip
    return ingest_metro2(conn, vault, furnisher, io.BytesIO(metro2_file(rows, as_of)))


def _both_cycles(conn: psycopg.Connection[Any], vault: Vault, furnisher: UUID, case: Case,
                 pairs: list[tuple[int, dict[str, Any], dict[str, Any]]]) -> tuple[Any, Any]:  # fmt: skip
    """The CFPB test's previous records sent as October's file, then its current ones as
    November's: the reports of both."""
    numbered = case.evaluator in NUMBERED
    before = [_sent(p, OCTOBER, i, numbered) for i, (_, p, _c) in enumerate(pairs)]
    after = [_sent(c, NOVEMBER, i, numbered) for i, (_, _p, c) in enumerate(pairs)]
    return (_send(conn, vault, furnisher, before, OCTOBER),
            _send(conn, vault, furnisher, after, NOVEMBER))  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.evaluator)
def test_ingest_reports_cycle_findings_against_the_stored_history(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID, case: Case
) -> None:
    rule = BY_CFPB[case.evaluator]
    pairs = _pairs(case)
    first, second = _both_cycles(conn, vault, furnisher_id, case, pairs)
    assert not [f for f in first.findings for p in f.problems if p.rule == rule.id]
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
                if rule.blamed.seg == "base":
                    assert (p.start, p.end) == (BASE[p.field].start, BASE[p.field].end)


@pytest.mark.parametrize("case", [c for c in load_cases() if c.evaluator in REFUSED_FIRST],
                         ids=lambda c: c.evaluator)  # fmt: skip
def test_cfpb_hits_our_rules_refuse_do_not_land_and_the_refusal_names_the_field(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID, case: Case
) -> None:
    rule = BY_CFPB[case.evaluator]
    pairs = _pairs(case)
    sent = _both_cycles(conn, vault, furnisher_id, case, pairs)
    refused = {r.record: r for report in sent for r in report.rejections}
    for n, (cfpb_id, _p, _c) in enumerate(pairs, start=2):
        if cfpb_id in case.expected:
            assert n in refused, f"CFPB hit {cfpb_id} is refused at ingest"
            named = {(p.rule, p.field) for p in refused[n].problems if p.severity == "reject"}
            assert named & REFUSED_FIRST[case.evaluator], named
    assert not [p for report in sent for f in report.findings for p in f.problems
                if p.rule == rule.id]  # fmt: skip
