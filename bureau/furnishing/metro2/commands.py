"""`bureau metro2 validate FILE`: check a Metro 2 file without storing anything.

The tool a furnisher runs before sending (like the CFPB's Metro 2 evaluator): every problem,
one per line (or a JSON list with --json); exit status 0 when clean, 1 when anything is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys

from bureau.commandline import Subparsers
from bureau.furnishing.metro2.parse import open_file, read
from bureau.furnishing.metro2.rules import BY_ID
from bureau.furnishing.metro2.validate import FileValidator, Problem


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
    validate.set_defaults(func=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    """Problems are printed as they are found, so a huge file never piles up in memory."""
    validator = FileValidator()
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
        with open_file(args.file) as stream:
            for item in read(stream):
                for problem in validator.check(item):
                    emit(problem)
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
        f"{validator.rejected_bases} with problems; {status}",
        file=sys.stderr,
    )
    return 1 if count else 0
