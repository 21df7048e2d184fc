"""No input crashes ingest, and its report accounts for every record: byte mutations of a
furnisher's clean file, ingested into the real database, either land, are rejected naming
why, or are counted unreadable (with their offset), and the counts add up to the file; an
input left with no Metro 2 record at all is refused as a 4xx naming why, never a crash.

tests/furnishing/metro2/test_fuzz.py does this for the reader and the validator; this runs the
whole ingest (the columnar validator, matching, the merge). The seed is fixed (derandomize);
INGEST_FUZZ_EXAMPLES inputs (default 40 in the suite, 300 in `.ci/checks/metro2-fuzz.sh`),
each rolled back.
"""

from __future__ import annotations

import io
import os
import random
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
from hypothesis import HealthCheck, given, settings

from bureau.errors import DomainError
from bureau.furnishing.ingest import NoMetro2Records, ingest_metro2
from bureau.furnishing.metro2.parse import parse_bytes
from bureau.furnishing.metro2.synthetic import account
from bureau.vault import Vault
from tests.furnishing.conftest import metro2_file
from tests.furnishing.metro2.test_fuzz import _edits, _mutate, _physical

EXAMPLES = int(os.environ.get("INGEST_FUZZ_EXAMPLES", "40"))
AS_OF = date(2026, 10, 31)
CLEAN = metro2_file([account(random.Random(11), AS_OF, number=n) for n in range(3)], AS_OF)


def _tradelines(conn: psycopg.Connection[Any], furnisher: UUID) -> int:
    row = conn.execute("SELECT count(*) AS n FROM tradelines WHERE furnisher_id = %s"
                       " AND consumer_role = 'base'", (furnisher,)).fetchone()  # fmt: skip
    assert row is not None
    return int(row["n"])


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])  # fmt: skip
@given(edits=_edits())
def test_no_byte_mutation_crashes_ingest_and_every_record_is_accounted_for(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID,
    edits: list[tuple[int, int, int]],
) -> None:  # fmt: skip
    data = _mutate(CLEAN, edits)
    with conn.transaction(force_rollback=True):
        try:
            report = ingest_metro2(conn, vault, furnisher_id, io.BytesIO(data))
        except NoMetro2Records as refused:
            assert refused.status == 422 and refused.field == "body" and refused.detail
            assert not [i for i in parse_bytes(data) if getattr(i, "kind", None) == "base"]
            return
        except DomainError as refused:  # any other refusal is a 4xx naming the field
            assert 400 <= refused.status < 500 and refused.field, refused
            return
        assert report.accepted + report.rejected == report.records
        assert report.records + report.control + report.unreadable == _physical(
            parse_bytes(data))  # fmt: skip
        assert all(r.problems for r in report.rejections)  # a rejection names its reason
        assert all(g.offset is not None for g in report.file_problems if g.rule == "M2-S01")
        assert _tradelines(conn, furnisher_id) <= report.accepted  # nothing rejected landed
