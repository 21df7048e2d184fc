"""The sandbox's accounts furnished through the real path: every persona account passes the
Metro 2 validation, is matched to the persona's existing file by its account, and leaves the
account as the seed wrote it. (The seed writes rows directly today; this is the check that
switching it to `ingest_json` changes nothing a sandbox user would see.)"""

from __future__ import annotations

import random
from datetime import date
from typing import Any
from uuid import UUID

import psycopg

from bureau.file.repo import TRADELINE_COLUMNS
from bureau.furnishing.ingest import ingest_json
from bureau.sandbox.personas import PERSONAS
from bureau.sandbox.seed import SeedResult, persona_identity, tradeline_values
from bureau.vault import Vault
from tests.conftest import SANDBOX_AS_OF

_FROM_SEED = (
    "portfolio_type", "account_type", "ecoa_code", "date_opened", "date_closed",
    "date_last_payment", "date_first_delinquency", "date_account_information", "credit_limit",
    "highest_credit", "terms_duration", "terms_frequency", "scheduled_payment", "actual_payment",
    "account_status", "payment_rating", "special_comment", "compliance_condition",
    "current_balance", "amount_past_due", "original_charge_off", "interest_type",
)  # fmt: skip


def _records(seed: int) -> dict[str, list[dict[str, Any]]]:
    """Each furnisher's persona accounts as JSON records (account numbers as the seed drew them)."""
    by_furnisher: dict[str, list[dict[str, Any]]] = {}
    for persona in PERSONAS:
        rng = random.Random(f"{seed}:{persona.slug}:accounts")
        claim = persona_identity(seed, SANDBOX_AS_OF, persona)
        first, _, surname = claim.name.upper().rpartition(" ")
        for spec in persona.accounts:
            values = tradeline_values(spec, SANDBOX_AS_OF)
            record = {k: values[k] for k in _FROM_SEED if values[k] is not None}
            record["payment_history_profile"] = values["payment_history"]
            if values["original_creditor"]:
                record["original_creditor_name"] = values["original_creditor"]
                record["creditor_classification"] = values["creditor_classification"]
            record.update(
                consumer_account_number=f"{spec.furnisher[:3].upper()}"
                f"{rng.randint(10**9, 10**10 - 1)}",
                surname=surname, first_name=first, ssn=claim.national_id,
                date_of_birth=claim.dob, address_line_1="1 MAIN ST", city="CASPER",
                state="WY", postal_code="82601",
            )  # fmt: skip
            json_ready = {k: v.isoformat() if isinstance(v, date) else v for k, v in record.items()}
            by_furnisher.setdefault(spec.furnisher, []).append(json_ready)
    return by_furnisher


def _snapshot(conn: psycopg.Connection[Any], org: UUID) -> list[tuple[Any, ...]]:
    rows = conn.execute(
        f"SELECT subject_id, tradeline_id, {', '.join(TRADELINE_COLUMNS)} FROM tradelines "
        "WHERE furnisher_id = %s ORDER BY subject_id, tradeline_id",
        (org,),
    ).fetchall()
    return [tuple(r.values()) for r in rows]


def test_every_sandbox_account_goes_through_the_furnishing_path_unchanged(
    conn: psycopg.Connection[Any], vault: Vault, sandbox: SeedResult
) -> None:
    furnished = 0
    for slug, records in _records(sandbox.seed).items():
        org = UUID(sandbox.org_keys[slug]["org_id"])
        before = _snapshot(conn, org)
        report = ingest_json(conn, vault, org, records)
        assert report.rejected == 0, report.to_json()["rejections"]
        assert report.matched["account"] == len(records), report.matched
        assert report.subjects_created == 0
        after = _snapshot(conn, org)
        columns = ("subject_id", "tradeline_id", *TRADELINE_COLUMNS)
        changed = [
            (column, old, new)
            for b, a in zip(before, after, strict=True)
            for column, old, new in zip(columns, b, a, strict=True)
            if old != new
        ]
        assert changed == []
        furnished += len(records)
    assert furnished >= 40
