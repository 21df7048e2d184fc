"""The `bureau` command: one entry point for operators, furnishers and researchers.

Each domain contributes its own subcommands through a `register(subparsers)` function, listed
in COMMAND_MODULES, so this file stays an index rather than a growing pile of handlers. What
the command modules share (`settings_from`, the `Subparsers` type) is in `bureau.commandline`,
which they import downward: none of them imports this module.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

import psycopg

from bureau.config import SettingsInvalid
from bureau.db.server import DatabaseUnavailable
from bureau.signing import SigningKeyRefused
from bureau.vault.keyring import KeyRingError
from bureau.vault.vault import VaultError

COMMAND_MODULES: list[str] = [
    "bureau.db.commands",
    "bureau.sandbox.commands",
    "bureau.orgs.commands",
    "bureau.policy.commands",
    "bureau.furnishing.metro2.commands",
    "bureau.furnishing.commands",
    "bureau.audit.commands",
    "consent.commands",
    "disputes.commands",
    "bureau.score.commands",
    "bureau.vault.commands",
    "bureau.subjects.commands",
    "bureau.subjects.key_adoption",
    "bureau.webhooks.commands",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bureau", description="fairfile: a consent-based, financial-only credit bureau."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except (
        DatabaseUnavailable,
        SettingsInvalid,
        VaultError,
        KeyRingError,
        SigningKeyRefused,
    ) as exc:
        print(f"bureau: {exc}", file=sys.stderr)
        return 2
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"bureau: database error: {first}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `bureau … | head` closed the pipe: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
