"""Migrations build the schema from empty, and re-running them changes nothing."""

from __future__ import annotations

from typing import Any

import psycopg

from bureau.db.migrate import available, migrate


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    return {r[0] for r in rows}


def test_migrations_apply_from_empty_and_record_every_version(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        recorded = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert recorded == [m.version for m in available()]
    assert {"subjects", "tradelines", "consent_grants", "audit_log", "disputes"} <= _tables(
        database_url
    )


def test_rerunning_migrations_applies_nothing_and_keeps_data(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO organizations (org_id, name, roles) "
            "VALUES ('00000000-0000-0000-0000-00000000abcd', 'Rerun Bank', ARRAY['user'])"
        )
        conn.commit()
    try:
        assert migrate(database_url) == []
        with psycopg.connect(database_url) as conn:
            row = conn.execute(
                "SELECT name FROM organizations WHERE org_id = '00000000-0000-0000-0000-00000000abcd'"
            ).fetchone()
        assert row == ("Rerun Bank",)
    finally:
        with psycopg.connect(database_url) as conn:
            conn.execute(
                "DELETE FROM organizations WHERE org_id = '00000000-0000-0000-0000-00000000abcd'"
            )


def test_every_subject_scoped_table_has_subject_id_first_in_its_primary_key(
    database_url: str,
) -> None:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            """
            SELECT c.relname, a.attname
            FROM pg_constraint k
            JOIN pg_class c ON c.oid = k.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1]
            WHERE k.contype = 'p'
              AND EXISTS (SELECT 1 FROM pg_attribute s
                          WHERE s.attrelid = c.oid AND s.attname = 'subject_id' AND NOT s.attisdropped)
            """
        ).fetchall()
    # the subject table itself; the log is global by design; the blind-index table is keyed
    # (and on Citus distributed) by the blind index, so matching is a single-shard lookup; the
    # id routes likewise by the id they route (bureau/db/id_routes.py)
    exempt = {"subjects", "audit_log", "identity_blind_indexes", "id_routes"}
    offenders = [(t, first) for t, first in rows if t not in exempt and first != "subject_id"]
    assert rows and offenders == []


def test_audit_log_refuses_update_and_delete(conn: psycopg.Connection[dict[str, Any]]) -> None:
    conn.execute(
        "INSERT INTO audit_log (leaf_index, event, entry, leaf_hash) "
        "VALUES (999999, 'test', '{}'::jsonb, '\\x00')"
    )
    for statement in ("UPDATE audit_log SET event = 'x'", "DELETE FROM audit_log"):
        try:
            with conn.transaction():
                conn.execute(statement)
        except psycopg.errors.InsufficientPrivilege as exc:
            assert "append-only" in str(exc)
        else:
            raise AssertionError(f"{statement} was allowed")
