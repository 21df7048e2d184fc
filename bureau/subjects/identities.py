"""The identity store: one document per subject and the blind indexes matching reads.

Why this shape (migration 0160, docs/scale.md "identity storage"): an ingest of a new consumer
wrote five wide identity rows, each with two indexes and a foreign-key trigger, two thirds of
the server's work per record. Now a subject's facts are one row (`identity_documents`: arrays
with one element per fact; each value encrypted on its own with the subject's data key, beside
the fact's id, blind index, source furnisher, first and last seen and whether it is current),
and matching reads a narrow table (`identity_blind_indexes`) with one index. Both are written
only here.

An address is stored as its fields (line 1 and 2, city, state, ZIP) in one encrypted JSON
value; its blind index is taken over the text people write, so it matches as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg
from psycopg.rows import tuple_row

from bureau.db import id_routes
from bureau.db.copy import copy_binary
from bureau.subjects.address import Address, parse_address

__all__ = ["Address", "parse_address"]


Fact = tuple[UUID, str, bytes, bytes, UUID | None, datetime, datetime, bool]
"""(id, kind, ciphertext, blind index, source, first seen, last seen, current): one element of
each of the document's arrays."""


def new_fact(
    kind: str, value_ct: bytes, value_bidx: bytes, source_org_id: UUID | None, at: datetime
) -> Fact:
    """A fact first seen now, as the document holds it."""
    return (uuid4(), kind, value_ct, value_bidx, source_org_id, at, at, True)


def _columns(facts: list[Fact]) -> list[list[Any]]:
    """The document's arrays, the facts ordered by kind, then first seen."""
    ordered = sorted(facts, key=lambda f: (f[1], f[5], str(f[0])))
    return [list(column) for column in zip(*ordered, strict=True)] if ordered else [[]] * 8


# Writing -----------------------------------------------------------------------------------------

ARRAYS = ("fact_ids", "kinds", "value_cts", "value_bidxs", "sources", "first_seen", "last_seen",
          "is_current")  # fmt: skip
DOCUMENT_COLUMNS = ("subject_id", "key_version", *ARRAYS)
DOCUMENT_TYPES = ("uuid", "int4", "uuid[]", "text[]", "bytea[]", "bytea[]", "uuid[]",
                  "timestamptz[]", "timestamptz[]", "bool[]")  # fmt: skip
INDEX_COLUMNS = ("kind", "value_bidx", "subject_id")
INDEX_TYPES = ("text", "bytea", "uuid")


Document = tuple[UUID, int, list[Fact]]
"""(subject_id, key version, facts) of a subject's document."""


def copy_new_documents(conn: psycopg.Connection[Any], documents: Sequence[Document]) -> None:
    """Documents of subjects created in this transaction, by binary COPY, then their blind
    indexes sorted by the index's key (inserting in key order is cheaper, and two writers
    adding one key wait rather than deadlock)."""
    if not documents:
        return
    copy_binary(conn, "identity_documents", DOCUMENT_COLUMNS, DOCUMENT_TYPES,
          ((s, v, *_columns(f)) for s, v, f in documents))  # fmt: skip
    keys = sorted({(f[1], f[3], s) for s, _, facts in documents for f in facts})
    copy_binary(conn, "identity_blind_indexes", INDEX_COLUMNS, INDEX_TYPES, keys)


def documents_of(
    facts: Iterable[tuple[UUID, str, bytes, int, bytes, UUID | None]], at: datetime
) -> list[Document]:
    """Documents for `copy_new_documents` from facts one per row (subject_id, kind,
    ciphertext, key version, blind index, source): for bulk loads such as the benches'."""
    documents: dict[UUID, tuple[int, list[Fact]]] = {}
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
    copy_binary(conn, "identity_fact_stage", STAGE_COLUMNS, STAGE_TYPES, rows)


_BY_FACT = "ORDER BY f.kind, f.value_bidx"


def _lock_documents(conn: psycopg.Connection[Any]) -> None:
    """Lock the staged subjects' documents, in subject order on one node.

    Citus refuses a row lock over several shards ("could not run distributed query with FOR
    UPDATE/SHARE"), so there the subjects are grouped by their shard and each group is locked
    by a query to that shard alone, the shards in id order and each shard's subjects in subject
    order: one total order still, so two ingests cannot each hold a document the other waits
    for."""
    with conn.cursor(row_factory=tuple_row) as cur:
        if not id_routes.distributed(conn):
            cur.execute(
                "SELECT count(*) FROM (SELECT d.subject_id FROM identity_documents d "
                "WHERE d.subject_id IN (SELECT subject_id FROM identity_fact_stage) "
                "ORDER BY d.subject_id FOR NO KEY UPDATE) locked"
            )
            return
        groups = cur.execute(
            "SELECT array_agg(subject_id ORDER BY subject_id) FROM ("
            "    SELECT DISTINCT subject_id,"
            "        get_shard_id_for_distribution_column('identity_documents', subject_id) AS shard"
            "    FROM identity_fact_stage) s "
            "GROUP BY shard ORDER BY shard"
        ).fetchall()
        for (subjects,) in groups:
            cur.execute(
                "SELECT count(*) FROM (SELECT subject_id FROM identity_documents "
                "WHERE subject_id = ANY(%s) ORDER BY subject_id FOR NO KEY UPDATE) locked",
                (subjects,),
            )


def merge_staged(conn: psycopg.Connection[Any]) -> int:
    """The staged facts into their subjects' documents and the blind-index table, once per
    ingest, set-based; facts already held are left as they are. Returns the facts added.

    The documents are locked first, in one order every ingest follows (`_lock_documents`):
    two ingests adding facts to the same files then queue on the first file they share instead
    of each holding one the other needs. Blind indexes go in in their key's order."""
    _lock_documents(conn)
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            f"""
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
                SELECT f.subject_id, max(f.key_version) AS key_version, count(*)::integer AS n,
                       array_agg(gen_random_uuid() {_BY_FACT}) AS ids,
                       array_agg(f.kind {_BY_FACT}) AS kinds,
                       array_agg(f.value_ct {_BY_FACT}) AS cts,
                       array_agg(f.value_bidx {_BY_FACT}) AS bidxs,
                       array_agg(f.source_org_id {_BY_FACT}) AS sources
                FROM added a JOIN fresh f USING (kind, value_bidx, subject_id)
                GROUP BY f.subject_id
            )
            UPDATE identity_documents d
            SET fact_ids = d.fact_ids || n.ids, kinds = d.kinds || n.kinds,
                value_cts = d.value_cts || n.cts, value_bidxs = d.value_bidxs || n.bidxs,
                sources = d.sources || n.sources,
                first_seen = d.first_seen || array_fill(now(), ARRAY[n.n]),
                last_seen = d.last_seen || array_fill(now(), ARRAY[n.n]),
                is_current = d.is_current || array_fill(true, ARRAY[n.n]),
                key_version = greatest(d.key_version, n.key_version), updated_at = now()
            FROM documents n WHERE d.subject_id = n.subject_id
            RETURNING n.n
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
    held = _held_facts(conn, subject_id, lock=True)
    by_key = {(f[1], f[3]): i for i, f in enumerate(held)}
    added: list[tuple[str, bytes, UUID]] = []
    for kind, value_ct, value_bidx in facts:
        known = by_key.get((kind, value_bidx))
        if known is not None:
            held[known] = (*held[known][:6], at, held[known][7])
            continue
        by_key[(kind, value_bidx)] = len(held)
        held.append(new_fact(kind, value_ct, value_bidx, source_org_id, at))
        added.append((kind, value_bidx, subject_id))
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in ARRAYS)
    # the transaction's time bound: Citus refuses now() in DO UPDATE SET (not IMMUTABLE)
    with conn.cursor(row_factory=tuple_row) as cur:
        stamp = cur.execute("SELECT now()").fetchone()
    assert stamp is not None
    conn.execute(
        f"""
        INSERT INTO identity_documents ({", ".join(DOCUMENT_COLUMNS)})
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (subject_id) DO UPDATE SET {updates},
            key_version = greatest(identity_documents.key_version, EXCLUDED.key_version),
            updated_at = %s
        """,
        (subject_id, key_version, *_columns(held), stamp[0]),
    )
    if added:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO identity_blind_indexes (kind, value_bidx, subject_id) "
                "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                sorted(added),
            )


def _held_facts(conn: psycopg.Connection[Any], subject_id: UUID, *, lock: bool) -> list[Fact]:
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            f"SELECT {', '.join(ARRAYS)} FROM identity_documents WHERE subject_id = %s"
            + (" FOR NO KEY UPDATE" if lock else ""),
            (subject_id,),
        )
        row = cur.fetchone()
    if row is None:
        return []
    return [(i, k, bytes(c), bytes(b), s, f, last, cur_)
            for i, k, c, b, s, f, last, cur_ in zip(*row, strict=True)]  # fmt: skip


def set_current(
    conn: psycopg.Connection[Any],
    subject_id: UUID,
    fact_id: UUID,
    current: bool,
    at: datetime | None = None,
) -> None:
    """Mark one fact current or not (an identity-item dispute deletes or reinserts it); a
    fact taken off records when (its last-seen time). Its blind index stays: a fact no longer
    shown still tells the bureau whose file a record belongs to, as before."""
    conn.execute(
        """
        UPDATE identity_documents d
        SET is_current[x.p] = %(current)s,
            last_seen[x.p] = coalesce(%(at)s::timestamptz, d.last_seen[x.p]), updated_at = now()
        FROM (SELECT subject_id, array_position(fact_ids, %(id)s::uuid) AS p
              FROM identity_documents WHERE subject_id = %(s)s) x
        WHERE d.subject_id = x.subject_id AND x.p IS NOT NULL
        """,
        {"s": subject_id, "id": fact_id, "current": current, "at": at},
    )


def forget(conn: psycopg.Connection[Any], subject_id: UUID) -> int:
    """Delete the subject's document and blind indexes (erasure); returns the facts deleted."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "DELETE FROM identity_blind_indexes WHERE (kind, value_bidx, subject_id) IN ("
            "SELECT f.kind, f.bidx, d.subject_id FROM identity_documents d, "
            "unnest(d.kinds, d.value_bidxs) AS f(kind, bidx) WHERE d.subject_id = %s)",
            (subject_id,),
        )
        cur.execute(
            "DELETE FROM identity_documents WHERE subject_id = %s RETURNING cardinality(fact_ids)",
            (subject_id,),
        )
        row = cur.fetchone()
    return int(row[0]) if row else 0


# Reading -----------------------------------------------------------------------------------------

_FACTS = (
    "FROM identity_documents d, unnest(d.fact_ids, d.kinds, d.value_cts, d.sources, "
    "d.first_seen, d.last_seen, d.is_current) "
    "AS f(id, kind, ct, source, first_seen, last_seen, current) WHERE d.subject_id = %s"
)

FACTS_SQL = f"SELECT f.kind, f.ct, f.current {_FACTS} ORDER BY f.kind, f.first_seen"
"""(kind, ciphertext, is_current) of a subject's facts; shared with batched reads."""

FACT_SQL = f"""
    SELECT f.id AS identity_id, f.kind, f.ct AS value_ct, f.source AS investigator_id,
           f.current AS is_current, f.first_seen AS first_seen_at,
           CASE WHEN f.current THEN NULL ELSE f.last_seen END AS deleted_at
    {_FACTS} AND f.id = %s"""
"""One fact as an identity-item dispute reads it (disputes/repo.py)."""


def current_facts(conn: psycopg.Connection[Any], subject_id: UUID) -> list[tuple[str, bytes]]:
    """(kind, ciphertext) of the subject's current facts, most recently seen first."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            f"SELECT f.kind, f.ct {_FACTS} AND f.current "
            "ORDER BY f.last_seen DESC, f.first_seen DESC",
            (subject_id,),
        )
        return [(k, bytes(v)) for k, v in cur.fetchall()]


def facts(conn: psycopg.Connection[Any], subject_id: UUID) -> list[dict[str, Any]]:
    """The subject's facts (ciphertexts still encrypted), by name."""
    names = ("id", "kind", "ct", "bidx", "source", "first_seen", "last_seen", "current")
    return [dict(zip(names, f, strict=True)) for f in _held_facts(conn, subject_id, lock=False)]


# The kinds in the order they narrow a search down: a national id names one person, an address
# a household, a telephone number a few, a date of birth one person in some 30,000, a name many.
NARROWEST_FIRST = ("national_id", "address", "phone", "dob", "name")


def subjects_holding(
    conn: psycopg.Connection[Any], kinds: Sequence[str], keys: Sequence[tuple[bytes, ...]]
) -> dict[tuple[bytes, ...], list[UUID]]:
    """For each key (one blind index per kind), the subjects holding all of them.

    The narrowest kind is looked up by value (the blind-index table's key, (kind, value_bidx):
    a single shard on Citus); each other kind only for the subjects that one found, as exact
    (value, subject) pairs. Looking every kind up by value alone would read every subject born
    on the batch's dates of birth: a tenth of the file per batch of 2,000 people, growing with
    the file and the bureau (docs/performance.md, "Stop 32"). No join with `subjects`: a
    shredded file has no blind indexes left (`forget`)."""
    if not keys:
        return {}
    order = sorted(range(len(kinds)), key=lambda i: NARROWEST_FIRST.index(kinds[i]))
    first = order[0]
    holders: dict[bytes, set[UUID]] = {}
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT value_bidx, subject_id FROM identity_blind_indexes "
            "WHERE kind = %s AND value_bidx = ANY(%b)",
            (kinds[first], list({key[first] for key in keys})),
            binary=True,
        )
        for bidx, subject_id in cur.fetchall():
            holders.setdefault(bytes(bidx), set()).add(subject_id)
    found = {key: subjects for key in keys if (subjects := holders.get(key[first]))}
    for i in order[1:]:
        if not found:
            break
        held = _pairs_held(conn, kinds[i], {(key[i], s) for key, ss in found.items() for s in ss})
        found = {key: kept for key, subjects in found.items()
                 if (kept := {s for s in subjects if (key[i], s) in held})}  # fmt: skip
    return {key: sorted(subjects) for key, subjects in found.items()}


def _pairs_held(
    conn: psycopg.Connection[Any], kind: str, pairs: set[tuple[bytes, UUID]]
) -> set[tuple[bytes, UUID]]:
    """Which of these (blind index, subject) pairs of one kind are held: one probe of the
    primary key per pair (two arrays compared with ANY would be planned as a scan)."""
    values, subjects = [p[0] for p in pairs], [p[1] for p in pairs]
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT b.value_bidx, b.subject_id "
            "FROM unnest(%b::bytea[], %b::uuid[]) AS k(value_bidx, subject_id) "
            "JOIN identity_blind_indexes b ON b.kind = %b AND b.value_bidx = k.value_bidx "
            "AND b.subject_id = k.subject_id",
            (values, subjects, kind),
            binary=True,
        )
        return {(bytes(bidx), subject_id) for bidx, subject_id in cur.fetchall()}


def held(
    conn: psycopg.Connection[Any], facts: Iterable[tuple[UUID, str, bytes]]
) -> set[tuple[UUID, str, bytes]]:
    """Which of these (subject_id, kind, blind index) facts are already held: read from the
    subjects' documents, one primary-key probe per subject (not one blind-index probe per
    fact: five times fewer, and on Citus on the subject's own shard)."""
    wanted = set(facts)
    if not wanted:
        return set()
    found: set[tuple[UUID, str, bytes]] = set()
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT subject_id, kinds, value_bidxs FROM identity_documents "
            "WHERE subject_id = ANY(%b)",
            (list({s for s, _, _ in wanted}),),
            binary=True,
        )
        for subject_id, kinds, bidxs in cur.fetchall():
            found.update((subject_id, k, bytes(b)) for k, b in zip(kinds, bidxs, strict=True))
    return found & wanted


def with_facts_of_kind(conn: psycopg.Connection[Any], kind: str) -> list[UUID]:
    """Subjects whose document holds a fact of this kind, in subject order."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            "SELECT subject_id FROM identity_documents WHERE %s = ANY(kinds) ORDER BY subject_id",
            (kind,),
        )
        return [row[0] for row in cur.fetchall()]


def locked_values(conn: psycopg.Connection[Any], subject_id: UUID) -> list[tuple[str, bytes]]:
    """(kind, ciphertext) of every fact of the subject, in the document's order, locked until
    the transaction ends (for `replace_values`)."""
    return [(f[1], f[2]) for f in _held_facts(conn, subject_id, lock=True)]


def replace_values(conn: psycopg.Connection[Any], subject_id: UUID, value_cts: list[bytes]) -> None:
    """New ciphertexts for the same facts, in the document's order (`locked_values`): the same
    values in another plaintext form; ids, blind indexes and times are unchanged."""
    conn.execute(
        "UPDATE identity_documents SET value_cts = %s, updated_at = now() "
        "WHERE subject_id = %s AND cardinality(value_cts) = %s",
        (value_cts, subject_id, len(value_cts)),
    )


def sample_facts(
    conn: psycopg.Connection[Any], kinds: Sequence[str], limit: int
) -> list[tuple[UUID, str, bytes, bytes]]:
    """(subject, kind, ciphertext, blind index) of up to `limit` facts of these kinds, from
    different subjects: what an adoption of a key file checks its blind-index key against."""
    with conn.cursor(row_factory=tuple_row) as cur:
        cur.execute(
            """
            SELECT d.subject_id, f.kind, f.ct, f.bidx
            FROM (SELECT * FROM identity_documents ORDER BY subject_id LIMIT %s) d,
                 LATERAL (SELECT k AS kind, c AS ct, b AS bidx
                          FROM unnest(d.kinds, d.value_cts, d.value_bidxs) AS u(k, c, b)
                          WHERE k = ANY(%s) LIMIT 1) f
            """,
            (limit, list(kinds)),
        )
        return [(s, str(k), bytes(c), bytes(b)) for s, k, c, b in cur.fetchall()]
