"""Operators register redirect URIs and webhook endpoints from the command line."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from bureau.cli import main
from tests.consent.oauth.flow import Lender


@pytest.fixture(autouse=True)
def environment(database_url: str, session_key_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("FAIRFILE_KEY_FILE", str(session_key_file))
    monkeypatch.setenv("FAIRFILE_SANDBOX", "1")


def test_redirect_uris_are_added_listed_removed_and_refused_when_unsafe(
    lender: Lender, capsys: pytest.CaptureFixture[str]
) -> None:
    org = str(lender.org_id)
    assert main(["org", "redirect-uris", "add", org, "https://lender.example/cb"]) == 0
    assert main(["org", "redirect-uris", "list", org]) == 0
    assert "https://lender.example/cb" in capsys.readouterr().out
    with pytest.raises(SystemExit, match=r"uri: .*http only for loopback"):
        main(["org", "redirect-uris", "add", org, "http://lender.example/cb"])
    assert main(["org", "redirect-uris", "remove", org, "https://lender.example/cb"]) == 0
    assert "lender.example" not in capsys.readouterr().out


def test_a_redirect_uri_change_from_the_cli_is_in_the_access_log(
    lender: Lender, database_url: str
) -> None:
    org = str(lender.org_id)
    assert main(["org", "redirect-uris", "add", org, "https://logged.example/cb"]) == 0
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT entry FROM audit_log WHERE event = 'organization.redirect_uris' "
            "AND entry->>'org_id' = %s AND entry->>'by' = 'cli'",
            (org,),
        ).fetchall()
    assert len(rows) == 1  # the fixture's own registration went through the operator API
    assert "https://logged.example/cb" in rows[0][0]["redirect_uris"]


def test_a_webhook_endpoint_is_registered_with_a_secret_shown_once(
    lender: Lender, capsys: pytest.CaptureFixture[str]
) -> None:
    org = str(lender.org_id)
    assert main(["webhooks", "add", org, "http://127.0.0.1:9/h", "--events", "grant.revoked"]) == 0
    assert "signing secret (shown once): whsec_" in capsys.readouterr().out
    assert main(["webhooks", "list", org]) == 0
    assert "whsec_" not in capsys.readouterr().out
    with pytest.raises(SystemExit, match="url: "):
        main(["webhooks", "add", org, "ftp://127.0.0.1/h", "--events", "grant.revoked"])
    assert main(["webhooks", "deliver"]) == 0
    assert main(["webhooks", "schedule"]) == 0
