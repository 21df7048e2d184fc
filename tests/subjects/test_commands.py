"""`bureau subjects close|reopen|shred|shred-due`: the operator's tools, one transaction each,
a clear message and exit code 1 when the file's state refuses the step."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from bureau.cli import main
from tests.consent.conftest import Person


@pytest.fixture
def env(database_url: str, session_key_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("FAIRFILE_KEY_FILE", str(session_key_file))


def test_the_operator_closes_reopens_and_shreds_from_the_command_line(
    env: None, person: Person, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    subject = str(person.subject_id)
    assert main(["subjects", "shred", subject]) == 1
    assert "shredded only after the subject closed it" in capsys.readouterr().err

    assert main(["subjects", "close", subject, "--request-ref", "LTR-2026-118"]) == 0
    closed = json.loads(capsys.readouterr().out)
    assert closed["status"] == "closed" and closed["shred_due_at"]
    assert main(["subjects", "reopen", subject]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "active"
    assert main(["subjects", "close", subject, "--request-ref", "LTR-2026-119"]) == 0
    capsys.readouterr()

    assert main(["subjects", "shred", subject]) == 0
    shredded = json.loads(capsys.readouterr().out)
    assert shredded["status"] == "shredded" and shredded["identities"] > 0
    assert main(["subjects", "shred", subject]) == 1
    assert "already erased" in capsys.readouterr().err

    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT entry FROM audit_log WHERE subject_id = %s AND event = 'file.closed' "
            "ORDER BY entry_id DESC LIMIT 1",
            (person.subject_id,),
        ).fetchone()
    assert row is not None and row[0]["request_ref"] == "LTR-2026-119"
    assert row[0]["by"] == "operator"


def test_shred_due_leaves_files_closed_within_the_period(
    env: None, person: Person, capsys: pytest.CaptureFixture[str]
) -> None:
    subject = str(person.subject_id)
    assert main(["subjects", "close", subject, "--request-ref", "LTR-2026-120"]) == 0
    capsys.readouterr()
    assert main(["subjects", "shred-due"]) == 0
    due = json.loads(capsys.readouterr().out)["shredded"]
    assert subject not in {s["subject_id"] for s in due}  # closed just now: not due yet
    assert main(["subjects", "reopen", subject]) == 0


def test_closing_needs_the_requests_reference(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["subjects", "close", "00000000-0000-4000-8000-000000000000"])
    assert stopped.value.code == 2
    assert "--request-ref" in capsys.readouterr().err
