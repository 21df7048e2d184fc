"""The portal states the periods of the regime it runs under, never numbers of its own."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bureau.policy.regime import reload_live_regime
from tests.web.conftest import Person
from tests.web.portal import sign_in


@pytest.fixture
def shorter_grants(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    text = (resources.files("bureau.policy") / "regimes" / "fcra-consent.toml").read_text("utf-8")
    changed = text.replace("consent_max_days = 365", "consent_max_days = 180")
    assert changed != text
    path = tmp_path / "shorter.toml"
    path.write_text(changed, encoding="utf-8")
    monkeypatch.setenv("FAIRFILE_REGIME", str(path))
    reload_live_regime()
    yield
    monkeypatch.delenv("FAIRFILE_REGIME")
    reload_live_regime()


def test_the_consent_page_states_the_regimes_grant_length(
    browser_client: TestClient, person: Person, request: pytest.FixtureRequest
) -> None:
    browser = browser_client
    sign_in(browser, person.token)
    page = browser.get("/portal/consents").text
    assert "the longest the rules allow (1 year)" in page
    request.getfixturevalue("shorter_grants")
    assert "the longest the rules allow (180 days)" in browser.get("/portal/consents").text
