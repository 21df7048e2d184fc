"""`bureau metro2 validate FILE [--previous EARLIER ...]`: check a Metro 2 file without storing
anything; `bureau metro2 rules [--markdown]`: the rule table.

The tool a furnisher runs before sending (like the CFPB's Metro 2 evaluator): every problem,
one per line (or a JSON list with --json); exit status 0 when clean, 1 when anything is wrong
(findings for review included). With --previous, the cycle-to-cycle rules compare each record
with the same account's latest record in the earlier files (cycles.py).
"""

from __future__ import annotations

import argparse
import json
import sys

from bureau.commandline import Subparsers
from bureau.furnishing.metro2.columnar.validate import ColumnarValidator
from bureau.furnishing.metro2.cycles import History
from bureau.furnishing.metro2.parse import open_file, read
from bureau.furnishing.metro2.records import Record
from bureau.furnishing.metro2.rules import BY_ID
from bureau.furnishing.metro2.table import rule_table
from bureau.furnishing.metro2.validate import Problem, check_cycle


def register(subparsers: Subparsers) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "metro2", help="Metro 2 tools (validate a file without storing it)"
    )
    sub = parser.add_subparsers(dest="metro2_command", required=True, metavar="ACTION")
    validate = sub.add_parser("validate", help="print every problem in a Metro 2 file")
    validate.add_argument("file", help="Metro 2 character-format file (or a .zip holding one)")
    validate.add_argument("--json", action="store_true", help="print a JSON list of problems")
    validate.add_argument(
        "--explain", action="store_true", help="follow each problem with why its rule matters"
    )
    validate.add_argument(
        "--previous", action="append", default=[], metavar="EARLIER",
        help="an earlier cycle's file of the same furnisher (repeat for older ones): check the "
        "cycle-to-cycle rules against each account's latest earlier record",
    )  # fmt: skip
    validate.set_defaults(func=run_validate)
    rules = sub.add_parser("rules", help="print the validation rules")
    rules.add_argument("--markdown", action="store_true", help="as the table in docs/metro2.md")
    rules.set_defaults(func=run_rules)


def run_rules(args: argparse.Namespace) -> int:
    if args.markdown:
        print(rule_table(), end="")
    else:
        for rule in BY_ID.values():
            cfpb = f" [CFPB {rule.cfpb}]" if rule.cfpb else ""
            print(f"{rule.id} ({rule.severity}){cfpb}: {rule.description}")
    return 0


def _history(paths: list[str]) -> History:
    history = History()
    for path in paths:
        with open_file(path) as stream:
            history.add_file(list(read(stream)))
    return history


def run_validate(args: argparse.Namespace) -> int:
    """Problems are printed as they are found, so a huge file never piles up in memory."""
    columnar = ColumnarValidator()  # the same problems as validate.FileValidator, faster
    validator = columnar.file
    count = 0

    def emit(problem: Problem) -> None:
        nonlocal count
        if args.json:
            print(("[\n" if count == 0 else ",\n") + json.dumps(problem.to_dict()), end="")
        else:
            print(problem.line())
            if args.explain:
                print(f"    why: {BY_ID[problem.rule].why}")
        count += 1

    try:
        history = _history(args.previous) if args.previous else None
        with open_file(args.file) as stream:
            for item, found in columnar.items(stream):
                for problem in found:
                    emit(problem)
                if history is None or not isinstance(item, Record) or item.kind != "base":
                    continue
                earlier = history.previous(item, validator.activity)
                across = [] if earlier is None else check_cycle(
                    item, earlier.record, validator.activity, earlier.activity)  # fmt: skip
                for problem in across:
                    emit(problem)
                if across and not found:
                    validator.flagged_bases += 1
    except (OSError, ValueError) as exc:
        print(f"bureau metro2 validate: {exc}", file=sys.stderr)
        return 2
    for problem in validator.finish():
        emit(problem)
    if args.json:
        print("[]" if count == 0 else "\n]")
    status = "clean" if not count else f"{count} problem(s)"
    print(
        f"{args.file}: {validator.bases} base record(s), "
        f"{validator.rejected_bases} rejected, {validator.flagged_bases} with findings for "
        f"review; {status}",
        file=sys.stderr,
    )
    return 1 if count else 0
