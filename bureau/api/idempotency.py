"""`Idempotency-Key` (IETF httpapi draft) on every POST that creates something: a retry of the
same request within the window gets the first response back, and nothing is done twice.

How, in the request's own transaction: this middleware reads the body (bounded by the edge's
body limit), fingerprints the request and puts a `Claim` in a context variable. When the route
opens its transaction (`bureau.api.deps.request_transaction`, or `async_transaction` for report
pulls), it takes the claim's connection instead of a fresh one: there the (credential, key)
advisory lock is taken and a live record looked for (on the event loop in the same round trip
as the caller's authentication, which is answered first). Found with the same
fingerprint, the stored response is replayed (`Idempotent-Replayed: true`) and the
transaction rolled back: no second inquiry, no second use of a grant, no access-log entry.
Found with another fingerprint: 422 `idempotency-key-reused`. Not found: the route runs in the
claim's transaction (no savepoint: any error answer rolls all of it back), and a 2xx response
is stored in that same transaction before it commits, so the work and its stored answer are
kept or lost together, and a second request with the key, waiting on the lock meanwhile, finds
the answer. A pull's record is written by the release's own statement (`report_answer`): it
names the report, so nothing is parsed out of the answer and no statement is added. An error
answer is not stored (nothing was done; the retry runs).

A stored response is encrypted: under the subject's data key when it carries a subject's data
(so it dies with the file's keys), else under a key derived from the key file. It is not
replayed once the subject's file is closed (403 `file-closed`) or erased (410
`file-shredded`). Keys are per credential: another client's key of the same name is another
record. The key is a Structured Field string (`"abc"`) or, as many clients send it, bare.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import anyio
import orjson
import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bureau.api import idempotency_store as store
from bureau.api import problems
from bureau.api.claims import CLAIM, ReportAnswer
from bureau.db.batch import Batch, run, run_async
from bureau.db.write import Write, execute, execute_async
from bureau.errors import DomainError
from bureau.reports import copies
from bureau.reports.release import Released
from bureau.signing import b64url_decode
from bureau.vault import SubjectCipher, Vault

T = TypeVar("T")
U = TypeVar("U")

HEADER = b"idempotency-key"
_KEY = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,255}")
"""Printable ASCII without quotes or backslashes, 1 to 255 characters."""
_ROUTES = [
    (template, re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"))
    for template in sorted(store.IDEMPOTENT_ROUTES)
]


class IdempotencyKeyReused(DomainError):
    status = 422
    type = "idempotency-key-reused"
    title = "Idempotency-Key already used for another request"


class ReplayFileClosed(DomainError):
    """The same problem a pull of a closed file gets (consent's `file-closed`), kept here so
    the API's dependencies import no domain."""

    status = 403
    type = "file-closed"
    title = "The subject's file is closed"


class ReplayFileShredded(DomainError):
    status = 410
    type = "file-shredded"
    title = "The subject's file was erased"


class AnswerGone(DomainError):
    status = 409
    type = "idempotent-answer-gone"
    title = "The answer to this Idempotency-Key is no longer kept"


class _Replay(Exception):
    """Raised where the route would have begun its work: the stored answer is sent instead."""

    def __init__(self, status: int, media_type: str, body: bytes) -> None:
        super().__init__(status)
        self.status, self.media_type, self.body = status, media_type, body


def parse_key(raw: str) -> str | None:
    """The key from its header: an sf-string (`"k"`) or a bare token; None if malformed."""
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    return text if _KEY.fullmatch(text) else None


def route_of(path: str) -> str | None:
    for template, pattern in _ROUTES:
        if pattern.match(path):
            return template
    return None


@dataclass
class Claim:
    """One request's hold on its key: the connection its transaction runs on, once opened."""

    owner: bytes
    key: str
    route: str
    fingerprint: bytes
    vault: Vault
    window_hours: int
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    sync_conn: psycopg.Connection[Any] | None = None
    async_conn: psycopg.AsyncConnection[Any] | None = None
    recorded: tuple[int, str] | None = None
    """The (status, media type) the route's own statement stored its answer under, if it did."""

    def _check(self, found: store.Stored | None) -> None:
        if found is None:
            return
        if found.fingerprint != self.fingerprint:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was sent with another request (method, path or body) "
                "in the last window; use a new key for a new request",
                field="idempotency-key",
            )
        if found.file_status == "shredded":
            raise ReplayFileShredded("the file this response concerned was erased",
                                     reason="file-shredded")  # fmt: skip
        if found.file_status not in (None, "active"):
            raise ReplayFileClosed("the file this response concerned is closed; it is not "
                                   "sent again", reason="file-closed")  # fmt: skip
        raise _Replay(found.status, found.media_type, self._open(found))

    def _open(self, found: store.Stored) -> bytes:
        if found.body_ct is None:  # a pull: its answer is the report's kept copy
            return self._open_copy(found)
        if found.subject_id is None:
            nonce, sealed = found.body_ct[:12], found.body_ct[12:]
            return self._aead().decrypt(nonce, sealed, self._aad())
        cipher = self.vault.cipher_from(found.subject_id, found.data_keys)
        return cipher.decrypt("idempotent-response", found.body_ct).encode()

    def _open_copy(self, found: store.Stored) -> bytes:
        if found.jws_ct is None or found.log_entry is None or found.subject_id is None:
            raise AnswerGone(
                "the report this key was answered with is no longer kept; nothing was done "
                "again. Use a new key to pull again", field="idempotency-key",
            )  # fmt: skip
        cipher = self.vault.cipher_from(found.subject_id, found.data_keys)
        jws = cipher.decrypt(copies.KIND, found.jws_ct)
        payload = b64url_decode(jws.split(".")[1])
        assert found.report_id is not None
        return Released(found.report_id, found.log_entry, {}, payload, jws).response_json()

    def _aead(self) -> AESGCM:
        return AESGCM(self.vault.derived_key("idempotent-responses"))

    def _aad(self) -> bytes:
        return b"fairfile/idempotency|" + self.owner + b"|" + self.key.encode()

    def connection(self, pool: Any) -> psycopg.Connection[Any]:
        """The claim's sync connection, locked and checked on first use (may raise _Replay)."""
        if self.sync_conn is None:
            self.sync_conn = pool.getconn()
            self._check(run(self.sync_conn, store.lock_and_find(self.owner, self.key, self.now)))
        return self.sync_conn

    async def async_connection(
        self, pool: Any, first: Batch[T]
    ) -> tuple[psycopg.AsyncConnection[Any], T]:
        """`connection` for report pulls, on the event loop, with `first` (the route's
        authentication) in the same round trip as the key's lock and lookup: a pull with a key
        waits for the database no more often than one without. `first` is answered before the
        lookup, so a caller it refuses (a revoked key) is refused, not replayed to."""
        if self.async_conn is not None:
            return self.async_conn, await run_async(self.async_conn, first)
        self.async_conn = await pool.getconn()
        lookup = store.lock_and_find(self.owner, self.key, self.now)
        answer, found = await run_async(self.async_conn, _together(first, lookup))
        self._check(found)
        return self.async_conn, answer

    def report_answer(self) -> ReportAnswer | None:
        """On a pull, the writes that store its answer as the report released; else None."""
        return self._report_writes if self.route == store.REPORT_ROUTE else None

    def _report_writes(self, report_id: UUID, cipher: SubjectCipher) -> list[Write]:
        """The record naming the report, whose kept copy (sealed with `cipher`) is the answer;
        for the release's own statement, so it commits with the work and adds no statement."""
        self.recorded = PULL_ANSWER
        status, media_type = PULL_ANSWER
        return store.record(self._about(status, media_type) | {
            "sealed_for": cipher.subject_id, "key_version": cipher.key_version,
            "body_ct": None, "report_id": report_id,
        })  # fmt: skip

    def _about(self, status: int, media_type: str) -> dict[str, Any]:
        """What every record says (whose key, which request, what status, until when), all
        but where its answer is kept."""
        return {
            "owner": self.owner, "idem_key": self.key, "route": self.route,
            "fingerprint": self.fingerprint, "status": status, "media_type": media_type,
            "created_at": self.now, "expires_at": self.now + timedelta(hours=self.window_hours),
        }  # fmt: skip

    def _values(self, status: int, media_type: str, body: bytes, subject: Any) -> dict[str, Any]:
        values = self._about(status, media_type) | {"report_id": None}
        if subject is None:
            nonce = os.urandom(12)
            values |= {"sealed_for": None, "key_version": None,
                       "body_ct": nonce + self._aead().encrypt(nonce, body, self._aad())}  # fmt: skip
        else:
            cipher = self.vault.cipher_from(*subject)
            values |= {"sealed_for": subject[0], "key_version": cipher.key_version,
                       "body_ct": cipher.encrypt("idempotent-response", body.decode())}  # fmt: skip
        return values

    def store_sync(self, status: int, media_type: str, body: bytes) -> None:
        conn = self.sync_conn
        assert conn is not None
        subject = run(conn, store.subject_keys_of(self.route, _json(body)))
        execute(conn, store.record(self._values(status, media_type, body, subject)))

    async def store_async(self, status: int, media_type: str, body: bytes) -> None:
        conn = self.async_conn
        assert conn is not None
        subject = await run_async(conn, store.subject_keys_of(self.route, _json(body)))
        await execute_async(conn, store.record(self._values(status, media_type, body, subject)))


class Idempotency:
    """The app's middleware (inside the error handler, outside the exception handlers)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = _header(scope, HEADER) if scope["type"] == "http" else None
        route = route_of(scope["path"]) if raw is not None and scope["method"] == "POST" else None
        if raw is None or route is None:
            await self.app(scope, receive, send)
            return
        key = parse_key(raw.decode("latin-1"))
        if key is None:
            await problems.problem(
                422, "invalid-input", "Invalid input",
                "idempotency-key: 1 to 255 printable characters, as a string (\"...\")",
                "idempotency-key",
            )(scope, receive, send)  # fmt: skip
            return
        body, disconnected = await _whole_body(receive)
        if disconnected:  # the client left mid-body: nobody to answer, nothing to do
            return
        state = scope["app"].state
        claim = Claim(
            owner=hashlib.sha256(_header(scope, b"authorization") or b"").digest(),
            key=key, route=route, vault=state.vault,
            fingerprint=store.fingerprint("POST", scope["path"], scope["query_string"], body),
            window_hours=state.settings.edge.idempotency_hours,
        )  # fmt: skip
        messages: list[Message] = []

        async def capture(message: Message) -> None:
            messages.append(message)

        token = CLAIM.set(claim)
        try:
            await self.app(scope, _replayed(body, receive), capture)
        except _Replay as replay:
            await _finish(claim, state, commit=False)
            await _send(send, replay.status, replay.media_type, replay.body)
            return
        except BaseException:
            await _finish(claim, state, commit=False)
            raise
        finally:
            CLAIM.reset(token)
        status, media_type, answer = _response(messages)
        stored = 200 <= status < 300 and (claim.sync_conn or claim.async_conn) is not None
        try:
            if stored and claim.recorded == (status, media_type):
                pass  # the route's own statement stored it (a pull: `report_answer`)
            elif stored and claim.sync_conn is not None:
                await anyio.to_thread.run_sync(claim.store_sync, status, media_type, answer)
            elif stored:
                await claim.store_async(status, media_type, answer)
        except BaseException:
            await _finish(claim, state, commit=False)
            raise
        await _finish(claim, state, commit=stored)
        for message in messages:  # committed first: the client never holds uncommitted work
            await send(message)


async def _finish(claim: Claim, state: Any, *, commit: bool) -> None:
    """Commit (or roll back) the claim's transaction and give its connection back."""
    if claim.sync_conn is not None:
        conn = claim.sync_conn
        claim.sync_conn = None

        def close() -> None:
            try:
                conn.commit() if commit else conn.rollback()
            finally:
                state.pool.putconn(conn)

        await anyio.to_thread.run_sync(close)
    if claim.async_conn is not None:
        aconn = claim.async_conn
        claim.async_conn = None
        pool = state.async_pools[asyncio.get_running_loop()]
        try:
            await (aconn.commit() if commit else aconn.rollback())
        finally:
            await pool.putconn(aconn)


PULL_ANSWER = (201, "application/json")
"""What a pull answers (`consent.routes`), so what its record says; another answer (none is
expected) is stored as any other, its body sealed, replacing that record."""


def _together(first: Batch[T], then: Batch[U]) -> Batch[tuple[T, U]]:
    """Two batches as one round trip; `first` answered (and perhaps refusing) before `then`."""
    split = len(first.reads)
    return Batch([*first.reads, *then.reads],
                 lambda rows: (first.answer(rows[:split]), then.answer(rows[split:])))  # fmt: skip


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


async def _whole_body(receive: Receive) -> tuple[bytes, bool]:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(parts), True
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts), False


def _replayed(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


def _response(messages: list[Message]) -> tuple[int, str, bytes]:
    status, media_type, body = 500, "application/json", b""
    for message in messages:
        if message["type"] == "http.response.start":
            status = int(message["status"])
            for name, value in message.get("headers", []):
                if name.lower() == b"content-type":
                    media_type = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            body += message.get("body", b"")
    return status, media_type, body


async def _send(send: Send, status: int, media_type: str, body: bytes) -> None:
    headers = [(b"content-type", media_type.encode("latin-1")),
               (b"content-length", str(len(body)).encode()), (b"idempotent-replayed", b"true")]  # fmt: skip
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = orjson.loads(body)  # a report is ~15 kB: json.loads took 5 times as long
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}
