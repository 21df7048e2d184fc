"""A furnisher's export is a Metro 2 file our own validator finds nothing wrong with, and
furnishing it back changes nothing: for every sandbox furnisher."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg.rows import dict_row

from bureau.cli import main
from bureau.furnishing.commands import find_furnisher
from bureau.furnishing.export import export_records
from bureau.furnishing.ingest import ingest_metro2
from bureau.furnishing.metro2.packed import to_packed
from bureau.furnishing.metro2.parse import parse_bytes
from bureau.furnishing.metro2.records import Record
from bureau.furnishing.metro2.validate import validate_items
from bureau.furnishing.metro2.write import to_bytes
from bureau.sandbox.personas import ORGS
from bureau.sandbox.seed import SeedResult, seed_sandbox
from bureau.vault import Vault
from tests.conftest import SANDBOX_AS_OF
from tests.furnishing.test_sandbox_path import _snapshot

# The sandbox export's findings for review, each explained in docs/metro2.md ("The sandbox's
# own export"), by furnisher.
EXPLAINED_FINDINGS = {
    "cedar-mortgage": ["M2-E59"],
    "meridian-recovery": ["M2-E68"],
}


def _identity_facts(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT count(*) AS n FROM identity_facts").fetchone()
    assert row is not None
    return int(row["n"])


@pytest.fixture(scope="module")
def own_sandbox(
    committed_url: str, vault: Vault
) -> Iterator[tuple[psycopg.Connection[Any], SeedResult]]:
    """The sandbox seeded into a database of this module's own: other tests add subjects of
    their own (some without an address) to the shared one."""
    with psycopg.connect(committed_url, row_factory=dict_row) as conn:
        seeded = seed_sandbox(conn, vault, seed=1, as_of=SANDBOX_AS_OF)
        yield conn, seeded
        conn.rollback()


def test_every_sandbox_furnishers_export_validates_and_furnishes_back_unchanged(
    own_sandbox: tuple[psycopg.Connection[Any], SeedResult], vault: Vault, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    conn, sandbox = own_sandbox
    furnishers = [spec.slug for spec in ORGS if "furnisher" in spec.roles]
    assert len(furnishers) >= 5
    for slug in furnishers:
        org = UUID(sandbox.org_keys[slug]["org_id"])
        found = find_furnisher(conn, slug)  # `--furnisher` takes the short name printed
        assert found is not None and found.org_id == org, slug
        data = to_bytes(export_records(conn, vault, org))
        # nothing the export writes may be rejected; the only findings for review are the
        # ones docs/metro2.md explains (accurate accounts some CFPB evaluators still flag)
        problems = list(validate_items(parse_bytes(data)))
        assert [p.line() for p in problems if p.rejects] == [], slug
        review = sorted(p.rule for p in problems)
        assert review == EXPLAINED_FINDINGS.get(slug, []), (slug, review)
        # and `bureau metro2 validate` (the columnar validator ingest runs) says the same:
        # clean (exit 0), or findings for review only (exit 3)
        exported = tmp_path / f"{slug}.m2"
        exported.write_bytes(data)
        status = main(["metro2", "validate", "--json", str(exported)])
        said = sorted(p["rule"] for p in json.loads(capsys.readouterr().out))
        assert (status, said) == (3 if review else 0, review), slug
        before = _snapshot(conn, org)
        facts = _identity_facts(conn)
        report = ingest_metro2(conn, vault, org, io.BytesIO(data))
        assert report.rejected == 0 and report.subjects_created == 0, slug
        assert report.matched["account"] == report.records > 0
        assert _snapshot(conn, org) == before, slug
        assert _identity_facts(conn) == facts, slug  # no address read back in another form


def test_every_exported_consumer_has_the_city_state_and_zip_they_were_stored_with(
    own_sandbox: tuple[psycopg.Connection[Any], SeedResult], vault: Vault
) -> None:
    """Addresses are stored as their fields (bureau/subjects/address.py), so the export
    writes them back as fields, never a blank city, state or ZIP."""
    conn, sandbox = own_sandbox
    for slug in (spec.slug for spec in ORGS if "furnisher" in spec.roles):
        org = UUID(sandbox.org_keys[slug]["org_id"])
        bases = [r for r in export_records(conn, vault, org) if r.kind == "base"]
        assert bases, slug
        for record in bases:
            city, state, postal = (record.main.raw(f).strip()
                                   for f in ("city", "state", "postal_code"))  # fmt: skip
            assert city and len(state) == 2 and postal.isdigit(), (slug, city, state, postal)


def test_every_sandbox_furnishers_export_written_packed_furnishes_back_unchanged(
    own_sandbox: tuple[psycopg.Connection[Any], SeedResult], vault: Vault
) -> None:
    """The packed format is a way in like the character one: the same accounts, packed, meet
    the same rules and change nothing."""
    conn, sandbox = own_sandbox
    for spec in ORGS:
        if "furnisher" not in spec.roles:
            continue
        org = UUID(sandbox.org_keys[spec.slug]["org_id"])
        items = list(export_records(conn, vault, org))
        packed = to_bytes(to_packed(r) for r in items)
        read = parse_bytes(packed)
        assert all(isinstance(r, Record) and r.packed for r in read), spec.slug
        assert [p.rule for p in validate_items(read)] == [
            p.rule for p in validate_items(parse_bytes(to_bytes(items)))]  # fmt: skip
        before = _snapshot(conn, org)
        report = ingest_metro2(conn, vault, org, io.BytesIO(packed))
        assert report.rejected == 0 and report.subjects_created == 0, spec.slug
        assert report.matched["account"] == report.records > 0
        assert _snapshot(conn, org) == before, spec.slug


def test_the_accounts_reported_without_findings_still_tell_their_personas_story(
    own_sandbox: tuple[psycopg.Connection[Any], SeedResult], vault: Vault
) -> None:
    """The sandbox's data was changed to meet the CFPB catalogue, never its stories: the
    prime persona's cards are current, the charge-off is charged off and unpaid, the
    foreclosure completed after 180 days late with its deficiency owed and a date closed."""
    conn, sandbox = own_sandbox

    def bases(slug: str, surname: str) -> list[Record]:
        org = UUID(sandbox.org_keys[slug]["org_id"])
        return [r for r in export_records(conn, vault, org)
                if r.kind == "base" and r.main.get("surname") == surname]  # fmt: skip

    cards = bases("northwind", "OKAFOR")
    assert len(cards) == 2
    assert all(
        c.main.get("account_status") == "11" and c.main.get("current_balance") for c in cards
    )
    assert all(set(c.main.raw("payment_history_profile")) <= {"0", "B"} for c in cards)
    (charge_off,) = bases("northwind", "JENNINGS")
    assert charge_off.main.get("account_status") == "97"
    assert charge_off.main.get("original_charge_off") and charge_off.main.get("current_balance")
    assert charge_off.main.get("date_first_delinquency")
    (foreclosure,) = bases("cedar-mortgage", "SIMS")
    values = {n: foreclosure.main.get(n) for n in ("account_status", "payment_rating",
              "current_balance", "amount_past_due", "scheduled_payment")}  # fmt: skip
    assert values == {"account_status": "94", "payment_rating": "6", "current_balance": 14500,
                      "amount_past_due": 14500, "scheduled_payment": 0}  # fmt: skip
    assert foreclosure.main.get("date_closed") and foreclosure.main.get("date_first_delinquency")
