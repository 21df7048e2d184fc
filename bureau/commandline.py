"""What every `bureau` subcommand shares: the subparsers it registers on and its settings.

Each `*/commands.py` imports this module (downward, at the top of the file) rather than
`bureau.cli`, so the entry point can list the command modules without any of them importing it
back. It depends on `bureau.config` only, which keeps it in the core layer
(docs/architecture.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TypeAlias

from bureau.config import Settings, load_settings

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What `register(subparsers)` receives: `bureau`'s sub-command table."""


def settings_from(args: argparse.Namespace) -> Settings:
    """Environment settings, with `--data-dir` (when the command has it) taking precedence."""
    settings = load_settings()
    data_dir = getattr(args, "data_dir", None)
    if data_dir:
        settings = settings.with_data_dir(Path(data_dir).expanduser())
    return settings
