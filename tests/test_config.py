"""Settings from the environment: the access log's intervals, and bad values refused by name."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bureau.cli import main
from bureau.config import SettingsInvalid, load_settings


def test_the_log_intervals_default_to_a_minute_and_a_quarter_second_and_can_be_set_in_seconds() -> (
    None
):
    assert load_settings({}).tree_head_interval == timedelta(seconds=60)
    assert load_settings({"FAIRFILE_TREE_HEAD_INTERVAL": "300"}).tree_head_interval == timedelta(
        seconds=300
    )
    assert load_settings({"FAIRFILE_TREE_HEAD_INTERVAL": "0"}).tree_head_interval == timedelta(0)
    assert load_settings({}).sequence_interval == timedelta(seconds=0.25)
    assert load_settings({"FAIRFILE_SEQUENCE_INTERVAL": "0.5"}).sequence_interval == timedelta(
        seconds=0.5
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FAIRFILE_TREE_HEAD_INTERVAL", "a minute"),
        ("FAIRFILE_TREE_HEAD_INTERVAL", "-1"),
        ("FAIRFILE_TREE_HEAD_INTERVAL", "nan"),
        ("FAIRFILE_SEQUENCE_INTERVAL", "0"),
    ],
)
def test_an_interval_that_is_not_a_usable_number_of_seconds_is_refused_by_name(
    name: str, value: str
) -> None:
    with pytest.raises(SettingsInvalid, match=name):
        load_settings({name: value})


def test_the_cli_refuses_to_start_with_a_bad_interval_and_says_which(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAIRFILE_TREE_HEAD_INTERVAL", "soon")
    assert main(["audit", "sequence"]) == 2
    assert (
        "FAIRFILE_TREE_HEAD_INTERVAL: 'soon' is not a number of seconds" in capsys.readouterr().err
    )


def test_business_time_zone_defaults_to_new_york_and_a_bad_one_stops_the_start() -> None:
    assert str(load_settings({}).business_timezone) == "America/New_York"
    assert str(
        load_settings({"FAIRFILE_BUSINESS_TIMEZONE": "Europe/Berlin"}).business_timezone
    ) == ("Europe/Berlin")
    with pytest.raises(SettingsInvalid, match="FAIRFILE_BUSINESS_TIMEZONE"):
        load_settings({"FAIRFILE_BUSINESS_TIMEZONE": "Mars/Olympus_Mons"})


def test_a_live_regime_override_without_its_live_sections_stops_the_start() -> None:
    with pytest.raises(SettingsInvalid, match=r"FAIRFILE_REGIME.*regime\.live"):
        load_settings({"FAIRFILE_REGIME": "sesame"})


def test_the_oauth_issuer_is_a_bare_https_origin_or_loopback_http() -> None:
    from bureau.config import ISSUER, SettingsInvalid, check_issuer, load_settings

    assert load_settings({}).issuer == ISSUER
    assert load_settings({"FAIRFILE_ISSUER": "https://bureau.example/"}).issuer == (
        "https://bureau.example"
    )
    assert check_issuer("http://127.0.0.1:9000") == "http://127.0.0.1:9000"
    for bad in ("http://bureau.example", "https://bureau.example/?x=1", "https://b.example/#f",
                "ftp://bureau.example", "https://:99999"):  # fmt: skip
        with pytest.raises(SettingsInvalid, match="FAIRFILE_ISSUER"):
            check_issuer(bad)
