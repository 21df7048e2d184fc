"""`bureau audit verify`: any row changed behind the API's back is found and named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from bureau.audit.tree import publish_head, verify_log
from bureau.cli import main
from bureau.signing import SigningKey, signing_key_file
from tests.consent.conftest import Org, Person
from tests.consent.test_routes import grant


@pytest.fixture
def bureau_key(session_key_file: Path) -> SigningKey:
    return SigningKey.load_or_create(signing_key_file(session_key_file))


@pytest.fixture
def grown_log(client: TestClient, person: Person, lumen: Org, auditor: Org) -> None:
    """A few more entries, covered by a signed tree head: the subject reading their log is owed
    one covering their new entries (an auditor within the interval gets the older head)."""
    grant(client, person, lumen)
    grant(client, person, lumen, purpose="collection")
    log = client.get("/v1/me/access-log", headers=person.headers).json()
    head = client.get("/v1/audit/tree-head", headers=auditor.headers).json()
    assert head == log["tree_head"] and head["tree_size"] > log["entries"][0]["leaf_index"]


def _index_of_latest(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT max(leaf_index) AS i FROM audit_log").fetchone()
    assert row is not None
    return int(row["i"])


def test_the_untouched_log_verifies(
    conn: psycopg.Connection[Any], grown_log: None, bureau_key: SigningKey
) -> None:
    result = verify_log(conn, [bureau_key.public_key])
    assert result.ok, result.problems
    assert result.entries > 0 and result.heads > 0


def test_the_api_cannot_update_or_delete_log_rows(conn: psycopg.Connection[Any]) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("UPDATE audit_log SET event = 'nothing' WHERE leaf_index = 0")
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("DELETE FROM audit_tree_heads")


def _tamper(conn: psycopg.Connection[Any], sql: str, *params: object) -> None:
    """Change rows as a superuser would, switching the append-only triggers off (rolled back)."""
    conn.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
    conn.execute("ALTER TABLE audit_tree_nodes DISABLE TRIGGER USER")
    conn.execute(sql, params)


def test_a_changed_entry_is_named(
    conn: psycopg.Connection[Any], grown_log: None, bureau_key: SigningKey
) -> None:
    target = _index_of_latest(conn) - 1
    _tamper(conn, "UPDATE audit_log SET entry = jsonb_set(entry, '{purpose}', '\"employment\"') "
                  "WHERE leaf_index = %s", target)  # fmt: skip
    result = verify_log(conn, [bureau_key.public_key])
    assert not result.ok and result.first_bad_index == target
    assert f"entry {target}: contents do not match its leaf hash" in result.problems


def test_a_changed_entry_with_a_recomputed_leaf_hash_breaks_the_signed_head(
    conn: psycopg.Connection[Any], grown_log: None, bureau_key: SigningKey
) -> None:
    from bureau.audit.log import leaf_hash

    target = _index_of_latest(conn)
    row = conn.execute("SELECT entry FROM audit_log WHERE leaf_index = %s", (target,)).fetchone()
    assert row is not None
    forged = {**row["entry"], "to": "00000000-0000-0000-0000-000000000000"}
    _tamper(conn, "UPDATE audit_log SET entry = %s, leaf_hash = %s WHERE leaf_index = %s",
            json.dumps(forged), leaf_hash(forged), target)  # fmt: skip
    result = verify_log(conn, [bureau_key.public_key])
    assert not result.ok
    assert result.first_bad_index is not None and result.first_bad_index <= target
    assert any("signed tree head" in p or "tree node" in p for p in result.problems)


def test_a_deleted_entry_is_named(
    conn: psycopg.Connection[Any], grown_log: None, bureau_key: SigningKey
) -> None:
    target = _index_of_latest(conn) - 1
    _tamper(conn, "DELETE FROM audit_log WHERE leaf_index = %s", target)
    result = verify_log(conn, [bureau_key.public_key])
    assert not result.ok and result.first_bad_index == target
    assert f"entry {target} is missing" in result.problems[0]


def test_a_head_signed_by_another_key_fails(
    conn: psycopg.Connection[Any], grown_log: None, bureau_key: SigningKey
) -> None:
    from datetime import UTC, datetime

    from bureau.audit import heads

    head = publish_head(conn, bureau_key, datetime.now(UTC))
    impostor = SigningKey.from_seed(b"\x09" * 32)
    forged = heads.sign(impostor, head.head.tree_size, head.head.root_hash, head.head.timestamp)
    conn.execute("SET LOCAL session_replication_role = replica")  # past the append-only trigger
    conn.execute("UPDATE audit_tree_heads SET key_id = %s, signature = %s WHERE tree_size = %s",
                 (forged.key_id, forged.signature, head.head.tree_size))  # fmt: skip
    conn.execute("SET LOCAL session_replication_role = origin")
    result = verify_log(conn, [bureau_key.public_key])
    assert result.problems == [
        f"signed tree head of size {head.head.tree_size}: signature does not verify",
    ]


def test_another_signing_key_cannot_extend_the_log(
    conn: psycopg.Connection[Any], grown_log: None, bureau_key: SigningKey
) -> None:
    """A bureau started with the wrong signing key signs nothing over the log: the signed
    subject map it would extend does not verify with its key."""
    from bureau.audit import trail
    from bureau.audit.errors import LogTampered
    from bureau.audit.sequencing import sequence

    trail.append(conn, "test.event", None, {"note": "grows the log"})
    impostor = SigningKey.from_seed(b"\x09" * 32)
    with pytest.raises(LogTampered, match="not the one the last checkpoint signed"):
        sequence(conn, impostor)


def test_the_cli_verifies_the_log_and_fails_naming_the_entry(
    database_url: str, session_key_file: Path, grown_log: None,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("FAIRFILE_KEY_FILE", str(session_key_file))
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.startswith("OK: ")

    # Tamper for real (committed), run the CLI from outside, then put the row back.
    with psycopg.connect(database_url, autocommit=True) as admin:
        row = admin.execute("SELECT max(leaf_index), (SELECT entry FROM audit_log WHERE leaf_index "
                            "IS NOT NULL ORDER BY leaf_index DESC LIMIT 1) FROM audit_log"
                            ).fetchone()  # fmt: skip
        assert row is not None
        target, original = row
        admin.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        try:
            admin.execute(
                "UPDATE audit_log SET entry = entry || '{\"extra\": 1}' WHERE leaf_index = %s",
                (target,),
            )
            assert main(["audit", "verify"]) == 1
            err = capsys.readouterr().err
            assert f"entry {target}: contents do not match its leaf hash" in err
            assert f"first bad entry {target}" in err
        finally:
            admin.execute(
                "UPDATE audit_log SET entry = %s WHERE leaf_index = %s",
                (json.dumps(original), target),
            )
            admin.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")
    assert main(["audit", "verify"]) == 0


def test_the_cli_checks_heads_against_a_published_key_set(
    database_url: str, session_key_file: Path, grown_log: None, bureau_key: SigningKey,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("FAIRFILE_KEY_FILE", str(session_key_file))
    published = tmp_path / "keys.json"
    published.write_text(json.dumps(bureau_key.jwks()))
    assert main(["audit", "verify", "--key", str(published), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] and result["heads"] > 0 and result["first_bad_index"] is None
    impostor = tmp_path / "impostor.json"
    impostor.write_text(json.dumps(SigningKey.from_seed(b"\x0b" * 32).jwks()))
    assert main(["audit", "verify", "--key", str(impostor), "--json"]) == 1
    assert "signature does not verify" in json.loads(capsys.readouterr().out)["problems"][0]
