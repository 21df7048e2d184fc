"""Furnishing fixtures: a furnisher organization, and a database of the module's own for the
tests that must commit (API requests, the command line, the crash test)."""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from bureau.auth import repo as auth_repo
from bureau.db.migrate import migrate
from bureau.furnishing.metro2.records import Value
from bureau.furnishing.metro2.synthetic import person
from bureau.furnishing.metro2.totals import Totals
from bureau.furnishing.metro2.write import compose_record, to_bytes
from bureau.subjects.enrolment import IdentityClaim, enrol
from bureau.vault import Vault
from tests.conftest import scratch_database


def add_furnisher(conn: psycopg.Connection[Any], code: str, name: str | None = None) -> UUID:
    org_id = uuid4()
    auth_repo.insert_organization(
        conn, org_id, name or f"Furnisher {code}", ["furnisher"], code,
        "1 LEDGER WAY, CASPER, WY 82601", "3075550100",
    )  # fmt: skip
    return org_id


@pytest.fixture
def furnisher_id(conn: psycopg.Connection[Any]) -> UUID:
    """A furnisher whose Metro 2 identification number is the synthetic files' default."""
    return add_furnisher(conn, "FAIRFILESANDBOX01")


@pytest.fixture(scope="module")
def committed_url(server_url: str) -> Iterator[str]:
    """A fresh migrated database for tests whose work is committed."""
    with scratch_database(server_url, f"fairfile_furnish_{secrets.token_hex(3)}") as url:
        migrate(url)
        yield url


Segments = Sequence[tuple[str, dict[str, Value]]]


def metro2_file(accounts: Sequence[dict[str, Any] | tuple[dict[str, Any], Segments]],
                as_of: date) -> bytes:  # fmt: skip
    """A whole file (header, base records, trailer with true totals) from base values, each
    alone or with its appended segments."""
    items = [compose_record("header", {"activity_date": as_of, "date_created": as_of,
                                       "reporter_name": "TEST", "reporter_address": "X"})]  # fmt: skip
    totals = Totals()
    totals.records = 1
    for entry in accounts:
        values, appended = entry if isinstance(entry, tuple) else (entry, ())
        record = compose_record("base", values, list(appended))
        totals.add(record)
        items.append(record)
    items.append(compose_record("trailer", dict(totals.expected())))
    return to_bytes(items)


def enrolled(conn: psycopg.Connection[Any], vault: Vault, who: dict[str, Value]) -> UUID:
    """A subject enrolled under another name with `who`'s national id and birth date."""
    claim = IdentityClaim(name="Someone Else", national_id=str(who["ssn"]),
                          dob=who["date_of_birth"])  # type: ignore[arg-type]  # fmt: skip
    return enrol(conn, vault, claim)[0]


_PERSON_FIELDS = ("surname", "first_name", "middle_name", "ssn", "date_of_birth", "telephone")
_ADDRESS_FIELDS = ("address_line_1", "address_line_2", "city", "state", "postal_code")


def co_borrower(seed: int, ecoa: str = "2") -> tuple[str, dict[str, Value]]:
    """A J2 segment: a joint borrower living at their own address."""
    who = person(random.Random(seed))
    fields = {k: who[k] for k in (*_PERSON_FIELDS, *_ADDRESS_FIELDS, "country_code") if k in who}
    return "J2", dict(fields, ecoa_code=ecoa)
