"""Ingest: a furnisher's Metro 2 file (or JSON records) into the credit file.

parse (streamed) -> validate every record -> blind-index it -> match subjects by blind index,
batch by batch -> COPY valid accounts into a staging table -> one set-based merge. Reading,
validating and indexing run in the caller's thread while a background thread (background_apply.py)
applies the previous batch to the database. Everything runs in the caller's transaction
(services never commit), so a crash anywhere leaves the file applied whole or not at all.
Invalid records are rejected and listed; the valid ones land. Sending the same bytes again is
recognised by their digest and changes nothing; a newer cycle updates the account and every
report is kept per account and period.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, BinaryIO
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import numpy as np
import psycopg
from psycopg import errors

from bureau.errors import Conflict, InvalidInput, NotFound
from bureau.furnishing import admissibility, allocator, repo, unchanged
from bureau.furnishing.accounts import ComposeErrors, record_from_json, record_from_stored
from bureau.furnishing.background_apply import BackgroundWriter
from bureau.furnishing.keying import Keyed, accounts_of, keyed_accounts, pack
from bureau.furnishing.keying_pool import POOL_FROM_BYTES, KeyingPipeline, configured_workers, pool
from bureau.furnishing.matching import MATCH_RULES, Match, Matcher
from bureau.furnishing.metro2.columnar.blocks import Plain
from bureau.furnishing.metro2.columnar.duplicates import duplicate_accounts as columnar_duplicates
from bureau.furnishing.metro2.columnar.evaluate import Batch, Pairing
from bureau.furnishing.metro2.columnar.fields import Segments
from bureau.furnishing.metro2.columnar.history import cycle_hits, cycle_problems, no_activity
from bureau.furnishing.metro2.columnar.validate import ColumnarValidator
from bureau.furnishing.metro2.layout import BASE, LAYOUTS
from bureau.furnishing.metro2.records import Gap, Record, Segment
from bureau.furnishing.metro2.rules import BY_ID
from bureau.furnishing.metro2.validate import (
    Problem,
    check_cycle,
    check_record,
)
from bureau.furnishing.report import IngestReport, Rejection
from bureau.furnishing.unchanged import Repeat
from bureau.policy.regime import live_regime, live_rules
from bureau.subjects import identities
from bureau.subjects import repo as subjects_repo
from bureau.subjects.address import stored_value
from bureau.vault import SubjectCipher, Vault
from bureau.vault.bulk_encrypt import encrypt_many

BATCH_SIZE = 2000
# Appended segments whose data this version does not store though the regime admits them, and
# why (reported to the sender). Segments the regime does not admit (N1, employment, under
# fcra-consent: `[furnishing] admissible_segments`) are never stored either: `not_stored`.
NOT_IMPLEMENTED = {
    "L1": "identification number change (an operator changes the furnisher's number)",
}

FILE_RULES = frozenset({"M2-S01", "M2-S07", "M2-S08", "M2-T01"})
Progress = Callable[[int, int], None]  # (records read, bytes read)


class IngestContended(Conflict):
    """PostgreSQL stopped this ingest to end a deadlock (or a serialization failure) with
    another transaction; the whole ingest rolled back, so sending it again is safe."""

    type = "ingest-contended"
    title = "Another transaction needed what this ingest was writing"


@dataclass(frozen=True, slots=True)
class _Repeats:
    """Records recognised as unchanged (unchanged.py), as the writer stages them: subject,
    tradeline, period, digest."""

    rows: list[tuple[UUID, UUID, date, bytes]]


@contextmanager
def _refused_when_contended() -> Iterator[None]:
    """A deadlock or serialization failure anywhere in an ingest (the background writer's
    failures are raised in the caller too) becomes a 409 naming the records, instead of a raw
    database error. Nothing of the ingest is kept: the error aborted its transaction, which
    the caller rolls back. The one cause known to remain is another transaction (not an
    ingest) holding an identity fact this ingest adds while waiting for a lock it holds."""
    try:
        yield
    except (errors.DeadlockDetected, errors.SerializationFailure) as exc:
        raise IngestContended(
            "another transaction was writing some of the same data and PostgreSQL stopped "
            "this ingest to let it finish; nothing from this request was stored: send it again",
            field="records",
        ) from exc


def admitted_categories() -> frozenset[str]:
    """The data categories the live regime admits (read from the regime file)."""
    return live_regime().admissible


def not_stored() -> dict[str, str]:
    """Appended segments a file may carry whose data is not stored, each with the reason."""
    admitted = live_rules().furnishing.admissible_segments
    refused = {
        kind: f"{admissibility.SEGMENT_CATEGORY[kind]}: not an admissible data category"
        for kind in sorted(admissibility.SEGMENT_CATEGORY)
        if kind not in admitted
    }
    return refused | {k: v for k, v in NOT_IMPLEMENTED.items() if k not in refused}


def tradeline_id(furnisher_id: UUID, account_ref: bytes, holder: bytes = b"") -> UUID:
    """A new account's id, derived from the furnisher and the account's blind index, so the
    same data furnished into a bureau with the same keys gets the same ids. An associated
    consumer's row of the account also names its holder (a blind index of theirs)."""
    name = f"fairfile-tradeline:{furnisher_id}:{account_ref.hex()}"
    return uuid5(NAMESPACE_URL, f"{name}:{holder.hex()}" if holder else name)


def file_digest(stream: BinaryIO) -> bytes:
    """SHA-256 of a seekable stream's bytes; the stream is rewound afterwards."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.digest()


class _Ingest:
    """One ingest run: batches accounts through matching and staging, then merges."""

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        vault: Vault,
        furnisher_id: UUID,
        source: str,
        digest: bytes,
    ) -> None:
        org = repo.furnisher(conn, furnisher_id)
        if org is None:
            raise NotFound(f"no furnisher with id {furnisher_id}", field="furnisher")
        self.conn = conn
        self.vault = vault
        self.code: str | None = org.furnisher_code
        self.source = source
        self.report = IngestReport(uuid4(), furnisher_id, source, digest.hex())
        self.not_stored = not_stored()
        self.digest = digest
        self.matcher = Matcher(conn, vault, furnisher_id)
        self.pending: list[Record] = []  # base records read, not yet keyed (keying.py)
        self.keying: KeyingPipeline | None = None  # worker processes keying them, if any
        # the base records queued, by record number, until their batch is applied: the
        # cycle-to-cycle rules read them (added here, taken out by the writer thread)
        self.queued_records: dict[int, Record] = {}
        self.writer: BackgroundWriter[list[Keyed] | _Repeats] | None = None
        # the digest of each base record queued for the full path, by record number, for its
        # tradeline (unchanged.py); records are recognised as unchanged until one renumbers
        self.digests: dict[int, bytes] = {}
        self.recognising = True
        self.looked_up: set[int] = set()  # records a block looked up, not recognised
        self.unheld: set[int] = set()  # of those, the ones whose account is not held at all
        self.code_bytes = _field_bytes(self.code, _ID_FIELD) if self.code is not None else None
        self.seq = 0
        self.staged_identities = False  # facts for identities.merge_staged, at the end
        self.started = datetime.now(UTC)  # the transaction's time, once it is known
        # records refused in the writer thread (closed files), reported by finish() in the
        # caller's thread: the report's counters are never written from two threads at once
        self.refused: list[Rejection] = []
        self.flagged_across: list[Rejection] = []  # cycle-to-cycle findings, same reason

    def already_applied(self) -> bool:
        repo.lock_furnisher(self.conn, self.report.furnisher_id)
        previous = repo.batch_with_digest(self.conn, self.report.furnisher_id, self.digest)
        if previous is None:
            repo.create_stage(self.conn)
            identities.create_staging(self.conn)
            self.started = subjects_repo.transaction_time(self.conn)
            return False
        summary = previous.summary
        report = self.report
        report.batch_id, report.duplicate = previous.batch_id, True
        report.records, report.accepted = summary["records"], summary["accepted"]
        report.rejected = summary["rejected"]
        report.control, report.unreadable = summary.get("control", 0), summary.get("unreadable", 0)
        # the rejections as stored (where and which rule: the summary keeps no values), so a
        # resent rejected batch still tells the furnisher what to fix
        for rejection in summary.get("rejections", []):
            problems = [_stored_problem(p) for p in rejection["problems"]]
            report.rejections.append(Rejection(rejection["record"], "", problems))
        report.file_problems = [_stored_problem(p) for p in summary.get("file_problems", [])]
        return True

    def check_owner(self, record: Record) -> list[Problem]:
        f = BASE["identification_number"]
        found = record.main.raw("identification_number").strip()
        if self.code is None or found == self.code:
            return []
        return [
            Problem(record.number, "base", f.name, f.start, f.end,
                    record.file_offset(record.prefix_length + f.start - 1),
                    record.main.raw(f.name), "M2-I01",
                    f"identification number {found!r} is not this furnisher's ({self.code})")
        ]  # fmt: skip

    def take(self, record: Record, problems: list[Problem]) -> None:
        """A base record: rejected with its problems, or queued for matching."""
        self.report.records += 1
        problems = problems + self.check_owner(record)
        number = record.main.raw("consumer_account_number").strip()
        if any(p.rejects for p in problems):
            self.report.reject(Rejection(record.number, number, problems))
            return
        if problems:  # findings for review only: the record lands, the furnisher is told
            self.report.flag(Rejection(record.number, number, problems))
        for segment in record.appended:
            if segment.kind in self.not_stored and not _applied(segment):
                self.report.not_stored[segment.kind] = (
                    self.report.not_stored.get(segment.kind, 0) + 1
                )
        if self.recognising and any(s.kind == "L1" for s in record.appended):
            # it renumbers a tradeline when its batch is applied, later than the next block's
            # rows would be looked up: nothing more is recognised early (unchanged.py)
            self.recognising = False
        # its account, and a joint account's as each associated consumer (J1, J2) holds it,
        # are keyed with the batch (flush)
        self.pending.append(record)
        if record.number in self.unheld:
            self.unheld.discard(record.number)  # a new account: no cycle to compare with
        else:
            self.queued_records[record.number] = record
        if len(self.pending) >= BATCH_SIZE:
            self.flush()

    @contextmanager
    def applying(self, workers: int = 0) -> Iterator[None]:
        """Batches queued by `take` are keyed (by `workers` processes, or here) and
        applied in a background thread, in order, until the block ends; on a failure the
        thread is stopped before it propagates."""
        with BackgroundWriter(self._apply_any) as writer:
            self.writer = writer
            if workers:
                self.keying = KeyingPipeline(pool(workers), self.matcher.indexer,
                                             self.report.furnisher_id, writer.submit,
                                             depth=workers + 1)  # fmt: skip
            try:
                yield
                self.flush()
                if self.keying is not None:
                    self.keying.drain()
            finally:
                if self.keying is not None:
                    self.keying.cancel()
                self.keying = None
        self.writer = None

    def flush(self) -> None:
        if not self.pending:
            return
        assert self.writer is not None, "take() is used inside applying()"
        rest = self._recognise(self.pending)
        self.pending = []
        if not rest:
            return
        if self.keying is not None:
            self.keying.submit([pack(record) for record in rest])
        else:
            accounts = [a for record in rest for a in accounts_of(record)]
            self.writer.submit(keyed_accounts(self.matcher.indexer, self.report.furnisher_id,
                                              accounts))  # fmt: skip

    def _held(
        self, numbers: Sequence[str]
    ) -> tuple[list[bytes], dict[bytes, unchanged.Held], set[bytes]]:
        """The account references of these account numbers, the stored state of those whose
        last report's digest still vouches for them (repo.digests_held), and the references
        the furnisher has an account under at all.

        Read here, in the reading thread, on the ingest's connection (psycopg runs one
        statement at a time on it): the writer changes no tradeline before the merge, except
        to renumber one, and the first record that renumbers ends this for the rest of the
        file (`recognising`)."""
        assert self.writer is not None
        furnisher = self.report.furnisher_id
        refs = self.matcher.indexer.indexes("account", [f"{furnisher}:{n}" for n in numbers])
        try:
            rows = repo.digests_held(self.conn, furnisher, refs)
            existing = {bytes(row["account_ref"]) for row in rows}
            held = unchanged.held_by_ref(rows)
            # a closed file takes no data: its records go the full path, which refuses them
            closed = subjects_repo.not_active_among(
                self.conn, list({state.subject_id for state in held.values()}))  # fmt: skip
        except psycopg.Error:
            self.writer.close()  # the writer's failure, if it is what ended the transaction
            raise
        if closed:
            held = {ref: state for ref, state in held.items() if state.subject_id not in closed}
        return refs, held, existing

    def recognise_block(self, block: Plain, flagged: Container[int]) -> set[int]:
        """The rows of a plain block recognised as unchanged (unchanged.py), handled here from
        the block's bytes without a record made for them, so the caller skips them: counted,
        checked by the cycle-to-cycle rules and handed to the writer as narrow rows. Only rows
        that passed every check and carry no appended segment are looked at."""
        if "L1" in block.appended:
            self.recognising = False
        if not self.recognising:
            return set()
        ids = block.rows[:, _ID_FIELD]
        owned = (ids == self.code_bytes).all(axis=1) if self.code_bytes is not None else None
        candidates = [i for i in range(len(block)) if i not in flagged
                      and i not in block.segments and (owned is None or owned[i])]  # fmt: skip
        if not candidates:
            return set()
        rows = block.rows[candidates]
        refs, held, existing = self._held(unchanged.row_account_numbers(rows))
        numbers = block.numbers.tolist()
        # accounts the furnisher never reported: no previous cycle to compare with, so their
        # records need not wait whole for the cycle-to-cycle rules (take)
        self.unheld.update(numbers[candidates[j]] for j, ref in enumerate(refs)
                           if ref not in existing)  # fmt: skip
        known = [j for j, ref in enumerate(refs) if ref in held]
        # looked up now, so not again if they reach the full path (_recognise)
        self.looked_up.update(numbers[candidates[j]] for j, ref in enumerate(refs)
                              if ref not in held)  # fmt: skip
        if not known:
            return set()
        ours = rows[known]
        digests = unchanged.row_digests(self.matcher.indexer, ours)
        dates = unchanged.row_texts(ours[:, _DATE_FIELD])
        histories = unchanged.row_texts(ours[:, _HISTORY_FIELD])
        found: list[tuple[int, unchanged.Held, date, bytes]] = []
        for j, digest, day, history in zip(known, digests, dates, histories, strict=True):
            state = held[refs[j]]
            period = unchanged.repeated_period(digest, day.decode("latin-1"),
                                               history.decode("latin-1"), state)  # fmt: skip
            if period is None:
                self.looked_up.add(numbers[candidates[j]])
            else:
                found.append((candidates[j], state, period, digest))
        if not found:
            return set()
        at = [i for i, _, _, _ in found]
        now = block.rows[at]
        previous = unchanged.previous_rows(now, [state for _, state, _, _ in found])
        hit = cycle_hits(Pairing(Batch(Segments(BASE, now), {}, no_activity(len(at))),
                                 Batch(Segments(BASE, previous), {}, no_activity(len(at))),
                                 np.ones(len(at), dtype=bool)))  # fmt: skip
        for k in np.flatnonzero(hit).tolist():
            i, state, period, digest = found[k]
            record = block.record(i)
            earlier = unchanged.previous_record(Repeat(record, state, period, digest))
            self._flag_across(record, check_cycle(record, earlier, None, None))
        self.report.records += len(found)
        assert self.writer is not None
        self.writer.submit(_Repeats([(state.subject_id, state.tradeline_id, period, digest)
                                     for _, state, period, digest in found]))  # fmt: skip
        return set(at)

    def _recognise(self, records: list[Record]) -> list[Record]:
        """Hand the batch's unchanged records (unchanged.py) to the writer as narrow rows;
        return the others, for the full path, their digests kept for their tradelines. The
        records a block already looked up (recognise_block) are not looked up again."""
        assert self.writer is not None
        digests = unchanged.report_digests(self.matcher.indexer, records)
        if self.recognising and any(s.kind == "L1" for r in records for s in r.appended):
            self.recognising = False
        looked_up = self.looked_up
        open_to = [r for r in records if self.recognising and unchanged.eligible(r)
                   and r.number not in looked_up]  # fmt: skip
        for record in records:
            looked_up.discard(record.number)
        by_number: dict[int, bytes] = {}
        held: dict[bytes, unchanged.Held] = {}
        if open_to:
            refs, held, _ = self._held([str(r.main.get("consumer_account_number") or "")
                                        for r in open_to])  # fmt: skip
            by_number = dict(zip((r.number for r in open_to), refs, strict=True))
        repeats: list[Repeat] = []
        rest: list[Record] = []
        for record, digest in zip(records, digests, strict=True):
            ref = by_number.get(record.number)
            repeat = unchanged.recognise(record, digest, held.get(ref)) if ref else None
            if repeat is None:
                self.digests[record.number] = digest
                rest.append(record)
            else:
                self.queued_records.pop(record.number, None)
                repeats.append(repeat)
        if repeats:
            found = cycle_problems([r.record for r in repeats],
                                   [unchanged.previous_record(r) for r in repeats])  # fmt: skip
            for repeat, problems in zip(repeats, found, strict=True):
                self._flag_across(repeat.record, problems)
            self.writer.submit(_Repeats([(r.held.subject_id, r.held.tradeline_id, r.period,
                                          r.digest) for r in repeats]))  # fmt: skip
        return rest

    def _flag_across(self, record: Record, problems: list[Problem]) -> None:
        """An unchanged record's cycle-to-cycle findings (for review), as _check_cycles
        lists a changed one's."""
        if problems:
            number = str(record.main.get("consumer_account_number") or "")
            self.flagged_across.append(Rejection(record.number, number, problems))

    def _apply_any(self, batch: list[Keyed] | _Repeats) -> None:
        if isinstance(batch, _Repeats):
            self.apply_repeats(batch.rows)
        else:
            self.apply(batch)

    def apply_repeats(self, rows: list[tuple[UUID, UUID, date, bytes]]) -> None:
        """Stage unchanged records, one narrow row each (subject, tradeline, period,
        digest), merged in finish; their cycle-to-cycle rules ran where they were found."""
        repo.copy_repeats(self.conn, rows)
        matched = self.report.matched
        matched["account"] = matched.get("account", 0) + len(rows)
        self.report.accepted += len(rows)

    def apply(self, batch: list[Keyed]) -> None:
        """Match a batch, create its new subjects, encrypt, and COPY it into staging."""
        records = {
            k.account.number: record for k in batch if k.account.role == "base"
            and (record := self.queued_records.pop(k.account.number, None)) is not None
        }  # fmt: skip
        digests = {
            k.account.number: digest for k in batch if k.account.role == "base"
            and (digest := self.digests.pop(k.account.number, None)) is not None
        }  # fmt: skip
        refused_before = len(self.refused)
        matches = self._open_files_only(self.matcher.resolve(batch))
        self._check_cycles(matches, records)
        known_facts = [(m.subject_id, kind, m.keys[kind]) for m in matches if m.rule != "new"
                       for kind, _ in m.account.identity.facts()]  # fmt: skip
        held = identities.held(self.conn, known_facts)
        furnisher_id = self.report.furnisher_id
        seen: set[tuple[UUID, str, bytes]] = set()
        # what the batch encrypts, gathered and encrypted at once (vault/bulk_encrypt.py): each
        # new fact (its plaintext's place, match, kind, key version) and new account number
        plain: list[tuple[SubjectCipher, str, str]] = []
        new_facts: list[tuple[int, Match, str, int]] = []
        numbered: list[tuple[int, Match, int]] = []  # (place or -1, match, key version)
        primary: UUID | None = None  # the subject of the base segment being applied
        for m in matches:
            if m.account.role == "base":
                primary = m.subject_id
                counts = self.report.matched
            elif m.subject_id == primary:
                continue  # the base segment's consumer named again as associated: one row
            else:
                counts = self.report.associated
            counts[m.rule] = counts.get(m.rule, 0) + 1
            # the subject's key is fetched only when something must be encrypted: a known
            # account of a known consumer (the monthly case) needs no key at all
            cipher: SubjectCipher | None = None
            for kind, value in m.account.identity.facts():
                key = (m.subject_id, kind, m.keys[kind])
                if key in held or key in seen:
                    continue
                seen.add(key)
                cipher = cipher or self.matcher.cipher(m.subject_id)
                new_facts.append((len(plain), m, kind, cipher.key_version))
                plain.append((cipher, kind, stored_value(kind, value)))
            if m.tradeline_id is None or m.renumbered:
                cipher = cipher or self.matcher.cipher(m.subject_id)
                numbered.append((len(plain), m, cipher.key_version))
                plain.append((cipher, "account", m.account.current_number))
            else:  # an existing account keeps its stored number
                numbered.append((-1, m, 0))
        sealed = encrypt_many(plain)
        # documents of subjects created in this batch: subject -> (key version, facts)
        fresh: dict[UUID, tuple[int, list[identities.Fact]]] = {}
        staged: list[tuple[Any, ...]] = []  # facts new to files that already existed
        for at, m, kind, key_version in new_facts:
            if m.rule == "new":
                document = fresh.setdefault(m.subject_id, (key_version, []))[1]
                document.append(identities.new_fact(kind, sealed[at], m.keys[kind],
                                                    furnisher_id, self.started))  # fmt: skip
            else:
                staged.append((m.subject_id, kind, sealed[at], key_version, m.keys[kind],
                               furnisher_id))  # fmt: skip
        stage: list[tuple[Any, ...]] = []
        renumbered: list[tuple[Any, ...]] = []  # (new ref, number, key version, subject, id)
        for at, m, key_version in numbered:
            number_ct = sealed[at] if at >= 0 else b""
            if at >= 0 and m.tradeline_id is not None:
                renumbered.append((m.account_ref, number_ct, key_version, m.subject_id,
                                   m.tradeline_id))  # fmt: skip
            self.seq += 1
            values = m.account.values
            holder = b"" if m.account.role == "base" else m.keys.get("national_id", m.keys["name"])
            stage.append((
                self.seq, m.subject_id,
                m.tradeline_id or tradeline_id(furnisher_id, m.account_ref, holder),
                furnisher_id, m.account_ref, number_ct, key_version,
                *(values[c] for c in repo.FURNISHED_COLUMNS),
                m.account.reported(), m.account.delete_reason,
                digests.get(m.account.number) if m.account.role == "base" else None,
            ))  # fmt: skip
        identities.copy_new_documents(self.conn, [(s, v, f) for s, (v, f) in fresh.items()])
        if staged:  # merged once, in finish(): see there
            identities.stage_facts(self.conn, staged)
            self.staged_identities = True
        if renumbered:
            self.report.renumbered += repo.renumber_accounts(self.conn, renumbered)
        repo.copy_stage(self.conn, stage)
        bases = sum(1 for k in batch if k.account.role == "base")
        self.report.accepted += bases - (len(self.refused) - refused_before)
        # what the batch's buffers left free goes back to the system, so the resident size
        # stays that of one batch however long the file (allocator.py)
        allocator.give_back()

    def _check_cycles(self, matches: list[Match], records: dict[int, Record]) -> None:
        """The cycle-to-cycle rules, each account against its stored state (the last cycle
        this furnisher reported), fetched for the whole batch in one query. Findings are for
        review: they are listed per record, nothing is refused. Only what the tradeline stores
        is compared (its latest report's L1 included): names and the previous J1/J2 segments
        are not kept, so PROG-ECOA-1 compares names between files only (--previous; its CFPB
        hits carry ECOA codes our format rules refuse at ingest, docs/metro2.md)."""
        known = {m.account_ref: m for m in matches if m.account.role == "base"
                 and m.tradeline_id is not None}  # fmt: skip
        if not known:
            return
        stored = self.matcher.stored  # read with the batch's matching (one query for both)
        # pairs with an earlier stored cycle (not the same cycle sent again, nor an older one)
        pairs = [
            (known[ref], record, record_from_stored(row))
            for ref, row in stored.items()
            if ref in known
            and (record := records.get(known[ref].account.number)) is not None
            and row["date_account_information"] < known[ref].account.as_of
        ]
        found = cycle_problems([p[1] for p in pairs], [p[2] for p in pairs])  # for the batch
        for (m, _, _), problems in zip(pairs, found, strict=True):
            if problems:
                self.flagged_across.append(
                    Rejection(m.account.number, m.account.account_number, problems)
                )

    def _open_files_only(self, matches: list[Match]) -> list[Match]:
        """Drop the accounts of consumers whose file is closed (bureau/subjects/erasure.py).

        A closed file takes no new data, and opening a second file for the same person would
        undo their closure; so the record is rejected, naming the rule, and the furnisher
        learns why. An associated consumer (J1, J2) with a closed file is left off the account
        (counted as `file-closed`); the base consumer's account still lands."""
        known = {m.subject_id for m in matches if m.rule != "new"}
        closed = subjects_repo.not_active_among(self.conn, list(known)) if known else set()
        if not closed:
            return matches
        kept: list[Match] = []
        refused_base = False
        for m in matches:
            if m.account.role == "base":
                refused_base = m.subject_id in closed
                if refused_base:
                    self.refused.append(Rejection(m.account.number, m.account.account_number,
                                                  [_file_closed(m.account.number)]))  # fmt: skip
                    continue
            elif refused_base:
                continue  # the record is rejected whole
            elif m.subject_id in closed:
                self.report.associated[CLOSED] = self.report.associated.get(CLOSED, 0) + 1
                continue
            kept.append(m)
        return kept

    def finish(self) -> IngestReport:
        """Merge the staged accounts (after `applying` ended) and record the batch."""
        report = self.report
        for rejection in self.refused:
            report.reject(rejection)
        # in file order: batches recognised unchanged reach the writer before keyed ones
        for flagged in sorted(self.flagged_across, key=lambda found: found.record):
            report.flag(flagged)
        report.subjects_created = self.matcher.created
        # Facts new to files that already existed are written here, in one sorted statement,
        # not batch by batch: inserting a fact another ingest has just inserted waits for it
        # to commit, so facts written batch by batch and held to the end would let two
        # multi-batch ingests cross (A wrote X and needs Y, B wrote Y and needs X) into a
        # deadlock. So they count for matching from the next ingest on; new files' facts are
        # written as they open (copy_new_documents), so later batches find those.
        if self.staged_identities:
            identities.merge_staged(self.conn)
        report.tradelines = repo.merge_stage(self.conn, report.batch_id, self.source)
        staged, written = repo.merge_repeats(self.conn, report.batch_id, self.source)
        if written < staged:
            raise IngestContended(
                f"{staged - written} account(s) this file repeats unchanged were changed by "
                "another transaction while it was read; nothing from this request was stored: "
                "send it again", field="records")  # fmt: skip
        if written:
            counts = report.tradelines
            counts["reports"] = counts.get("reports", 0) + written
            counts["unchanged"] = counts.get("unchanged", 0) + written
        for rule in MATCH_RULES:
            report.matched.setdefault(rule, 0)
        repo.record_batch(self.conn, report.batch_id, report.furnisher_id, self.source,
                          self.digest, (report.records, report.accepted, report.rejected),
                          report.summary())  # fmt: skip
        return report


CLOSED = "file-closed"
_ID_FIELD = BASE["identification_number"].slice
_DATE_FIELD = BASE["date_account_information"].slice
_HISTORY_FIELD = BASE["payment_history_profile"].slice


def _field_bytes(text: str, where: slice) -> np.ndarray | None:
    """A field's bytes holding `text` left-justified (None when it cannot: then no row has
    them, and the per-record check says why)."""
    width = where.stop - where.start
    data = text.ljust(width).encode("latin-1", "replace")
    return np.frombuffer(data, dtype=np.uint8) if len(data) == width else None


def _stored_problem(located: Mapping[str, Any]) -> Problem:
    """A problem as a batch summary keeps it, its reason told by its rule's description."""
    rule = BY_ID.get(located["rule"])
    reason = rule.description if rule is not None else located["rule"]
    return Problem(located["record"], located["segment"], located["field"], located["start"],
                   located["end"], located["offset"], None, located["rule"], reason)  # fmt: skip


class NoMetro2Records(InvalidInput):
    """The upload holds no header, base record or trailer at all: nothing to ingest."""

    type = "no-metro2-records"
    title = "The upload holds no Metro 2 record"

    def __init__(self, why: str) -> None:
        super().__init__(f"no Metro 2 record found: {why}", field="body")


def no_records_reason(problems: Sequence[Problem]) -> str:
    """Why a body holds no record: its first unreadable stretch, with where it starts."""
    unreadable = [p for p in problems if p.rule == "M2-S01"]
    if not unreadable:
        return "the body holds only blank lines"
    return f"{unreadable[0].reason} (from byte {unreadable[0].offset})"


def _file_closed(record: int) -> Problem:
    """Why a record about a closed file is refused (no value quoted: it names no one)."""
    return Problem(record, "base", None, None, None, None, None, "FF-C01",
                   "the consumer closed their file at this bureau: it takes no new data, and "
                   "no second file is opened for them while it is closed")  # fmt: skip


def _applied(segment: Segment) -> bool:
    """Whether a segment of a kind not stored is applied after all: an L1 that changes
    only the account number is (an identification-number change is not)."""
    return segment.kind == "L1" and segment.raw("change_indicator") == "1"


@_refused_when_contended()
def ingest_metro2(
    conn: psycopg.Connection[Any],
    vault: Vault,
    furnisher_id: UUID,
    stream: BinaryIO,
    *,
    progress: Progress | None = None,
    sink: Callable[[Rejection | Problem], None] | None = None,
    workers: int | None = None,
) -> IngestReport:
    """Apply a Metro 2 file (a seekable binary stream) from one furnisher. `sink`, if given,
    receives every rejection and file problem as found (the report keeps the first ones).
    `workers`: processes keying accounts (keying_pool.py); by default FAIRFILE_INGEST_WORKERS
    for a file of POOL_FROM_BYTES or more, none for a smaller one."""
    allocator.bound_heap()  # its memory stays that of its batches in flight (allocator.py)
    run = _Ingest(conn, vault, furnisher_id, "metro2", file_digest(stream))
    run.report.sink = sink
    if run.already_applied():
        return run.report
    # one framing pass first, so that an account reported twice refuses both records rather
    # than letting the last one win (framing alone is a tenth of validating)
    duplicates = columnar_duplicates(stream)
    stream.seek(0)
    columnar = ColumnarValidator(duplicates)  # validate.FileValidator's problems, by blocks
    validator = columnar.file
    if workers is None:
        size = stream.seek(0, 2)
        stream.seek(0)
        workers = configured_workers() if size >= POOL_FROM_BYTES else 0
    told = 0  # records when progress was last told (every 1,000)

    def tell() -> None:
        nonlocal told
        if progress is not None and run.report.records // 1000 > told // 1000:
            told = run.report.records
            progress(told, columnar.bytes_read)

    with run.applying(workers):
        for block, flagged in columnar.blocks(stream):
            # a monthly cycle's unchanged records, handled from the block's rows (unchanged.py)
            skip = run.recognise_block(block, flagged) if isinstance(block, Plain) else set()
            tell()
            for item, problems in columnar.block_items(block, flagged, skip):
                if isinstance(item, Gap) or item.kind != "base":
                    run.report.count_other(item)
                    for problem in problems:
                        run.report.file_problem(problem)
                    continue
                # where the record sits in the file (no header before it, ...) is the file's
                # problem, not the account's: it does not reject the record
                for problem in problems:
                    if problem.rule in FILE_RULES:
                        run.report.file_problem(problem)
                run.take(item, [p for p in problems if p.rule not in FILE_RULES])
                tell()
    if not run.report.records and not run.report.control:
        raise NoMetro2Records(no_records_reason(run.report.file_problems))
    for problem in validator.finish():
        run.report.file_problem(problem)
    report = run.finish()
    if progress is not None:
        progress(report.records, columnar.bytes_read)
    return report


def _json_digest(records: Iterable[Mapping[str, Any]]) -> bytes:
    text = json.dumps(list(records), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).digest()


@_refused_when_contended()
def ingest_json(
    conn: psycopg.Connection[Any],
    vault: Vault,
    furnisher_id: UUID,
    records: Sequence[Mapping[str, Any]],
) -> IngestReport:
    """Apply JSON records (the fields of a Metro 2 base segment, by name). Any field outside
    the admitted data categories refuses the whole request before anything is written."""
    if not records:
        raise InvalidInput("send at least one record", field="records")
    admissibility.check_records(records, admitted_categories())
    run = _Ingest(conn, vault, furnisher_id, "json", _json_digest(records))
    if run.already_applied():
        return run.report
    stamp = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with run.applying():
        for index, item in enumerate(records):
            _take_json(run, index, item, stamp)
    return run.finish()


def _take_json(run: _Ingest, index: int, item: Mapping[str, Any], stamp: datetime) -> None:
    """One JSON record: rejected if it cannot be expressed in Metro 2, else checked and taken.
    Its record number is its index in `records`, the index every JSON path names it by
    (`records[3].ssn` is record 3), in rejections, findings and refusals alike."""
    try:
        record = record_from_json(
            item, number=index, identification_number=run.code or "", as_of_stamp=stamp
        )
    except ComposeErrors as failed:
        problems = []
        for exc in failed.errors:
            layout = LAYOUTS.get(exc.kind)
            f = layout.by_name.get(exc.field) if layout is not None else None
            problems.append(Problem(index, exc.kind, exc.field, f.start if f else None,
                                    f.end if f else None, None, repr(item.get(exc.field)),
                                    "M2-F01", exc.reason))  # fmt: skip
        run.report.records += 1
        account = str(item.get("consumer_account_number", ""))
        run.report.reject(Rejection(index, account, problems))
        return
    # positions refer to the Metro 2 record the JSON stands for; no file offsets apply
    run.take(record, [replace(p, offset=None) for p in check_record(record)])
