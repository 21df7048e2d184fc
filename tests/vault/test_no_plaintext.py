"""Dump every table of the seeded bureau: no name, national id or date of birth of any seeded
subject appears in plaintext, in any encoding PostgreSQL would show it."""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

from bureau.sandbox.personas import PERSONAS
from bureau.sandbox.seed import SeedResult, persona_identity
from tests.conftest import SANDBOX_AS_OF


def _dump(database_url: str) -> str:
    """Every row of every table, as text (bytea shows as hex), lower-cased."""
    parts: list[str] = []
    with psycopg.connect(database_url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        for table in tables:
            query = sql.SQL("SELECT t::text FROM {} t").format(sql.Identifier(table))
            parts.extend(row[0] for row in conn.execute(query))
    return "\n".join(parts).lower()


_LONG_HEX = re.compile(r"[0-9a-f]{24,}")


def _without_hex_runs(dump: str) -> str:
    """The dump with long hex runs (ciphertexts, digests, blind indexes) blanked out.

    An eight-digit date of birth turns up by pure chance inside megabytes of random hex about
    now and then (2^-32 per position); plaintext kept in a bytea column is still caught, because its
    hex form is searched in the full dump.
    """
    return _LONG_HEX.sub(" ", dump)


def test_database_holds_no_plaintext_identity_of_any_seeded_subject(
    sandbox: SeedResult, database_url: str
) -> None:
    dump = _dump(database_url)
    readable = _without_hex_runs(dump)
    assert "northwind bank" in readable  # the dump is real: organization names are not secret
    checked = 0
    for persona in PERSONAS:
        claim = persona_identity(1, SANDBOX_AS_OF, persona)
        assert claim.national_id and claim.dob
        ssn = claim.national_id
        candidates = {
            persona.name,
            ssn,
            f"{ssn[:3]}-{ssn[3:5]}-{ssn[5:]}",
            claim.dob.isoformat(),
            claim.dob.strftime("%m%d%Y"),
            claim.addresses[0],
        }
        for candidate in candidates:
            plain, as_hex = candidate.lower(), candidate.encode().hex()
            assert plain not in readable, f"{persona.slug}: plaintext {candidate!r} found"
            assert as_hex not in dump, f"{persona.slug}: {candidate!r} found hex-encoded"
            checked += 2
    assert checked >= len(PERSONAS) * 10
