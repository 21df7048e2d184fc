"""`bureau serve` answers OAuth as one issuer, set or served, never guessed from a request."""

from __future__ import annotations

from pathlib import Path

import pytest

from bureau.config import Settings, SettingsInvalid
from bureau.sandbox.commands import served_issuer


def _settings(tmp_path: Path) -> Settings:
    return Settings(database_url=None, data_dir=tmp_path, key_file=tmp_path / "master.key")


def test_serving_on_loopback_is_its_own_issuer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAIRFILE_ISSUER", raising=False)
    assert served_issuer(_settings(tmp_path), "127.0.0.1", 9001).issuer == "http://127.0.0.1:9001"
    assert served_issuer(_settings(tmp_path), "::1", 9001).issuer == "http://[::1]:9001"


def test_serving_on_another_address_needs_fairfile_issuer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAIRFILE_ISSUER", raising=False)
    with pytest.raises(SettingsInvalid, match=r"FAIRFILE_ISSUER: serving on 0\.0\.0\.0"):
        served_issuer(_settings(tmp_path), "0.0.0.0", 8000)
    monkeypatch.setenv("FAIRFILE_ISSUER", "https://bureau.example")
    settings = Settings(database_url=None, data_dir=tmp_path, key_file=tmp_path / "m.key",
                        issuer="https://bureau.example")  # fmt: skip
    assert served_issuer(settings, "0.0.0.0", 8000).issuer == "https://bureau.example"
