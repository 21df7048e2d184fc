"""Settings read from the environment once, at start-up.

Why one place: every entry point (API, CLI, tests) must agree on which database and which key
file it uses; a bureau that silently opened a second key file would write unreadable data.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import platformdirs

TREE_HEAD_INTERVAL = timedelta(seconds=60)
"""How often, at most, reads alone cause a new signed tree head of the access log (see
`Settings.tree_head_interval`). A minute keeps an auditor's view of the log at most a minute
behind (Certificate Transparency allows a day) while bounding those heads to 1,440 a day, about
0.3 MB, however many reads there are: small beside the log itself in a bureau that busy."""

SEQUENCE_INTERVAL = timedelta(seconds=1)
"""How often a served bureau numbers committed access-log entries (`bureau.audit.sequencing`)."""


class SettingsInvalid(ValueError):
    """An environment variable the bureau cannot run with; the message names it and why."""


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    """A real PostgreSQL server; when None the embedded server in `data_dir` is used."""
    data_dir: Path
    """Where the embedded database and (by default) the master key file live."""
    key_file: Path
    """The vault's master key file (created with mode 0600 on first run)."""
    sandbox: bool = False
    """Sandbox mode: seeded personas and deterministic, published keys. Never in production."""
    tree_head_interval: timedelta = TREE_HEAD_INTERVAL
    """Readers reuse the newest signed tree head while it is younger than this (Certificate
    Transparency's publication schedule), so signed heads grow with time, not with reads.
    Operational, not law: no subject waits on it (a subject whose own entry the newest head does
    not cover gets a fresh head at once), so it lives here rather than in the regime. Zero signs
    a head on every read that follows new entries."""
    sequence_interval: timedelta = SEQUENCE_INTERVAL
    """How often the served bureau's background sequencer numbers committed log entries."""

    def with_data_dir(self, data_dir: Path) -> Settings:
        """The same settings with another data dir; the key file follows unless set explicitly."""
        key_file = self.key_file
        if "FAIRFILE_KEY_FILE" not in os.environ:
            key_file = data_dir / "master.key"
        return replace(self, data_dir=data_dir, key_file=key_file)


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("fairfile", appauthor=False))


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("FAIRFILE_DATA_DIR") or default_data_dir()).expanduser()
    key_file = Path(env.get("FAIRFILE_KEY_FILE") or data_dir / "master.key").expanduser()
    return Settings(
        database_url=env.get("DATABASE_URL") or None,
        data_dir=data_dir,
        key_file=key_file,
        sandbox=env.get("FAIRFILE_SANDBOX", "") in {"1", "true", "yes"},
        tree_head_interval=_seconds(env, "FAIRFILE_TREE_HEAD_INTERVAL", TREE_HEAD_INTERVAL, 0),
        sequence_interval=_seconds(env, "FAIRFILE_SEQUENCE_INTERVAL", SEQUENCE_INTERVAL, 0.01),
    )


def _seconds(env: Mapping[str, str], name: str, default: timedelta, least: float) -> timedelta:
    """A duration in seconds from the environment, refused (naming it) unless a number >= least."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        seconds = float(text)
    except ValueError:
        raise SettingsInvalid(f"{name}: {text!r} is not a number of seconds") from None
    if not math.isfinite(seconds) or seconds < least:
        raise SettingsInvalid(f"{name}: {text!r} must be a number of seconds >= {least:g}")
    return timedelta(seconds=seconds)
