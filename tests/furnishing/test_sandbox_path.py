"""The sandbox's accounts arrive through the real furnishing path (one Metro 2 file per
furnisher), and sending the same accounts again as JSON records matches every one by its
account and changes nothing: the two intake formats agree."""

from __future__ import annotations

import random
from datetime import date
from typing import Any
from uuid import UUID

import psycopg

from bureau.furnishing.ingest import ingest_json
from bureau.furnishing.repo import TRADELINE_COLUMNS
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


def test_sandbox_accounts_arrive_as_one_metro2_file_per_furnisher(
    conn: psycopg.Connection[Any], sandbox: SeedResult
) -> None:
    furnishers = {p.accounts[i].furnisher for p in PERSONAS for i in range(len(p.accounts))}
    ids = [UUID(sandbox.org_keys[f]["org_id"]) for f in furnishers]
    # What the seeding transaction wrote (one now() for all of it): tests that furnish to the
    # sandbox's furnishers later in the session add batches and history of their own.
    first = conn.execute(
        "SELECT min(received_at) AS at FROM furnish_batches WHERE furnisher_id = ANY(%s)", (ids,)
    ).fetchone()
    assert first is not None
    seeded_at = first["at"]
    batches = conn.execute(
        "SELECT furnisher_id, source, accepted, rejected FROM furnish_batches "
        "WHERE furnisher_id = ANY(%s) AND received_at = %s",
        (ids, seeded_at),
    ).fetchall()
    assert {b["source"] for b in batches} == {"metro2"}
    assert len(batches) == len(furnishers) and all(b["rejected"] == 0 for b in batches)
    total = sum(len(p.accounts) for p in PERSONAS)
    assert sum(b["accepted"] for b in batches) == total
    sources = conn.execute(
        "SELECT DISTINCT source FROM tradeline_reports r JOIN tradelines t USING (subject_id, tradeline_id)"
        " WHERE t.furnisher_id = ANY(%s) AND r.received_at <= %s",
        (ids, seeded_at),
    ).fetchall()
    assert {r["source"] for r in sources} == {"metro2"}
