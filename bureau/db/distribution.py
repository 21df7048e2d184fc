"""Where each table lives on a Citus cluster, and the step of `bureau migrate` that puts it there.

On plain PostgreSQL nothing here runs. When the database has the `citus` extension, every
migration is applied as on one node, then `distribute` places each table as `PLACEMENTS` says
(docs/scale.md explains every choice): a subject's file is distributed by `subject_id`, all of it
in one colocation group so a request about one subject is a router query to one shard group;
the blind indexes are distributed by their value, so matching is a single-shard lookup; the
small shared tables are reference tables (a copy on every node); the access log and its tree
stay on the coordinator, because a log is one sequence by design.

What Citus refuses is replaced by what it enforces instead, keeping the guarantee: the
statement-level reference checks (transition-table triggers, which Citus does not run on
distributed tables) become the colocated foreign keys they stand for. A unique index on an id
alone cannot be kept on a table distributed by subject: on Citus it becomes a plain lookup
index (`ROUTED_IDS`), unique per subject only; the report, grant and dispute ids and the
OAuth codes are then each recorded with their subject in `id_routes`, distributed by the id,
whose primary key keeps them unique across the cluster and routes a lookup by the id alone to
one shard (bureau/db/id_routes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import psycopg
from psycopg import sql

Kind = Literal["subject", "blind-index", "id", "reference", "coordinator"]


@dataclass(frozen=True)
class Placement:
    table: str
    kind: Kind
    why: str


def _subject(table: str, why: str) -> Placement:
    return Placement(table, "subject", why)


PLACEMENTS: tuple[Placement, ...] = (
    # Shared and small: read by every node's joins, written rarely.
    Placement(
        "organizations",
        "reference",
        "a few thousand furnishers and users; joined by every file read",
    ),
    Placement("api_keys", "reference", "checked on every request; one row per key"),
    Placement("org_redirect_uris", "reference", "OAuth clients' redirect URIs; tiny"),
    Placement("vault_key_fingerprints", "reference", "one row per master and signing key"),
    Placement("webhook_endpoints", "reference", "a few per organisation; read by every emitter"),
    Placement("sandbox_seeds", "reference", "one row per seeding"),
    # The subject's file: one colocation group, distributed by subject_id.
    _subject("subjects", "the file's root"),
    _subject("subject_keys", "the file's data keys; shredding deletes them on the file's shard"),
    _subject("subject_credentials", "portal sign-in; looked up by id"),
    _subject("portal_sessions", "a subject's sessions; looked up by hash"),
    _subject("identity_documents", "the file's identity facts, one row per subject"),
    _subject("tradelines", "accounts"),
    _subject("tradeline_reports", "reported history, partitioned by period on each shard"),
    _subject("bankruptcies", "public records"),
    _subject("inquiries", "written in the same transaction as every read of the file"),
    _subject("consent_grants", "grants; by grant id"),
    _subject("oauth_authorizations", "pending OAuth grants; by grant id and code"),
    _subject("freezes", "security freezes"),
    _subject("freeze_thaws", "temporary lifts"),
    _subject("fraud_alerts", "alerts"),
    _subject("disputes", "disputes; by dispute id"),
    _subject("dispute_events", "a dispute's history"),
    _subject("dispute_documents", "a dispute's evidence"),
    _subject("statements", "consumer statements"),
    _subject("notices", "notices to and about the subject"),
    _subject("reports", "released reports; by report id"),
    _subject("report_scores", "the score sent with a report"),
    _subject("report_copies", "a re-deliverable report's sealed copy"),
    # Matching: by the value, not the subject.
    Placement(
        "identity_blind_indexes",
        "blind-index",
        "matched before the subject is known: one shard per (kind, value) lookup",
    ),
    # Lookups by an id alone (a report, grant or dispute id, an OAuth code): by the id.
    Placement("id_routes", "id", "an id's subject, found on one shard (bureau/db/id_routes.py)"),
    # One sequence by design, and the bureau's own operational rows.
    Placement("audit_log", "coordinator", "the access log is one append-only sequence"),
    Placement("audit_log_head", "coordinator", "the sequencer's single row"),
    Placement("audit_tree_nodes", "coordinator", "the Merkle tree over the log"),
    Placement("audit_tree_heads", "coordinator", "signed tree heads"),
    Placement("audit_subject_tips", "coordinator", "per-subject chain tips, positions in the map"),
    Placement("audit_subject_map_nodes", "coordinator", "the subject map's tree"),
    Placement("furnish_batches", "coordinator", "one row per upload, deduplicated per furnisher"),
    Placement("webhook_deliveries", "coordinator", "the outbox: drained in order by one sender"),
    Placement("webhook_attempts", "coordinator", "the outbox's attempts"),
    Placement("webhook_emitted", "coordinator", "events already emitted, by key"),
    Placement("org_notices", "coordinator", "notices to organisations"),
    Placement("grant_tokens", "coordinator", "access tokens, looked up by hash on each request"),
    Placement("idempotency_records", "coordinator", "per credential and key; short-lived"),
    Placement("rate_limit_hits", "coordinator", "per bucket and window; counted by every process"),
    Placement("portal_signin_failures", "coordinator", "sign-in throttling; short-lived"),
    Placement("upload_slots", "coordinator", "upload leases per furnisher; short-lived, unlogged"),
    Placement("schema_migrations", "coordinator", "the migrations applied"),
)

# Unique indexes on an id alone: Citus cannot keep them on a table distributed by subject, so
# on Citus each becomes a plain index for the lookup (unique per subject only; see above).
ROUTED_IDS: tuple[tuple[str, str, str], ...] = (
    # (table, column, the unique index or constraint it replaces)
    ("reports", "report_id", "reports_id"),
    ("report_copies", "report_id", "report_copies_id"),
    ("consent_grants", "grant_id", "consent_grants_id"),
    ("disputes", "dispute_id", "disputes_id"),
    ("subject_credentials", "credential_id", "subject_credentials_credential_id_key"),
    ("portal_sessions", "session_hash", "portal_sessions_session_hash_key"),
    ("oauth_authorizations", "grant_id", "oauth_authorizations_grant_id_key"),
    ("oauth_authorizations", "code_hash", "oauth_authorizations_code_hash_key"),
)

# The statement-level reference checks and the foreign keys that replace them on Citus.
REFERENCES: tuple[tuple[str, str, str, str], ...] = (
    # (referencing table, its columns, referenced table, its columns)
    ("subject_keys", "subject_id", "subjects", "subject_id"),
    ("identity_documents", "subject_id, key_version", "subject_keys", "subject_id, key_version"),
    ("tradelines", "subject_id, key_version", "subject_keys", "subject_id, key_version"),
    ("tradelines", "furnisher_id", "organizations", "org_id"),
    ("tradeline_reports", "subject_id, tradeline_id", "tradelines", "subject_id, tradeline_id"),
)

# Foreign keys Citus cannot keep: a distributed table naming a coordinator table, or a
# coordinator table naming a distributed one. Each guarantee is kept another way (docs/scale.md).
DROPPED_FOREIGN_KEYS: tuple[tuple[str, str], ...] = (
    ("reports", "reports_log_entry_id_fkey"),  # the log entry is written in the same transaction
    ("grant_tokens", "grant_tokens_grant_id_fkey"),  # checked by a trigger: CHECKED_REFERENCES
)


# What stands in for a dropped key where the table that names the other is a coordinator
# table, whose triggers still run: a row trigger refusing a reference to a missing row with
# the key's SQLSTATE (23503). The function is a migration's (0251); it is attached on Citus only.
CHECKED_REFERENCES: tuple[tuple[str, str, str, str], ...] = (
    # (table, its column, the trigger, the function)
    ("grant_tokens", "grant_id", "grant_tokens_grant_held", "fairfile_token_grant_held"),
)


def citus_present(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    row = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'").fetchone()
    return row is not None


def _placed(conn: psycopg.Connection[tuple[object, ...]]) -> set[str]:
    return {
        str(row[0])
        for row in conn.execute("SELECT logicalrelid::regclass::text FROM pg_dist_partition")
    }


def _tables(conn: psycopg.Connection[tuple[object, ...]]) -> set[str]:
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
    )
    return {str(row[0]) for row in rows}


def unplaced(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    """Tables no placement names: a new table must be placed on purpose, never by default."""
    named = {p.table for p in PLACEMENTS}
    return sorted(_tables(conn) - named)


def _leaves(conn: psycopg.Connection[tuple[object, ...]], table: str) -> list[str]:
    """The table itself, or its partitions when it is partitioned."""
    rows = conn.execute(
        "SELECT c.relid::text FROM pg_partition_tree(%s::regclass) c WHERE c.isleaf",
        (table,),
    ).fetchall()
    return [str(row[0]) for row in rows] or [table]


def _prepare(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Replace what Citus refuses, in the same transaction as the distribution."""
    drops = [
        str(row[0])
        for row in conn.execute(
            "SELECT format('DROP TRIGGER %I ON %I', t.tgname, c.relname) FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE NOT t.tgisinternal AND t.tgparentid = 0 "
            "AND p.proname LIKE 'fairfile_check_referen%'"
        )
    ]
    for drop in drops:
        conn.execute(drop.encode())
    for table, constraint in DROPPED_FOREIGN_KEYS:
        conn.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}").format(
                sql.Identifier(table), sql.Identifier(constraint)
            )
        )
    for table, column, trigger, function in CHECKED_REFERENCES:
        conn.execute(
            sql.SQL(
                "CREATE OR REPLACE TRIGGER {} BEFORE INSERT OR UPDATE OF {} ON {} "
                "FOR EACH ROW EXECUTE FUNCTION {}()"
            ).format(
                sql.Identifier(trigger),
                sql.Identifier(column),
                sql.Identifier(table),
                sql.Identifier(function),
            )
        )
    for table, column, unique in ROUTED_IDS:
        conn.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}").format(
                sql.Identifier(table), sql.Identifier(unique)
            )
        )
        conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(unique)))
        conn.execute(
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
                sql.Identifier(f"{table}_{column}_lookup"),
                sql.Identifier(table),
                sql.Identifier(column),
            )
        )


def _one_connection_per_node(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Every session of the database runs its multi-shard statements over one connection per
    node (`citus.multi_shard_modify_mode = sequential`, the database's default from now on).

    The tables on the coordinator that name a reference table (the webhook outbox, grant
    tokens, upload batches) are Citus local tables, and Citus refuses to write one in a
    transaction that already ran a statement over several connections to a node ("cannot
    modify table ... because there was a parallel operation on a distributed table"): a report
    pull that emits its webhook is such a transaction. A request about one subject is a router
    query and never opens a second connection anyway; what this costs is a bulk statement over
    many shards (an ingest's merge) running shard after shard on each worker rather than side
    by side, parallel still across the workers."""
    name = conn.execute("SELECT current_database()").fetchone()
    assert name is not None
    conn.execute(
        sql.SQL("ALTER DATABASE {} SET citus.multi_shard_modify_mode TO 'sequential'").format(
            sql.Identifier(str(name[0]))
        )
    )


def distribute(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    """Place every table not yet placed; returns one line per table placed now."""
    missing = unplaced(conn)
    if missing:
        raise RuntimeError(f"no Citus placement for {', '.join(missing)}: add it to PLACEMENTS")
    _one_connection_per_node(conn)
    placed = _placed(conn)
    todo = [p for p in PLACEMENTS if p.table not in placed and p.kind != "coordinator"]
    if not todo:
        return []
    done: list[str] = []
    # Keys to reference tables are added in the same transaction as the distribution: Citus
    # then needs one connection per node throughout.
    conn.execute("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")
    _prepare(conn)
    # Citus places a table only when every foreign key to or from it is one it can keep, so the
    # keys among the tables placed now are taken off, the tables placed, and the keys put back.
    names = [p.table for p in todo]
    keys = [
        (str(row[0]), str(row[1]), str(row[2]))
        for row in conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conparentid = 0 "
            "AND (conrelid::regclass::text = ANY(%s) OR confrelid::regclass::text = ANY(%s))",
            (names, names),
        )
    ]
    for table, constraint, _ in keys:
        conn.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(table), sql.Identifier(constraint)
            )
        )
    for placement in todo:
        name = placement.table
        if placement.kind == "reference":
            conn.execute("SELECT create_reference_table(%s)", (name,))
            done.append(f"{name}: reference table ({placement.why})")
        elif placement.kind == "subject":
            colocate = "none" if name == "subjects" else "subjects"
            conn.execute(
                "SELECT create_distributed_table(%s, 'subject_id', colocate_with => %s)",
                (name, colocate),
            )
            done.append(f"{name}: distributed by subject_id ({placement.why})")
        elif placement.kind == "blind-index":
            conn.execute(
                "SELECT create_distributed_table(%s, 'value_bidx', colocate_with => %s)",
                (name, "none" if name == "identity_blind_indexes" else "identity_blind_indexes"),
            )
            done.append(f"{name}: distributed by value_bidx ({placement.why})")
        elif placement.kind == "id":
            conn.execute(
                "SELECT create_distributed_table(%s, 'id', colocate_with => 'none')", (name,)
            )
            done.append(f"{name}: distributed by id ({placement.why})")
    for table, constraint, definition in keys:
        conn.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                sql.Identifier(table), sql.Identifier(constraint), sql.SQL(definition)
            )
        )
    for table, columns, referenced, referenced_columns in REFERENCES:
        # Citus cannot add a foreign key to a distributed partitioned table as a whole, so a
        # partitioned table gets it on each partition (each is a colocated distributed table).
        for part in _leaves(conn, table):
            conn.execute(
                sql.SQL("ALTER TABLE {} ADD FOREIGN KEY ({}) REFERENCES {} ({})").format(
                    sql.Identifier(part),
                    sql.SQL(columns),
                    sql.Identifier(referenced),
                    sql.SQL(referenced_columns),
                )
            )
    for placement in PLACEMENTS:
        if placement.kind == "coordinator":
            done.append(f"{placement.table}: on the coordinator ({placement.why})")
    return done
