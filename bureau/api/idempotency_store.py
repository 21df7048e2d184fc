"""SQL of safe retries: owns `idempotency_records` (migration 0150).

A record is one credential's `Idempotency-Key`: the request's fingerprint and the response it
got, encrypted. The lock that keeps two requests with one key from both running is a
transaction-level advisory lock on (credential, key), taken in the request's own transaction
before it looks for a record, so a second request waits until the first commits (and then
finds its response) or rolls back (and then runs itself).

Expired records are purged on write: each new record deletes up to `PURGE_BATCH` expired ones
in the same statement (`idempotency_records_expiry` finds them), so the table holds about one
window's records without a job to run. A shredded file's records are deleted with its keys
(the `FileShredded` handler below); they were already noise, being under those keys.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from bureau import events
from bureau.db.batch import Batch, Read
from bureau.db.write import Write

PURGE_BATCH = 100

_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))"
_FIND_SQL = """
    SELECT r.fingerprint, r.status, r.media_type, r.sealed_for, r.key_version, r.body_ct,
           r.report_id, c.jws_ct, rp.log_entry_id, s.status AS file_status
    FROM idempotency_records r LEFT JOIN subjects s ON s.subject_id = r.sealed_for
    LEFT JOIN report_copies c ON c.report_id = r.report_id
    LEFT JOIN reports rp ON rp.report_id = r.report_id
    WHERE r.owner = %s AND r.idem_key = %s AND r.expires_at > %s
"""
_KEYS_OF_RECORD_SQL = """
    SELECT key_version, kek_id, wrapped_key FROM subject_keys
    WHERE subject_id = (SELECT sealed_for FROM idempotency_records
                        WHERE owner = %s AND idem_key = %s)
      AND wrapped_key IS NOT NULL ORDER BY key_version
"""

REPORT_ROUTE = "/v1/reports"
"""A pull's answer is its kept report copy: the record names the report (`record`)."""
REPORT_SUBJECT = ("report_id", "SELECT subject_id FROM reports WHERE report_id = %s")

SUBJECT_OF: dict[str, tuple[str, str]] = {
    "/v1/operator/compelled-reports": (
        "report_id", "SELECT subject_id FROM reports WHERE report_id = %s"),
    "/v1/me/consents": ("grant_id", "SELECT subject_id FROM consent_grants WHERE grant_id = %s"),
    "/v1/me/disputes": ("dispute_id", "SELECT subject_id FROM disputes WHERE dispute_id = %s"),
    "/v1/notices/adverse-action": (
        "notice_id", "SELECT subject_id FROM notices WHERE notice_id = %s"),
    "/v1/me/freeze/thaws": ("thaw_id", "SELECT subject_id FROM freeze_thaws WHERE thaw_id = %s"),
    "/v1/me/fraud-alerts": ("alert_id", "SELECT subject_id FROM fraud_alerts WHERE alert_id = %s"),
}  # fmt: skip
"""Route template -> (the response member naming the created row, the SQL finding its subject).
A response of these routes carries that subject's data, so it is stored under their key."""

IDEMPOTENT_ROUTES = frozenset({
    REPORT_ROUTE, *SUBJECT_OF, "/v1/furnish/records", "/v1/operator/organizations",
    "/v1/operator/organizations/{org_id}/keys",
})  # fmt: skip
"""Every POST that creates something. The others (furnishing, organizations, keys) concern
no subject; their stored responses are under a key derived from the key file."""


@dataclass(frozen=True)
class Stored:
    fingerprint: bytes
    status: int
    media_type: str
    subject_id: UUID | None
    key_version: int | None
    body_ct: bytes | None
    """None for a pull: its answer is rebuilt from the report's kept copy (below)."""
    report_id: UUID | None
    jws_ct: bytes | None
    log_entry: int | None
    file_status: str | None
    data_keys: list[tuple[int, str, bytes]]


def lock_name(owner: bytes, key: str) -> str:
    return "fairfile.idempotency|" + owner.hex() + "|" + key


def lock_and_find(owner: bytes, key: str, now: datetime) -> Batch[Stored | None]:
    """Take the (credential, key) lock for this transaction, then the live record if any,
    with its subject's live data keys: one round trip."""
    return Batch(
        [Read(_LOCK_SQL, (lock_name(owner, key),), named=False),
         Read(_FIND_SQL, (owner, key, now)),
         Read(_KEYS_OF_RECORD_SQL, (owner, key), named=False)],
        lambda rows: _stored(rows[1], rows[2]),
    )  # fmt: skip


def _stored(found: list[dict[str, Any]], keys: list[tuple[Any, ...]]) -> Stored | None:
    if not found:
        return None
    row = found[0]

    def some(value: Any) -> bytes | None:
        return bytes(value) if value is not None else None

    return Stored(
        bytes(row["fingerprint"]), int(row["status"]), str(row["media_type"]), row["sealed_for"],
        row["key_version"], some(row["body_ct"]), row["report_id"], some(row["jws_ct"]),
        row["log_entry_id"], row["file_status"], [(int(v), str(k), bytes(w)) for v, k, w in keys],
    )  # fmt: skip


def subject_keys_of(route: str, body: dict[str, Any]) -> Batch[tuple[UUID, list[Any]] | None]:
    """The subject a created row belongs to, with their live data keys (None: no subject)."""
    found = SUBJECT_OF.get(route) or (REPORT_SUBJECT if route == REPORT_ROUTE else None)
    if found is None or not isinstance(body.get(found[0]), str):
        return Batch([], lambda _: None)
    member, subject_sql = found
    sql = (
        "SELECT subject_id, key_version, kek_id, wrapped_key FROM subject_keys "
        f"WHERE subject_id = ({subject_sql}) AND wrapped_key IS NOT NULL ORDER BY key_version"
    )
    return Batch([Read(sql, (body[member],), named=False)], _subject_keys)


def _subject_keys(rows: list[list[Any]]) -> tuple[UUID, list[Any]] | None:
    if not rows[0]:
        return None
    return rows[0][0][0], [(int(v), str(k), bytes(w)) for _, v, k, w in rows[0]]


_REPLACING_EXPIRED = """
    ON CONFLICT (owner, idem_key) DO UPDATE SET route = EXCLUDED.route,
        fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status,
        media_type = EXCLUDED.media_type, sealed_for = EXCLUDED.sealed_for,
        key_version = EXCLUDED.key_version, body_ct = EXCLUDED.body_ct,
        report_id = EXCLUDED.report_id, created_at = EXCLUDED.created_at,
        expires_at = EXCLUDED.expires_at
"""
"""A record's insert takes the place of an expired one of the same key (a live one is found,
and replayed, before any insert is tried)."""
_RECORD_SQL = f"""
    INSERT INTO idempotency_records AS r (owner, idem_key, route, fingerprint, status,
        media_type, sealed_for, key_version, body_ct, report_id, created_at, expires_at)
    VALUES (%(owner)s, %(idem_key)s, %(route)s, %(fingerprint)s, %(status)s, %(media_type)s,
            %(sealed_for)s, %(key_version)s, %(body_ct)s, %(report_id)s, %(created_at)s,
            %(expires_at)s)
    {_REPLACING_EXPIRED}"""
_PURGE_SQL = f"""
    DELETE FROM idempotency_records WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM idempotency_records
        WHERE expires_at <= %(now)s AND NOT (owner = %(owner)s AND idem_key = %(idem_key)s)
        LIMIT {PURGE_BATCH}))
"""


def record(values: dict[str, Any]) -> list[Write]:
    """The response stored (replacing an expired record of the same key), and expired records
    purged, as one statement. Only ever run under the key's lock, having found no live record.

    A pull's record has no body: it names the report (`report_id`), whose kept copy, already
    under the subject's key, is the answer. Its writes join the release's own statement
    (`Claim.report_answer`), so a keyed pull costs no statement more than one without a key."""
    purge = {"now": values["created_at"], "owner": values["owner"],
             "idem_key": values["idem_key"]}  # fmt: skip
    return [Write("idempotency_purge", _PURGE_SQL, purge),
            Write("idempotency_record", _RECORD_SQL, values)]  # fmt: skip


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> bytes:
    """What "the same request" means: the method, the path, the query and the body's bytes."""
    digest = hashlib.sha256(f"{method} {path}?".encode())
    digest.update(query + b"\n" + body)
    return digest.digest()


@events.subscribe(events.FileShredded)
def forget_shredded(event: events.FileShredded) -> list[Write]:
    """A shredded file's stored responses go with its keys."""
    return [Write("idempotency_shredded",
                  "DELETE FROM idempotency_records WHERE sealed_for = %(subject_id)s",
                  {"subject_id": event.subject_id})]  # fmt: skip
