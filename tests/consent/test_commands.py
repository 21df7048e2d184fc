"""The operator's consent commands: list a subject's grants, revoke one at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.consent.conftest import Org, Person
from tests.consent.test_reports import denied, pull
from tests.consent.test_routes import grant


@pytest.fixture
def environment(database_url: str, session_key_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("FAIRFILE_KEY_FILE", str(session_key_file))


def test_the_operator_lists_and_revokes_a_subjects_grant(
    environment: None, client: TestClient, person: Person, lumen: Org,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from bureau.cli import main

    made = grant(client, person, lumen)
    assert main(["consent", "list", str(person.subject_id)]) == 0
    listed = capsys.readouterr().out
    assert made["grant_id"] in listed and "Lumen Lending" in listed and "active" in listed

    assert main(["consent", "revoke", str(person.subject_id), made["grant_id"]]) == 0
    assert capsys.readouterr().out.startswith("revoked at ")
    assert denied(pull(client, lumen, made["grant_id"]), "grant-revoked")
    assert main(["consent", "list", str(person.subject_id)]) == 0
    assert capsys.readouterr().out.strip() == "no grants"
    log = client.get("/v1/me/access-log", headers=person.headers).json()["entries"]
    assert log[0]["event"] == "consent.revoked" and log[0]["entry"]["by"] == "operator"


def test_revoking_an_unknown_grant_fails_with_one_line(
    environment: None, person: Person, capsys: pytest.CaptureFixture[str]
) -> None:
    from bureau.cli import main

    code = main(["consent", "revoke", str(person.subject_id),
                 "00000000-0000-0000-0000-000000000001"])  # fmt: skip
    assert code == 1 and "no grant" in capsys.readouterr().err
