"""The cycle-to-cycle rules evaluated for a batch of account pairs give what check_cycle
gives pair by pair: over the CFPB's two-cycle sample files and synthetic pairs whose fields
(and appended segments) were overwritten in either cycle."""

from __future__ import annotations

import os
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bureau.furnishing.metro2.codes import TABLES
from bureau.furnishing.metro2.columnar.history import cycle_problems
from bureau.furnishing.metro2.cycles import History, file_activity
from bureau.furnishing.metro2.parse import parse_bytes, parse_segment
from bureau.furnishing.metro2.records import Record
from bureau.furnishing.metro2.synthetic import records
from bureau.furnishing.metro2.validate import check_cycle
from tests.furnishing.samples import DATA

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
_CYCLE_FIELDS = ("account_status", "payment_rating", "payment_history_profile", "portfolio_type",
                 "account_type", "date_opened", "date_closed", "date_first_delinquency",
                 "original_charge_off", "current_balance", "consumer_information_indicator",
                 "ecoa_code", "consumer_account_number")  # fmt: skip


def _bases(data: bytes) -> list[Record]:
    return [i for i in parse_bytes(data) if isinstance(i, Record) and i.kind == "base"]


def test_the_cfpb_two_cycle_files_give_the_same_cycle_problems() -> None:
    folder = DATA / "cfpb" / "test_previous_records"
    jan, feb = (parse_bytes((folder / f"{m}-2018.txt").read_bytes()) for m in ("jan", "feb"))
    history = History()
    history.add_file(jan)
    now = [i for i in feb if isinstance(i, Record) and i.kind == "base"]
    activity = file_activity(feb)
    pairs = [history.previous(r, activity) for r in now]
    got = cycle_problems(now, [p.record if p else None for p in pairs], [activity] * len(now),
                         [p.activity if p else None for p in pairs])  # fmt: skip
    expected = [check_cycle(r, p.record, activity, p.activity) if p else []
                for r, p in zip(now, pairs, strict=True)]  # fmt: skip
    assert got == expected


def _synthetic(seed: int) -> list[Record]:
    return [r for r in records(30, seed=seed) if r.kind == "base"]


@st.composite
def _edits(draw: st.DrawFn) -> list[tuple[int, int, str, str]]:
    out = []
    for _ in range(draw(st.integers(1, 10))):
        name = draw(st.sampled_from(_CYCLE_FIELDS))
        f = Record("base", [parse_segment("base", "")]).main.layout[name]
        choices = [" " * f.length, "0" * f.length]
        if f.codes and f.codes != "payment_history":
            choices += list(TABLES[f.codes])
        if name == "payment_history_profile":
            choices += [c * 24 for c in "0123456GHJKL"]
        if f.type == "D":
            choices += ["01012015", "06152016"]
        if f.type == "N":
            choices += ["000000100", "000000000"]
        out.append((draw(st.integers(0, 1)), draw(st.integers(0, 29)), name,
                    draw(st.sampled_from(choices))[: f.length].ljust(f.length)))  # fmt: skip
    return out


_L1 = [parse_segment("L1", f"L1{c}{'NEWNUMBER'.ljust(30)}{'NEWID'.ljust(20)} ") for c in "123"]


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(
    edits=_edits(),
    l1=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 29), st.integers(0, 2)), max_size=6),
)
def test_synthetic_pairs_give_the_same_cycle_problems(
    edits: list[tuple[int, int, str, str]], l1: list[tuple[int, int, int]]
) -> None:
    cycles = [_synthetic(3), _synthetic(3)]
    for which, index, name, value in edits:
        segment = cycles[which][index].main
        f = segment.layout[name]
        segment.replace_text(segment.text[: f.start - 1] + value + segment.text[f.end :])
    for which, index, kind in l1:
        record = cycles[which][index]
        if len(record.segments) == 1:
            record.segments.append(_L1[kind])
    now, before = cycles
    previous: list[Record | None] = [p if i % 7 else None for i, p in enumerate(before)]
    activity = [date(2026, 3, 31)] * len(now)
    got = cycle_problems(now, previous, activity, [date(2026, 2, 28)] * len(now))
    expected = [check_cycle(r, p, date(2026, 3, 31), date(2026, 2, 28)) if p else []
                for r, p in zip(now, previous, strict=True)]  # fmt: skip
    assert got == expected
