"""`bureau score table`: print the published scorecard (markdown), the table docs/score.md holds."""

from __future__ import annotations

import argparse

from bureau.commandline import Subparsers
from bureau.score.publish import markdown
from bureau.score.scorecard import CURRENT_VERSION, load_scorecard


def register(subparsers: Subparsers) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("score", help="the published scorecard")
    actions = parser.add_subparsers(dest="score_command", required=True, metavar="ACTION")
    table = actions.add_parser("table", help="print a scorecard's full points table (markdown)")
    table.add_argument("--version", default=CURRENT_VERSION, help="scorecard version id")
    table.set_defaults(func=run_table)


def run_table(args: argparse.Namespace) -> int:
    print(markdown(load_scorecard(args.version)))
    return 0
