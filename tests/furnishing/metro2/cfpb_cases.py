"""The CFPB's evaluator unit-test fixtures (data/cfpb_evaluator_cases.json) as Metro 2 files.

The CFPB's tests build database rows (their field names); this module writes each test's
records as character-format Metro 2 records instead: one file per cycle (header with the
records' activity date, the base records with their appended segments, a trailer), record i
of a file being the i-th record of that cycle. Values Metro 2 cannot hold are translated, and
only these: a negative amount is written with its sign ("-00000010"), which does not decode as
a Metro 2 number (the format has no sign): the CFPB's "<= 0" conditions count it as zero, its
"== 0" (Balance-APD-1) does not, as in their tests; a two-character payment rating (PROG-Rating-1 uses 10, 15, 20 only to make
ratings differ) is mapped one-to-one onto an unused one-character code, text that is not
digits in a numeric field (K2 indicators 'a', 'c', blank L1 change indicators) is written as
it is, and the CFPB's associated-consumer lists (ecoa_assoc, cons_info_ind_assoc, J1/J2 rows)
become J1 or J2 segments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bureau.furnishing.metro2.layout import LAYOUTS
from bureau.furnishing.metro2.records import Record, Value
from bureau.furnishing.metro2.totals import Totals
from bureau.furnishing.metro2.write import compose_record, to_bytes

CASES_FILE = Path(__file__).parent / "data" / "cfpb_evaluator_cases.json"

BASE_FIELDS = {
    "cons_acct_num": "consumer_account_number", "port_type": "portfolio_type",
    "acct_type": "account_type", "date_open": "date_opened", "credit_limit": "credit_limit",
    "hcola": "highest_credit", "id_num": "identification_number",
    "terms_dur": "terms_duration", "terms_freq": "terms_frequency",
    "smpa": "scheduled_payment", "actual_pmt_amt": "actual_payment",
    "acct_stat": "account_status", "pmt_rating": "payment_rating",
    "php": "payment_history_profile", "spc_com_cd": "special_comment",
    "compl_cond_cd": "compliance_condition", "current_bal": "current_balance",
    "amt_past_due": "amount_past_due", "orig_chg_off_amt": "original_charge_off",
    "doai": "date_account_information", "dofd": "date_first_delinquency",
    "date_closed": "date_closed", "dolp": "date_last_payment", "ecoa": "ecoa_code",
    "cons_info_ind": "consumer_information_indicator", "first_name": "first_name",
    "surname": "surname",
}  # fmt: skip
SEGMENT_FIELDS = {
    "l1": ("L1", {"change_ind": "change_indicator", "new_acc_num": "new_consumer_account_number",
                  "new_id_num": "new_identification_number"}),
    "k2": ("K2", {"purch_sold_ind": "purchased_sold_indicator",
                  "purch_sold_name": "purchased_sold_name"}),
    "k4": ("K4", {"balloon_pmt_amt": "balloon_payment_amount"}),
    "j1": ("J1", {"cons_info_ind": "consumer_information_indicator"}),
    "j2": ("J2", {"cons_info_ind": "consumer_information_indicator"}),
}  # fmt: skip
RATINGS = {"10": "2", "15": "3", "20": "4"}
# The CFPB helper's defaults that differ from a blank or zero field, and the framing fields
# every base record has (the CFPB's rows have no such thing).
DEFAULTS = {"processing_indicator": 1, "time_stamp": datetime(2019, 12, 31, 12, 0, 0),
            "portfolio_type": "A", "date_opened": date(2018, 2, 28), "terms_duration": "00",
            "terms_frequency": "0", "date_account_information": date(2022, 5, 1)}  # fmt: skip
PREVIOUS_FILES = ("old_file.txt", "prev_file.txt")


@dataclass(frozen=True)
class Case:
    evaluator: str
    cfpb_test: str
    expected: list[int]
    records: list[dict[str, Any]]

    def files(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for r in self.records:
            out.setdefault(r["file"], []).append(r)
        return out

    @property
    def current(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r["file"] not in PREVIOUS_FILES]

    @property
    def previous(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r["file"] in PREVIOUS_FILES]


def load_cases() -> list[Case]:
    data = json.loads(CASES_FILE.read_text())
    return [
        Case(c["evaluator"], c["cfpb_test"], c["expected"], c["records"]) for c in data["cases"]
    ]


def _typed(kind: str, name: str, value: Any) -> tuple[Value, str | None]:
    """(value to compose, or None; raw text to write instead, or None)."""
    f = LAYOUTS[kind][name]
    if value is None or (value == "" and f.type != "A"):
        return None, (" " * f.length if value == "" else None)
    if f.type == "T":
        return value, None
    if f.type == "D":
        return (value if isinstance(value, date) else date.fromisoformat(value)), None
    if f.type == "N":
        if isinstance(value, int):  # a negative amount: its sign in the field, as text
            return (value, None) if value >= 0 else (None, f"-{-value:0{f.length - 1}d}")
        return (int(value), None) if value.isdigit() else (None, value.ljust(f.length))
    text = str(value)
    if name == "payment_rating":
        text = RATINGS.get(text, text)
    assert len(text) <= f.length, f"{kind}.{name}: {text!r} does not fit"
    return text, None


def _segment_values(kind: str, given: dict[str, Any]) -> tuple[dict[str, Value], dict[str, str]]:
    values: dict[str, Value] = {}
    raw: dict[str, str] = {}
    for name, value in given.items():
        typed, text = _typed(kind, name, value)
        if text is not None:
            raw[name] = text
        else:
            values[name] = typed
    return values, raw


def _patch(record: Record, index: int, raw: dict[str, str]) -> None:
    segment = record.segments[index]
    text = segment.text
    for name, value in raw.items():
        f = segment.layout[name]
        text = text[: f.start - 1] + value + text[f.end :]
    segment.replace_text(text)


def base_record(r: dict[str, Any]) -> Record:
    """One CFPB fixture row as a Metro 2 base record with its appended segments."""
    given: dict[str, Any] = dict(DEFAULTS)
    for key, name in BASE_FIELDS.items():
        if key in r:
            given[name] = r[key]
    appended: list[tuple[str, dict[str, Any]]] = []
    for key, (kind, names) in SEGMENT_FIELDS.items():
        for row in r.get(key, []):
            appended.append((kind, {names[k]: v for k, v in row.items() if k in names}))
    ecoas, ciis = r.get("ecoa_assoc") or [], r.get("cons_info_ind_assoc") or []
    for i in range(max(len(ecoas), len(ciis))):
        person: dict[str, Any] = {"surname": "ASSOCIATED", "first_name": "PERSON"}
        if i < len(ecoas):
            person["ecoa_code"] = ecoas[i]
        if i < len(ciis):
            person["consumer_information_indicator"] = ciis[i]
        appended.append(("J1", person))
    base_values, base_raw = _segment_values("base", given)
    parts = [_segment_values(kind, values) for kind, values in appended]
    record = compose_record("base", base_values, [(k, v) for (k, _), (v, _r) in
                                                  zip(appended, parts, strict=True)])  # fmt: skip
    _patch(record, 0, base_raw)
    for index, (_values, raw) in enumerate(parts, start=1):
        _patch(record, index, raw)
    return record


def metro2_file(rows: list[dict[str, Any]]) -> bytes:
    """A file holding the rows of one cycle (they share one activity date)."""
    activity = {r["activity_date"] for r in rows}
    assert len(activity) == 1, activity
    day = date.fromisoformat(activity.pop())
    items: list[Record] = [compose_record("header", {"activity_date": day, "date_created": day,
                                                     "reporter_name": "CFPB FIXTURES",
                                                     "reporter_address": "X"})]  # fmt: skip
    totals = Totals()
    totals.records = 1
    for r in rows:
        record = base_record(r)
        totals.add(record)
        items.append(record)
    items.append(compose_record("trailer", dict(totals.expected())))
    return to_bytes(items)
