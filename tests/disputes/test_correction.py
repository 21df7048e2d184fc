"""What a dispute keeps of the item it is about (disputes/correction.py): the item as reported,
never its ciphertexts, blind indexes or the digest of the report that set it."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from disputes.correction import snapshot


def test_a_snapshot_keeps_what_was_reported_and_no_key_material() -> None:
    item = {
        "tradeline_id": uuid4(), "subject_id": uuid4(), "current_balance": 500,
        "date_account_information": date(2026, 11, 30), "account_ref": b"\x01" * 32,
        "account_number_ct": b"\x02" * 40, "report_digest": b"\x03" * 32, "key_version": 1,
    }  # fmt: skip
    kept = snapshot(item)
    assert kept == {"tradeline_id": str(item["tradeline_id"]), "current_balance": 500,
                    "date_account_information": "2026-11-30"}  # fmt: skip
