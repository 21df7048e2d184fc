"""`bureau metro2 validate FILE [--previous EARLIER ...]`: check a Metro 2 file without storing
anything; `bureau metro2 rules [--markdown]`: the rule table.

The tool a furnisher runs before sending (like the CFPB's Metro 2 evaluator): every problem,
one per line (or a JSON list with --json). The exit status tells a script what would happen to
the file at the bureau: 0 clean, 1 some record or the file has a rejecting problem, 3 only
findings for review (every record would land, listed with its findings), 2 the file cannot be
read. With --previous, the cycle-to-cycle rules compare each record with the same account's
latest record in the earlier files (cycles.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bureau.commandline import Subparsers
from bureau.furnishing.metro2.columnar.history import cycle_problems
from bureau.furnishing.metro2.columnar.validate import ColumnarValidator
from bureau.furnishing.metro2.cycles import Earlier, History
from bureau.furnishing.metro2.moov_json import ConvertError, from_moov, to_moov
from bureau.furnishing.metro2.packed import to_character, to_packed
from bureau.furnishing.metro2.parse import open_file, read
from bureau.furnishing.metro2.records import Gap, Item, Record
from bureau.furnishing.metro2.rules import BY_ID
from bureau.furnishing.metro2.table import rule_table
from bureau.furnishing.metro2.validate import Problem
from bureau.furnishing.metro2.write import item_bytes
from bureau.private_output import open_private


def register(subparsers: Subparsers) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "metro2", help="Metro 2 tools (validate a file without storing it)"
    )
    sub = parser.add_subparsers(dest="metro2_command", required=True, metavar="ACTION")
    validate = sub.add_parser(
        "validate", help="print every problem in a Metro 2 file",
        epilog="exit status: 0 clean, 1 rejecting problems, 2 unreadable file, 3 findings for "
        "review only",
    )  # fmt: skip
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
    convert = sub.add_parser(
        "convert", help="convert between the character format, the packed format and "
        "moov-io/metro2's JSON",
        epilog="exit status: 0 converted, 1 the input cannot be expressed in the output "
        "format (nothing written), 2 the input cannot be read",
    )  # fmt: skip
    convert.add_argument("input", help="Metro 2 file (character or packed, or a .zip) or moov JSON")
    convert.add_argument("output", help="where to write the converted file")
    convert.add_argument(
        "--to", choices=FORMATS, default=None,
        help="output format (default: json when OUTPUT ends in .json, else character)",
    )  # fmt: skip
    convert.set_defaults(func=run_convert)
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


CYCLE_BATCH = 4096  # records whose cycle-to-cycle rules run together

# Exit statuses of `bureau metro2 validate` (documented in docs/metro2.md).
CLEAN, REJECTING, UNREADABLE, REVIEW_ONLY = 0, 1, 2, 3


def run_validate(args: argparse.Namespace) -> int:
    """Problems are printed as they are found, so a huge file never piles up in memory."""
    columnar = ColumnarValidator()  # the same problems as validate.FileValidator, faster
    validator = columnar.file
    count = 0
    rejecting = 0

    def emit(problem: Problem) -> None:
        nonlocal count, rejecting
        rejecting += problem.rejects
        if args.json:
            print(("[\n" if count == 0 else ",\n") + json.dumps(problem.to_dict()), end="")
        else:
            print(problem.line())
            if args.explain:
                print(f"    why: {BY_ID[problem.rule].why}")
        count += 1

    # With --previous, a batch of records waits until the cycle rules have run over the whole
    # batch at once (columnar.history.cycle_problems); problems still print in file order.
    pending: list[tuple[Item, list[Problem], Earlier | None]] = []

    def flush() -> None:
        paired = [(i, item, earlier) for i, (item, _, earlier) in enumerate(pending)
                  if earlier is not None and isinstance(item, Record)]  # fmt: skip
        across: dict[int, list[Problem]] = {}
        if paired:
            found_across = cycle_problems(
                [item for _, item, _ in paired], [e.record for _, _, e in paired],
                [validator.activity] * len(paired), [e.activity for _, _, e in paired])  # fmt: skip
            across = {i: p for (i, _, _), p in zip(paired, found_across, strict=True)}
        for i, (_, found, _) in enumerate(pending):
            for problem in found:
                emit(problem)
            for problem in across.get(i, ()):
                emit(problem)
            if across.get(i) and not found:
                validator.flagged_bases += 1
        pending.clear()

    try:
        history = _history(args.previous) if args.previous else None
        with open_file(args.file) as stream:
            for item, found in columnar.items(stream):
                if history is None:
                    for problem in found:
                        emit(problem)
                    continue
                earlier = None
                if isinstance(item, Record) and item.kind == "base":
                    earlier = history.previous(item, validator.activity)
                pending.append((item, found, earlier))
                if len(pending) >= CYCLE_BATCH:
                    flush()
            flush()
    except (OSError, ValueError) as exc:
        print(f"bureau metro2 validate: {exc}", file=sys.stderr)
        return UNREADABLE
    for problem in validator.finish():
        emit(problem)
    if args.json:
        print("[]" if count == 0 else "\n]")
    status = "clean" if not count else f"{count} problem(s), {rejecting} rejecting"
    print(
        f"{args.file}: {validator.bases} base record(s), "
        f"{validator.rejected_bases} rejected, {validator.flagged_bases} with findings for "
        f"review; {status}",
        file=sys.stderr,
    )
    if rejecting:
        return REJECTING
    return REVIEW_ONLY if count else CLEAN


FORMATS = ("character", "packed", "json")


def _read_any(path: str) -> list[Record]:
    """The records of a moov JSON document or of a Metro 2 file (either encoding). Data that
    has no form in another format (unreadable bytes, unknown data after a record's segments)
    refuses the conversion rather than being dropped."""
    with open_file(path) as stream:
        head = stream.read(1 << 16)
        rest = stream.read() if head.lstrip()[:1] == b"{" else None
    if rest is not None:
        try:
            doc = json.loads(head + rest)
        except ValueError as exc:  # unreadable, as a damaged file is (exit 2)
            raise ValueError(f"{path}: not valid JSON: {exc}") from None
        return from_moov(doc)
    out: list[Record] = []
    with open_file(path) as stream:
        for item in read(stream):
            if isinstance(item, Gap):
                if item.reason is not None:
                    raise ConvertError(f"record {item.number} @{item.offset}", item.reason)
                continue
            if item.tail:
                raise ConvertError(f"record {item.number} @{item.offset}",
                                   "unrecognised data after its segments (see validate)")  # fmt: skip
            out.append(item)
    return out


def run_convert(args: argparse.Namespace) -> int:
    """The output is written beside its name and moved there when complete: a refused
    conversion leaves nothing behind."""
    target = Path(args.output)
    to = args.to or ("json" if target.suffix.lower() == ".json" else "character")
    try:
        found = _read_any(args.input)
    except ConvertError as exc:
        print(f"bureau metro2 convert: {exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"bureau metro2 convert: {exc}", file=sys.stderr)
        return 2
    if to == "json":
        data = (json.dumps(to_moov(found), indent=2) + "\n").encode()
    else:
        convert = to_packed if to == "packed" else to_character
        data = b"".join(item_bytes(convert(record)) for record in found)
    partial = target.with_name(f".{target.name}.partial")
    with open_private(str(partial), "wb") as out:  # a Metro 2 file names consumers
        out.write(data)
    partial.replace(target)
    print(f"{args.input}: {len(found)} record(s) written to {target} ({to})", file=sys.stderr)
    return 0
