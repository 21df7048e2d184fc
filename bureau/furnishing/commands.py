"""`bureau furnish FILE --furnisher ORG` and `bureau export metro2 --furnisher ORG`.

Furnish applies a Metro 2 file in one transaction, with a progress bar on stderr, a summary,
and the rejection report (JSON on stdout with --json, CSV with --rejections FILE).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import psycopg
from tqdm import tqdm

from bureau.commandline import Subparsers, settings_from
from bureau.db.pool import one_transaction
from bureau.db.server import ready_url
from bureau.errors import DomainError
from bureau.furnishing import repo
from bureau.furnishing.export import export_records
from bureau.furnishing.ingest import ingest_metro2
from bureau.furnishing.metro2.parse import open_file
from bureau.furnishing.metro2.write import item_bytes
from bureau.furnishing.report import CsvSink, IngestReport
from bureau.private_output import open_private
from bureau.vault import Vault


def register(subparsers: Subparsers) -> None:
    furnish = subparsers.add_parser("furnish", help="apply a furnisher's Metro 2 file")
    furnish.add_argument("file", help="Metro 2 character-format file (or a .zip holding one)")
    furnish.add_argument("--furnisher", required=True, help="org id, Metro 2 id number or name")
    furnish.add_argument("--rejections", help="write the rejection report as CSV to this file")
    furnish.add_argument("--json", action="store_true", help="print the full report as JSON")
    furnish.add_argument("--data-dir")
    furnish.set_defaults(func=run_furnish)

    export = subparsers.add_parser("export", help="export a furnisher's data")
    export_sub = export.add_subparsers(dest="export_format", required=True, metavar="FORMAT")
    metro2 = export_sub.add_parser("metro2", help="as a Metro 2 character-format file")
    metro2.add_argument("--furnisher", required=True, help="org id, Metro 2 id number or name")
    metro2.add_argument("--out", help="file to write (default: stdout)")
    metro2.add_argument("--data-dir")
    metro2.set_defaults(func=run_export)


def _resources(args: argparse.Namespace) -> tuple[str, Vault]:
    settings = settings_from(args)
    url = ready_url(settings)
    with psycopg.connect(url) as conn:
        return url, Vault.for_database(settings.key_file, conn)


def find_furnisher(conn: psycopg.Connection[Any], ref: str) -> repo.Furnisher | None:
    """By org id, Metro 2 identification number or name, or the short name the sandbox prints
    for its organizations (`northwind`)."""
    from bureau.sandbox.personas import ORGS

    org = repo.find_furnisher(conn, ref)
    if org is None:
        names = {spec.slug: spec.name for spec in ORGS}
        if ref.lower() in names:
            org = repo.find_furnisher(conn, names[ref.lower()])
    return org


def _summary(report: IngestReport) -> str:
    if report.duplicate:
        return (
            f"already applied as batch {report.batch_id}: nothing changed "
            f"({report.accepted} accepted, {report.rejected} rejected then)"
        )
    t = report.tradelines
    lines = [
        f"batch {report.batch_id}: {report.records} base record(s), {report.accepted} accepted, "
        f"{report.rejected} rejected; {report.control} header/trailer record(s), "
        f"{report.unreadable} unreadable stretch(es)",
        f"tradelines: {t.get('inserted', 0)} new, {t.get('updated', 0)} updated, "
        f"{t.get('deleted', 0)} deleted; {t.get('reports', 0)} report(s) kept",
        f"subjects: {report.subjects_created} new file(s); matched by "
        + ", ".join(f"{rule} {count}" for rule, count in report.matched.items()),
    ]
    if report.associated:
        lines.append("associated consumers (J1/J2): matched by "
                     + ", ".join(f"{rule} {count}" for rule, count in report.associated.items()))  # fmt: skip
    if report.renumbered:
        lines.append(f"accounts renumbered (L1): {report.renumbered}")
    if report.not_stored:
        lines.append(
            "segments not stored: " + ", ".join(f"{k} {v}" for k, v in report.not_stored.items())
        )
    if report.file_problems:
        lines.append(f"file problems: {len(report.file_problems)} (see the report)")
    return "\n".join(lines)


def run_furnish(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(f"bureau furnish: no such file: {path}", file=sys.stderr)
        return 2
    url, vault = _resources(args)
    csv_out = open_private(args.rejections, "w", newline="") if args.rejections else None
    try:
        with one_transaction(url) as conn:
            org = find_furnisher(conn, args.furnisher)
            if org is None:
                print(f"bureau furnish: no furnisher {args.furnisher!r}", file=sys.stderr)
                return 2
            sink = CsvSink(csv_out) if csv_out is not None else None
            with open_file(path) as stream, tqdm(
                total=path.stat().st_size, unit="B", unit_scale=True, desc="furnish",
                file=sys.stderr, disable=None,
            ) as bar:  # fmt: skip

                def progress(records: int, read: int) -> None:
                    bar.update(read - bar.n)
                    bar.set_postfix(records=records, refresh=False)

                report = ingest_metro2(
                    conn, vault, org.org_id, stream, progress=progress, sink=sink
                )
    except DomainError as exc:
        print(f"bureau furnish: {exc.detail}", file=sys.stderr)
        return 1
    finally:
        if csv_out is not None:
            csv_out.close()
    if args.json:
        print(json.dumps(report.to_json(), indent=1, default=str))
    print(_summary(report), file=sys.stderr if args.json else sys.stdout)
    return 0


def run_export(args: argparse.Namespace) -> int:
    """With --out, the file is written beside its final name and moved there only when the
    export succeeded: a failed export leaves no empty or partial file behind."""
    url, vault = _resources(args)
    target = Path(args.out) if args.out else None
    partial = target.with_name(f".{target.name}.partial") if target is not None else None
    # 0600 from the first byte: the export names consumers (the rename keeps the mode).
    out = open_private(str(partial), "wb") if partial is not None else sys.stdout.buffer
    done = False
    try:
        with one_transaction(url) as conn:
            org = find_furnisher(conn, args.furnisher)
            if org is None:
                print(f"bureau export: no furnisher {args.furnisher!r}", file=sys.stderr)
                return 2
            count = 0
            for record in export_records(conn, vault, org.org_id):
                out.write(item_bytes(record))
                count += 1
        done = True
    finally:
        if partial is not None and target is not None:
            out.close()
            if done:
                partial.replace(target)
            else:
                partial.unlink(missing_ok=True)
    print(f"exported {max(count - 2, 0)} account(s) for {org.name}", file=sys.stderr)
    return 0
