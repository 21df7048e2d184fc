"""The router tests pull, grant and dispute for a subject of their own, as consent's tests do;
the subject's account arrives through the ingest (JSON records), the furnishing path the
cluster runs."""

from __future__ import annotations

import random
import secrets
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from psycopg_pool import ConnectionPool

from bureau.auth.service import issue_subject_token
from bureau.db.pool import transaction
from bureau.furnishing.ingest import ingest_json
from bureau.furnishing.metro2.synthetic import account
from bureau.sandbox.seed import SeedResult
from bureau.subjects.enrolment import IdentityClaim
from bureau.subjects.identities import subjects_holding
from bureau.vault import Vault
from tests.conftest import bearer, random_national_id
from tests.consent.conftest import Person, acme, lumen, northwind  # noqa: F401

AS_OF = date(2026, 10, 31)


def new_claim(label: str, born: date = date(1980, 5, 17)) -> IdentityClaim:
    """A person nobody else is (a fresh national id and surname)."""
    return IdentityClaim(f"{label} {secrets.token_hex(3).upper()}", random_national_id(), born)


def account_record(claim: IdentityClaim, as_of: date, number: int) -> dict[str, Any]:
    """One account of the claimed person as a JSON record (ISO dates, no file framing)."""
    values = account(random.Random(number), as_of, number=number)
    for framing in ("processing_indicator", "time_stamp", "identification_number"):
        values.pop(framing)
    first, _, surname = claim.name.upper().rpartition(" ")
    values.update(surname=surname, first_name=first, middle_name="", ssn=claim.national_id,
                  date_of_birth=claim.dob, address_line_1="1 MAIN ST", city="CASPER",
                  state="WY", postal_code="82601")  # fmt: skip
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


@pytest.fixture
def person(pool: ConnectionPool, vault: Vault, sandbox: SeedResult) -> Person:
    """A new subject whose file was opened by one account furnished by Northwind Bank."""
    claim = new_claim("Cluster Person")
    northwind_id = UUID(sandbox.org_keys["northwind"]["org_id"])
    assert claim.national_id is not None
    bidx = vault.blind_index("national_id", claim.national_id)
    with transaction(pool) as conn:
        record = account_record(claim, AS_OF, secrets.randbelow(10**8))
        report = ingest_json(conn, vault, northwind_id, [record])
        assert report.accepted == 1 and report.subjects_created == 1, report.to_json()
        [subject_id] = subjects_holding(conn, ["national_id"], [(bidx,)])[(bidx,)]
        row = conn.execute(
            "SELECT tradeline_id FROM tradelines WHERE subject_id = %s", (subject_id,)
        ).fetchone()
        assert row is not None
        token = str(issue_subject_token(conn, subject_id))
    return Person(subject_id, token, bearer(token), row["tradeline_id"])
