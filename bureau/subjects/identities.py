"""The identity store: one document per subject and the blind indexes matching reads.

Why this shape (migration 0160, docs/scale.md "identity storage"): an ingest of a new consumer
wrote five wide identity rows, each with two indexes and a foreign-key trigger, two thirds of
the server's work per record. Now a subject's facts are one row (`identity_documents.facts`,
a JSON array; each value encrypted on its own with the subject's data key, beside the fact's
id, source furnisher, first and last seen and whether it is current), and matching reads a
narrow table (`identity_blind_indexes`) with one index. Both are written only here.

An address is stored as its fields (line 1 and 2, city, state, ZIP) in one encrypted JSON
value; its blind index is taken over the text people write, so it matches as before.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from bureau.subjects.address import Address, parse_address

__all__ = ["Address", "parse_address"]


def new_fact(
    kind: str, value_ct: bytes, value_bidx: bytes, source_org_id: UUID | None, at: datetime
) -> dict[str, Any]:
    """A fact as the document holds it (JSON)."""
    stamp = at.isoformat()
    return {"id": str(uuid4()), "kind": kind, "ct": base64.b64encode(value_ct).decode(),
            "bidx": value_bidx.hex(), "source": str(source_org_id) if source_org_id else None,
            "first_seen": stamp, "last_seen": stamp, "current": True}  # fmt: skip


def _ordered(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(facts, key=lambda f: (f["kind"], f["first_seen"], f["id"]))


# Writing -----------------------------------------------------------------------------------------

DOCUMENT_COLUMNS = ("subject_id", "key_version", "facts")
DOCUMENT_TYPES = ("uuid", "int4", "jsonb")
INDEX_COLUMNS = ("kind", "value_bidx", "subject_id")
INDEX_TYPES = ("text", "bytea", "uuid")


def _copy(
    conn: psycopg.Connection[Any],
    table: str,
    columns: Sequence[str],
    types: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> None:
    with (
        conn.cursor() as cur,
        cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.set_types(list(types))
        for row in rows:
            copy.write_row(row)


def copy_new_documents(
    conn: psycopg.Connection[Any],
    documents: Sequence[tuple[UUID, int, list[dict[str, Any]]]],
) -> None:
    """Documents of subjects created in this transaction, by binary COPY, then their blind
    indexes sorted by the index's key (inserting in key order is cheaper, and two writers
    adding one key wait rather than deadlock). (subject_id, key_version, facts)."""
    if not documents:
        return
    _copy(conn, "identity_documents", DOCUMENT_COLUMNS, DOCUMENT_TYPES,
          ((s, v, Jsonb(_ordered(f))) for s, v, f in documents))  # fmt: skip
    keys = sorted({(f["kind"], bytes.fromhex(f["bidx"]), s) for s, _, facts in documents
                   for f in facts})  # fmt: skip
    _copy(conn, "identity_blind_indexes", INDEX_COLUMNS, INDEX_TYPES, keys)


def documents_of(
    facts: Iterable[tuple[UUID, str, bytes, int, bytes, UUID | None]], at: datetime
) -> list[tuple[UUID, int, list[dict[str, Any]]]]:
    """Documents for `copy_new_documents` from facts one per row (subject_id, kind,
    ciphertext, key version, blind index, source): for bulk loads such as the benches'."""
    documents: dict[UUID, tuple[int, list[dict[str, Any]]]] = {}
    for subject_id, kind, value_ct, key_version, value_bidx, source in facts:
        version, held = documents.setdefault(subject_id, (key_version, []))
        documents[subject_id] = (max(version, key_version), held)
        held.append(new_fact(kind, value_ct, value_bidx, source, at))
    return [(s, v, f) for s, (v, f) in documents.items()]


def create_staging(conn: psycopg.Connection[Any]) -> None:
    """A session-private table for facts new to existing files, merged by `merge_staged`."""
    conn.execute(
        """
        CREATE TEMP TABLE IF NOT EXISTS identity_fact_stage (
            subject_id uuid, kind text, value_ct bytea, key_version integer, value_bidx bytea,
            source_org_id uuid
        ) ON COMMIT DROP
        """
    )
    conn.execute("TRUNCATE identity_fact_stage")


STAGE_COLUMNS = ("subject_id", "kind", "value_ct", "key_version", "value_bidx", "source_org_id")
STAGE_TYPES = ("uuid", "text", "bytea", "int4", "bytea", "uuid")


def stage_facts(conn: psycopg.Connection[Any], rows: Iterable[Sequence[Any]]) -> None:
    """Facts (subject_id, kind, value_ct, key_version, value_bidx, source_org_id) that may be
    new to existing files, kept until `merge_staged`."""
    _copy(conn, "identity_fact_stage", STAGE_COLUMNS, STAGE_TYPES, rows)


def merge_staged(conn: psycopg.Connection[Any]) -> int:
    """The staged facts into their subjects' documents and the blind-index table, once per
    ingest, set-based; facts already held are left as they are. Returns the facts added.

    The documents are locked first, in subject order: two ingests adding facts to the same
    files then queue on the first file they share instead of each holding one the other
    needs. Blind indexes go in in their key's order."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT count(*) FROM (SELECT d.subject_id FROM identity_documents d "
            "WHERE d.subject_id IN (SELECT subject_id FROM identity_fact_stage) "
            "ORDER BY d.subject_id FOR NO KEY UPDATE) locked"
        )
        cur.execute(
            """
            WITH fresh AS (
                SELECT DISTINCT ON (kind, value_bidx, subject_id) *
                FROM identity_fact_stage ORDER BY kind, value_bidx, subject_id
            ), added AS (
                INSERT INTO identity_blind_indexes (kind, value_bidx, subject_id)
                SELECT kind, value_bidx, subject_id FROM fresh
                ORDER BY kind, value_bidx, subject_id
                ON CONFLICT DO NOTHING
                RETURNING kind, value_bidx, subject_id
            ), documents AS (
                SELECT f.subject_id, max(f.key_version) AS key_version,
                       jsonb_agg(jsonb_build_object(
                           'id', gen_random_uuid(), 'kind', f.kind,
                           'ct', translate(encode(f.value_ct, 'base64'), E'\\n', ''),
                           'bidx', encode(f.value_bidx, 'hex'), 'source', f.source_org_id,
                           'first_seen', now(), 'last_seen', now(), 'current', true)
                           ORDER BY f.kind, f.value_bidx) AS facts
                FROM added a JOIN fresh f USING (kind, value_bidx, subject_id)
                GROUP BY f.subject_id
            )
            UPDATE identity_documents d
            SET facts = d.facts || n.facts, key_version = greatest(d.key_version, n.key_version),
                updated_at = now()
            FROM documents n WHERE d.subject_id = n.subject_id
            RETURNING jsonb_array_length(n.facts)
            """
        )
        added = sum(int(row[0]) for row in cur.fetchall())
        cur.execute("TRUNCATE identity_fact_stage")
    return added


def add_facts(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    key_version: int,
    facts: Sequence[tuple[str, bytes, bytes]],
    source_org_id: UUID | None,
    at: datetime,
) -> None:
    """Record facts (kind, ciphertext, blind index) of one subject, one at a time path
    (enrolment, the sandbox): a value already held only refreshes its last-seen time."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT facts FROM identity_documents WHERE subject_id = %s FOR NO KEY UPDATE",
            (subject_id,),
        )
        row = cur.fetchone()
    held: list[dict[str, Any]] = list(row[0]) if row else []
    by_key = {(f["kind"], f["bidx"]): f for f in held}
    added: list[tuple[str, bytes, UUID]] = []
    for kind, value_ct, value_bidx in facts:
        known = by_key.get((kind, value_bidx.hex()))
        if known is not None:
            known["last_seen"] = at.isoformat()
            continue
        fact = new_fact(kind, value_ct, value_bidx, source_org_id, at)
        by_key[(kind, fact["bidx"])] = fact
        held.append(fact)
        added.append((kind, value_bidx, subject_id))
    conn.execute(
        """
        INSERT INTO identity_documents (subject_id, key_version, facts) VALUES (%s, %s, %s)
        ON CONFLICT (subject_id) DO UPDATE SET facts = EXCLUDED.facts,
            key_version = greatest(identity_documents.key_version, EXCLUDED.key_version),
            updated_at = now()
        """,
        (subject_id, key_version, Jsonb(_ordered(held))),
    )
    if added:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO identity_blind_indexes (kind, value_bidx, subject_id) "
                "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                sorted(added),
            )


def set_current(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    fact_id: UUID,
    current: bool,
    at: datetime | None = None,
) -> None:
    """Mark one fact current or not (an identity-item dispute deletes or reinserts it); a
    fact taken off records when (`last_seen`). Its blind index stays: a fact no longer shown
    still tells the bureau whose file a record belongs to, as before."""
    conn.execute(
        """
        UPDATE identity_documents d SET updated_at = now(), facts = (
            SELECT jsonb_agg(CASE WHEN e.f->>'id' = %(id)s::text
                                  THEN e.f || jsonb_build_object('current', %(current)s::boolean)
                                          || CASE WHEN %(at)s::timestamptz IS NULL THEN '{}'
                                             ELSE jsonb_build_object('last_seen', %(at)s::timestamptz)
                                             END
                                  ELSE e.f END ORDER BY e.n)
            FROM jsonb_array_elements(d.facts) WITH ORDINALITY AS e(f, n))
        WHERE d.subject_id = %(s)s AND d.facts @> jsonb_build_array(jsonb_build_object('id', %(id)s::text))
        """,
        {"s": subject_id, "id": str(fact_id), "current": current, "at": at},
    )


def forget(conn: psycopg.Connection[Any], subject_id: UUID) -> int:
    """Delete the subject's document and blind indexes (erasure); returns the facts deleted."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "DELETE FROM identity_blind_indexes WHERE (kind, value_bidx, subject_id) IN ("
            "SELECT f->>'kind', decode(f->>'bidx', 'hex'), d.subject_id "
            "FROM identity_documents d, jsonb_array_elements(d.facts) f WHERE d.subject_id = %s)",
            (subject_id,),
        )
        cur.execute(
            "DELETE FROM identity_documents WHERE subject_id = %s "
            "RETURNING jsonb_array_length(facts)",
            (subject_id,),
        )
        row = cur.fetchone()
    return int(row[0]) if row else 0


# Reading -----------------------------------------------------------------------------------------

FACTS_SQL = (
    "SELECT f->>'kind', decode(f->>'ct', 'base64'), (f->>'current')::boolean "
    "FROM identity_documents d, jsonb_array_elements(d.facts) f "
    "WHERE d.subject_id = %s ORDER BY f->>'kind', (f->>'first_seen')::timestamptz"
)
"""(kind, ciphertext, is_current) of a subject's facts; shared with batched reads."""

FACT_SQL = """
    SELECT (f->>'id')::uuid AS identity_id, f->>'kind' AS kind,
           decode(f->>'ct', 'base64') AS value_ct, (f->>'source')::uuid AS investigator_id,
           (f->>'current')::boolean AS is_current,
           (f->>'first_seen')::timestamptz AS first_seen_at,
           CASE WHEN (f->>'current')::boolean THEN NULL
                ELSE (f->>'last_seen')::timestamptz END AS deleted_at
    FROM identity_documents d, jsonb_array_elements(d.facts) f
    WHERE d.subject_id = %s AND f->>'id' = %s::uuid::text"""
"""One fact as an identity-item dispute reads it (disputes/repo.py)."""


def current_facts(conn: psycopg.Connection[Any], subject_id: UUID) -> list[tuple[str, bytes]]:
    """(kind, ciphertext) of the subject's current facts, most recently seen first."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT f->>'kind', decode(f->>'ct', 'base64') "
            "FROM identity_documents d, jsonb_array_elements(d.facts) f "
            "WHERE d.subject_id = %s AND (f->>'current')::boolean "
            "ORDER BY (f->>'last_seen')::timestamptz DESC, (f->>'first_seen')::timestamptz DESC",
            (subject_id,),
        )
        return [(k, bytes(v)) for k, v in cur.fetchall()]


def facts(conn: psycopg.Connection[Any], subject_id: UUID) -> list[dict[str, Any]]:
    """The subject's facts as the document holds them (ciphertexts still encrypted)."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute("SELECT facts FROM identity_documents WHERE subject_id = %s", (subject_id,))
        row = cur.fetchone()
    return list(row[0]) if row else []


def subjects_holding(
    conn: psycopg.Connection[Any], kinds: Sequence[str], keys: list[tuple[bytes, ...]]
) -> dict[tuple[bytes, ...], list[UUID]]:
    """For each key (one blind index per kind), the subjects holding all of them.

    Each kind is one lookup by the blind-index table's key ((kind, value_bidx), a single
    shard on Citus), and the subjects are intersected here: no join between two lookups,
    no join with `subjects` (a shredded file has no blind indexes left: `forget`)."""
    if not keys:
        return {}
    found: list[dict[bytes, set[UUID]]] = []
    for i, kind in enumerate(kinds):
        values = list({key[i] for key in keys})
        holders: dict[bytes, set[UUID]] = {}
        with conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(
                "SELECT value_bidx, subject_id FROM identity_blind_indexes "
                "WHERE kind = %s AND value_bidx = ANY(%b)",
                (kind, values),
                binary=True,
            )
            for bidx, subject_id in cur.fetchall():
                holders.setdefault(bytes(bidx), set()).add(subject_id)
        found.append(holders)
    result: dict[tuple[bytes, ...], list[UUID]] = {}
    for key in keys:
        subjects: set[UUID] | None = None
        for i in range(len(kinds)):
            held = found[i].get(key[i], set())
            subjects = held if subjects is None else subjects & held
        if subjects:
            result[key] = sorted(subjects)
    return result


def held(
    conn: psycopg.Connection[Any], facts: Iterable[tuple[UUID, str, bytes]]
) -> set[tuple[UUID, str, bytes]]:
    """Which of these (subject_id, kind, blind index) facts are already held."""
    triples = list(facts)
    if not triples:
        return set()
    subjects, kinds, bidxs = (list(column) for column in zip(*triples, strict=True))
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT i.subject_id, i.kind, i.value_bidx FROM identity_blind_indexes i "
            "JOIN unnest(%b::uuid[], %b::text[], %b::bytea[]) AS q(subject_id, kind, value_bidx) "
            "ON (i.kind, i.value_bidx, i.subject_id) = (q.kind, q.value_bidx, q.subject_id)",
            (subjects, kinds, bidxs),
            binary=True,
        )
        return {(s, k, bytes(b)) for s, k, b in cur.fetchall()}


def fact_pairs(rows: Iterable[Mapping[str, Any]]) -> list[tuple[str, bytes]]:
    """(kind, ciphertext) of facts as the document holds them."""
    return [(f["kind"], base64.b64decode(f["ct"])) for f in rows]
