"""Settings read from the environment once, at start-up.

Why one place: every entry point (API, CLI, tests) must agree on which database and which key
file it uses; a bureau that silently opened a second key file would write unreadable data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import platformdirs


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

    def with_data_dir(self, data_dir: Path) -> Settings:
        """The same settings with another data dir; the key file follows unless set explicitly."""
        key_file = self.key_file
        if "FAIRFILE_KEY_FILE" not in os.environ:
            key_file = data_dir / "master.key"
        return replace(self, data_dir=data_dir, key_file=key_file)


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("fairfile", appauthor=False))


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("FAIRFILE_DATA_DIR") or default_data_dir()).expanduser()
    key_file = Path(env.get("FAIRFILE_KEY_FILE") or data_dir / "master.key").expanduser()
    return Settings(
        database_url=env.get("DATABASE_URL") or None,
        data_dir=data_dir,
        key_file=key_file,
        sandbox=env.get("FAIRFILE_SANDBOX", "") in {"1", "true", "yes"},
    )
