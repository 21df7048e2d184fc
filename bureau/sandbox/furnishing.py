"""The sandbox's furnishers send their persona accounts as real Metro 2 files.

Why not write rows directly: the sandbox should exercise the path a real furnisher uses —
compose, parse, validate, match by blind index, merge, keep the history — so a developer who
reads the sandbox's data is reading what the furnishing pipeline produced.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

import psycopg

from bureau.furnishing.export import base_record
from bureau.furnishing.ingest import ingest_metro2, tradeline_id
from bureau.furnishing.metro2.records import Record, Value
from bureau.furnishing.metro2.totals import Totals
from bureau.furnishing.metro2.write import compose_record, to_bytes
from bureau.sandbox.personas import ORGS, PERSONAS, AccountSpec, OrgSpec, Persona
from bureau.subjects.enrolment import IdentityClaim
from bureau.vault import Vault

_ADDRESS = re.compile(r"^(?P<street>.+), (?P<city>[^,]+) (?P<state>[A-Z]{2}) (?P<zip>\d{5})$")


class SandboxDataInvalid(RuntimeError):
    """A persona account failed Metro 2 validation: the sandbox's own data is wrong."""


def account_number(seed: int, persona: Persona, index: int) -> str:
    """The persona's index-th account number: the same for the same seed."""
    rng = random.Random(f"{seed}:{persona.slug}:accounts")
    numbers = [
        f"{spec.furnisher[:3].upper()}{rng.randint(10**9, 10**10 - 1)}" for spec in persona.accounts
    ]
    return numbers[index]


def _identity_fields(claim: IdentityClaim) -> dict[str, Value]:
    words = claim.name.upper().split()
    match = _ADDRESS.match(claim.addresses[0].upper())
    if match is None:
        raise SandboxDataInvalid(
            f"persona address {claim.addresses[0]!r} is not 'street, City ST zip'"
        )
    assert claim.national_id and claim.dob
    return {
        "surname": words[-1],
        "first_name": words[0],
        "middle_name": " ".join(words[1:-1]),
        "ssn": int(claim.national_id),
        "date_of_birth": claim.dob,
        "telephone": int(claim.phones[0]),
        "ecoa_code": "1",
        "country_code": "US",
        "address_line_1": match["street"][:32],
        "city": match["city"][:20],
        "state": match["state"],
        "postal_code": match["zip"],
    }


def _base(
    org: OrgSpec,
    claim: IdentityClaim,
    number: str,
    values: dict[str, Any],
    stamp: datetime,
) -> Record:
    framing: dict[str, Value] = {
        "processing_indicator": 1,
        "time_stamp": stamp,
        "identification_number": org.furnisher_code or "",
        "consumer_account_number": number,
        **_identity_fields(claim),
    }
    return base_record(framing, values)


def metro2_file(
    org: OrgSpec,
    accounts: list[tuple[Persona, IdentityClaim, str, dict[str, Any]]],
    as_of: date,
) -> Iterator[Record]:
    """One furnisher's monthly file: header, a base record per account, trailer with totals."""
    yield compose_record("header", {
        "activity_date": as_of, "date_created": as_of, "reporter_name": org.name.upper()[:40],
        "reporter_address": org.address.upper()[:96],
        "reporter_telephone": int(org.phone) if org.phone.isdigit() else None,
        "software_vendor_name": "FAIRFILE SANDBOX", "software_version": "1",
    })  # fmt: skip
    totals = Totals()
    totals.records = 1
    stamp = datetime.combine(as_of, time(6))
    for _persona, claim, number, values in accounts:
        record = _base(org, claim, number, values, stamp)
        totals.add(record)
        yield record
    yield compose_record("trailer", dict(totals.expected()))


def furnish_accounts(
    conn: psycopg.Connection[Any],
    vault: Vault,
    seed: int,
    as_of: date,
    org_ids: dict[str, UUID],
    identities: dict[str, IdentityClaim],
    values_of: Callable[[AccountSpec, date], dict[str, Any]],
) -> dict[tuple[str, int], UUID]:
    """Send every persona account through its furnisher's Metro 2 file; returns the tradeline
    id of each (persona slug, account index)."""
    by_org: dict[str, list[tuple[Persona, IdentityClaim, str, dict[str, Any]]]] = {}
    placed: dict[tuple[str, int], tuple[str, str]] = {}
    for persona in PERSONAS:
        for index, spec in enumerate(persona.accounts):
            number = account_number(seed, persona, index)
            values: dict[str, Any] = values_of(spec, as_of)
            by_org.setdefault(spec.furnisher, []).append(
                (persona, identities[persona.slug], number, values)
            )
            placed[(persona.slug, index)] = (spec.furnisher, number)
    for org in ORGS:
        accounts = by_org.get(org.slug)
        if not accounts:
            continue
        data = to_bytes(metro2_file(org, accounts, as_of))
        report = ingest_metro2(conn, vault, org_ids[org.slug], io.BytesIO(data))
        if report.rejected or report.subjects_created:
            raise SandboxDataInvalid(
                f"{org.slug}: {report.rejected} rejected, {report.subjects_created} unmatched: "
                f"{report.to_json(limit=3)}"
            )
    return {
        key: tradeline_id(
            org_ids[furnisher], vault.blind_index("account", f"{org_ids[furnisher]}:{number}")
        )
        for key, (furnisher, number) in placed.items()
    }
