"""Export: a furnisher's current data as a valid Metro 2 file.

Used to check the round trip (furnish -> export -> the same accounts) and to move data. Account
numbers and identities are decrypted with each subject's key, only in memory, for the length of
the export; the header, one base record per live account (the base segment consumer's row, with
its associated consumers' rows as J1/J2 segments) and a trailer with true totals.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import psycopg

from bureau.errors import NotFound
from bureau.furnishing import details, repo
from bureau.furnishing.metro2.layout import APPENDED
from bureau.furnishing.metro2.records import Record, Value, digits
from bureau.furnishing.metro2.totals import Totals
from bureau.furnishing.metro2.write import compose_record
from bureau.furnishing.repo import TRADELINE_COLUMNS
from bureau.subjects import identities
from bureau.subjects.identities import parse_address
from bureau.vault import SubjectCipher, Vault

BASE_NAMES = {"payment_history": "payment_history_profile",
               "consumer_info_indicator": "consumer_information_indicator"}  # fmt: skip


def _identity(
    conn: psycopg.Connection[Any], cipher: SubjectCipher, subject_id: UUID
) -> dict[str, Value]:
    """The subject's current identity as base segment fields (decrypted in memory only)."""
    latest: dict[str, str] = {}
    for kind, blob in identities.current_facts(conn, subject_id):
        latest.setdefault(kind, cipher.decrypt(kind, blob))
    values: dict[str, Value] = {}
    first, _, surname = latest.get("name", "").upper().rpartition(" ")
    values["first_name"], values["surname"] = (first, surname) if first else (surname, "")
    if digits(latest.get("national_id", "")):
        values["ssn"] = int(latest["national_id"])
    if "dob" in latest:
        values["date_of_birth"] = date.fromisoformat(latest["dob"])
    if digits(latest.get("phone", "")):
        values["telephone"] = int(latest["phone"][-10:])
    if "address" in latest:  # stored as its fields (bureau/subjects/identities.py)
        address = parse_address(latest["address"])
        values.update(address_line_1=address.line_1.upper()[:32],
                      address_line_2=address.line_2.upper()[:32], city=address.city.upper()[:20],
                      state=address.state.upper(), postal_code=address.zip)  # fmt: skip
    values["country_code"] = "US"
    return values


def _associated(
    conn: psycopg.Connection[Any], vault: Vault, held: Mapping[str, Any]
) -> tuple[str, dict[str, Value]]:
    """An associated consumer's J1 or J2 segment: their identity (decrypted in memory only;
    a J1 consumer's address is the base segment's) and their own ECOA code and indicator."""
    subject_id = UUID(held["subject_id"])
    person = _identity(conn, vault.cipher_for(conn, subject_id), subject_id)
    layout = APPENDED[held["segment"]]
    values = {name: value for name, value in person.items() if name in layout.by_name}
    values["ecoa_code"] = held["ecoa_code"]
    values["consumer_information_indicator"] = held["consumer_info_indicator"]
    return held["segment"], values


def base_record(
    framing: Mapping[str, Value],
    tradeline: Mapping[str, Any],
    associated: Sequence[tuple[str, dict[str, Value]]] = (),
) -> Record:
    """A base record (with a K1 segment for an original creditor, K2-K4 for the account's
    details) from a tradeline's columns and the record's framing and identity fields: the
    inverse of `account_from_record`. `associated`: the account's J1/J2 segments."""
    fields: dict[str, Value] = dict(framing)
    for column in TRADELINE_COLUMNS:
        if column not in ("original_creditor", "creditor_classification"):
            fields[BASE_NAMES.get(column, column)] = tradeline[column]
    appended: list[tuple[str, dict[str, Value]]] = list(associated)
    if tradeline["original_creditor"]:
        appended.append(("K1", {
            "original_creditor_name": tradeline["original_creditor"][:30],
            "creditor_classification": int(tradeline["creditor_classification"] or 0),
        }))  # fmt: skip
    appended += details.to_segments(tradeline.get("account_details"))
    return compose_record("base", fields, appended)


def export_records(
    conn: psycopg.Connection[Any], vault: Vault, furnisher_id: UUID, as_of: date | None = None
) -> Iterator[Record]:
    """Header, one base record per live tradeline, trailer (streamed)."""
    org = repo.furnisher(conn, furnisher_id)
    if org is None:
        raise NotFound(f"no furnisher with id {furnisher_id}", field="furnisher")
    now = datetime.now(UTC)
    as_of = as_of or repo.latest_account_date(conn, furnisher_id) or now.date()
    yield compose_record("header", {
        "activity_date": as_of, "date_created": as_of, "reporter_name": org.name[:40],
        "reporter_address": (org.address or "")[:96],
        "reporter_telephone": int(org.phone) if org.phone and digits(org.phone) else None,
        "software_vendor_name": "FAIRFILE", "software_version": "0.1",
    })  # fmt: skip
    totals = Totals()
    totals.records = 1
    stamp = now.replace(tzinfo=None, microsecond=0)
    current: tuple[UUID, SubjectCipher, dict[str, Value]] | None = None
    for row in repo.export_rows(conn, furnisher_id):
        subject_id = row["subject_id"]
        if current is None or current[0] != subject_id:  # rows come ordered by subject
            cipher = vault.cipher_for(conn, subject_id)
            current = (subject_id, cipher, _identity(conn, cipher, subject_id))
        _, cipher, identity = current
        framing: dict[str, Value] = {
            "processing_indicator": 1,
            "time_stamp": stamp,
            "identification_number": org.furnisher_code or "",
            "consumer_account_number": cipher.decrypt("account", bytes(row["account_number_ct"])),
            **identity,
        }
        associated = [_associated(conn, vault, a) for a in row["associated"]]
        record = base_record(framing, {c: row[c] for c in repo.FURNISHED_COLUMNS}, associated)
        totals.add(record)
        yield record
    yield compose_record("trailer", dict(totals.expected()))
