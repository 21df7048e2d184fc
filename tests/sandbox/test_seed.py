"""The sandbox: at least 20 personas covering what lenders test against; seeding is
deterministic (same seed, same data) and idempotent (seeding twice changes nothing)."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
import pytest

from bureau.db.pool import open_pool, transaction
from bureau.sandbox.personas import ORGS, PERSONAS
from bureau.sandbox.seed import SeedResult, history_profile, seed_sandbox
from bureau.vault import Vault

REQUIRED = {
    "prime-long-history", "thin-file", "no-file", "maxed-out-cards", "late-30", "late-60",
    "late-90", "charged-off", "collection", "bankruptcy-over-10-years", "identity-theft-victim",
    "frozen-file", "active-duty", "item-under-dispute",
}  # fmt: skip

_CONTENT = """
SELECT 'tradelines', count(*), md5(string_agg(
    concat_ws('|', subject_id, tradeline_id, account_status, payment_history, current_balance,
              date_opened, date_first_delinquency), ',' ORDER BY tradeline_id)) FROM tradelines
UNION ALL SELECT 'subjects', count(*), md5(string_agg(subject_id::text, ',' ORDER BY subject_id))
    FROM subjects
UNION ALL SELECT 'identities', count(*), md5(string_agg(concat_ws('|', subject_id, kind,
    encode(value_bidx, 'hex')), ',' ORDER BY subject_id, kind, value_bidx)) FROM identity_facts
UNION ALL SELECT 'inquiries', count(*), md5(string_agg(inquiry_id::text, ',' ORDER BY inquiry_id))
    FROM inquiries
UNION ALL SELECT 'keys', count(*), md5(string_agg(key_id || encode(secret_hash, 'hex'), ','
    ORDER BY key_id)) FROM api_keys
"""


def _content(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(_CONTENT).fetchall()


def test_sandbox_has_the_personas_lenders_test_against() -> None:
    slugs = {p.slug for p in PERSONAS}
    assert len(PERSONAS) >= 20 and slugs >= REQUIRED
    assert len(slugs) == len(PERSONAS)
    assert (
        sum("furnisher" in o.roles for o in ORGS) >= 3 and sum("user" in o.roles for o in ORGS) >= 3
    )


@pytest.fixture
def two_fresh_databases(server_url: str) -> Any:
    """Two empty migrated databases on the session's server, dropped afterwards."""
    import secrets

    from bureau.db.migrate import migrate
    from tests.conftest import scratch_database

    with (
        scratch_database(server_url, f"fairfile_seedtest_{secrets.token_hex(3)}") as first,
        scratch_database(server_url, f"fairfile_seedtest_{secrets.token_hex(3)}") as second,
    ):
        for url in (first, second):
            migrate(url)
        yield [first, second]


def _seed(url: str, vault: Vault, seed: int) -> SeedResult:
    pool = open_pool(url, max_size=1)
    try:
        with transaction(pool) as conn:
            return seed_sandbox(conn, vault, seed=seed, as_of=date(2026, 11, 1))
    finally:
        pool.close()


def test_same_seed_gives_the_same_data_and_seeding_twice_changes_nothing(
    two_fresh_databases: list[str], vault: Vault
) -> None:
    first, second = two_fresh_databases
    a = _seed(first, vault, seed=7)
    b = _seed(second, vault, seed=7)
    assert a.personas == b.personas and a.org_keys == b.org_keys
    assert _content(first) == _content(second)
    before = _content(first)
    again = _seed(first, vault, seed=7)
    assert again.seeded_now is False and again.personas == a.personas
    assert _content(first) == before


def test_another_seed_gives_other_keys_and_identifiers(
    two_fresh_databases: list[str], vault: Vault
) -> None:
    first, second = two_fresh_databases
    a = _seed(first, vault, seed=7)
    b = _seed(second, vault, seed=8)
    assert {o["key"] for o in a.org_keys.values()}.isdisjoint(o["key"] for o in b.org_keys.values())
    assert {p["subject_id"] for p in a.personas.values()}.isdisjoint(
        p["subject_id"] for p in b.personas.values()
    )


def test_payment_history_marks_months_before_opening_as_no_history() -> None:
    from bureau.sandbox.personas import AccountSpec

    young = AccountSpec("summit-cu", "secured-card", opened=8, limit=500, balance=90)
    profile = history_profile(young, date(2026, 11, 1))
    assert profile == "0" * 8 + "B" * 16
    late = AccountSpec("northwind", "card", opened=40, lates={4: "1"})
    assert history_profile(late, date(2026, 11, 1))[3] == "1"
