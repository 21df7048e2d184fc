"""Typed domain events: what happened, raised by the services, consumed inside the transaction.

A service says what happened (`events.publish(conn, GrantRevoked(...))`) instead of writing
the access log and the notices itself. Handlers turn an event into rows in the same
transaction, before commit, so an event and its consequences are kept or rolled back
together:
- the access log (`bureau.audit.trail`, the only writer of `audit_log` for events): one entry
  per `Logged` event, its JSON exactly `event.details()` under `event.name`;
- the notices (`bureau.notices.delivery`, the only writer of `notices`): a row per `NoticeWritten`.

How a handler works: it is a pure function from an event to `Write`s (`bureau.db.write`), so
one handler serves sync services (`publish`), and the async report pull, which folds an
event's writes into its own single statement (`writes`). All writes of one event travel as
one statement.

Adding a handler (the webhook outbox, say) takes its module in `HANDLER_MODULES` and one
decorator per function in it::

    @subscribe(GrantCreated, GrantRevoked)
    def to_outbox(event: GrantCreated | GrantRevoked) -> list[Write]: ...

A handler subscribed to a base class (`Logged`, `Event`) receives every subclass. Handler
modules are imported on first use, so the core imports no domain and every entry point (app,
CLI, tests calling a service) runs the same handlers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

import psycopg

from bureau.db.write import Write, execute, execute_async

HANDLER_MODULES = (
    "bureau.audit.trail",
    "bureau.notices.delivery",
    "bureau.webhooks.handlers",
    "bureau.api.idempotency_store",  # a shredded file's stored responses
    "bureau.reports.copies",  # a shredded file's kept reports
    # what each table's owner forgets of a shredded file (FileKeysShredded)
    "bureau.furnishing.repo",
    "bureau.file.repo",
    "bureau.web.repo",
    "disputes.repo",
)
"""Modules whose import subscribes the bureau's handlers (each with `@subscribe`)."""

E = TypeVar("E", bound="Event")
Handler = Callable[[E], Sequence[Write]]
Published = dict[str, Any]
"""What the event's writes handed back, by write name (the access-log entry's id, ...)."""


@dataclass(frozen=True, kw_only=True)
class Event:
    """Something that happened. `subject_id` is whose file it concerns (None: nobody's)."""

    subject_id: UUID | None


def _key(f: Any) -> str:
    return str(f.metadata.get("key", f.name))


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@dataclass(frozen=True, kw_only=True)
class Logged(Event):
    """An event with an access-log entry: `name` and `details()` are the entry's content.

    The entry is each field but `subject_id` under its name (or `metadata["key"]`: `for` and
    `from` are Python keywords), ids and times as text; a field marked `omit_none` is left
    out when None. Proofs and the subject's access-log wording read these, so they stay put.
    """

    event_name: ClassVar[str]

    @property
    def name(self) -> str:
        return self.event_name

    def details(self) -> dict[str, Any]:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "subject_id" or f.metadata.get("skip"):
                continue
            if value is None and f.metadata.get("omit_none"):
                continue
            if f.metadata.get("merge"):
                out.update(value)
                continue
            out[_key(f)] = _plain(value)
        return out


def _optional() -> Any:
    return field(default=None, metadata={"omit_none": True})


# Consent -----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GrantCreated(Logged):
    event_name = "consent.granted"
    subject_id: UUID
    grant_id: UUID
    to: UUID
    purpose: str
    scope: str
    valid_from: datetime
    expires_at: datetime
    max_uses: int | None


@dataclass(frozen=True, kw_only=True)
class GrantRevoked(Logged):
    event_name = "consent.revoked"
    subject_id: UUID
    grant_id: UUID
    by: str


@dataclass(frozen=True, kw_only=True)
class ConsentAllowed(Logged):
    """The subject allowed a lender's OAuth request: a pending grant, active once its code is
    exchanged (then `GrantCreated` follows)."""

    event_name = "consent.allowed"
    subject_id: UUID
    grant_id: UUID
    to: UUID
    purpose: str
    scope: str
    max_uses: int | None
    expires_at: datetime
    status: str = "pending"


@dataclass(frozen=True, kw_only=True)
class ConsentDeclined(Logged):
    """The subject declined a lender's OAuth request: no grant at all."""

    event_name = "consent.declined"
    subject_id: UUID
    to: UUID
    purpose: str
    scope: str


@dataclass(frozen=True, kw_only=True)
class FreezePlaced(Logged):
    event_name = "freeze.placed"
    subject_id: UUID
    freeze_id: UUID


@dataclass(frozen=True, kw_only=True)
class FreezeLifted(Logged):
    event_name = "freeze.lifted"
    subject_id: UUID
    freeze_id: UUID


@dataclass(frozen=True, kw_only=True)
class FreezeThawed(Logged):
    event_name = "freeze.thawed"
    subject_id: UUID
    thaw_id: UUID
    for_org: UUID | None = field(metadata={"key": "for"})
    starts_at: datetime
    ends_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class ThawCancelled(Logged):
    event_name = "freeze.thaw_cancelled"
    subject_id: UUID
    thaw_id: UUID


@dataclass(frozen=True, kw_only=True)
class FraudAlertPlaced(Logged):
    event_name = "fraud_alert.placed"
    subject_id: UUID
    alert_id: UUID
    kind: str
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class FraudAlertRemoved(Logged):
    event_name = "fraud_alert.removed"
    subject_id: UUID
    alert_id: UUID


# Reports and the subject's own look ---------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReportReleased(Logged):
    """A report left the bureau to a user under a grant."""

    event_name = "report.released"
    subject_id: UUID
    to: UUID | None
    to_name: str | None
    purpose: str
    scope: str
    grant_id: UUID | None
    court_order_ref: str | None
    report_id: UUID
    inquiry_id: UUID
    basis: str


@dataclass(frozen=True, kw_only=True)
class ReportCompelled(ReportReleased):
    """A report released under a court order (FCRA §604(a)(1)); the subject is told."""

    event_name = "report.compelled"


@dataclass(frozen=True, kw_only=True)
class ReportRedelivered(Logged):
    """A released report was sent again to its recipient (`GET /v1/reports/{id}`)."""

    event_name = "report.redelivered"
    subject_id: UUID
    to: UUID
    report_id: UUID


@dataclass(frozen=True, kw_only=True)
class PastReleaseSeeded(Logged):
    """A sandbox persona's history: a release that happened before the sandbox existed."""

    event_name = "report.released"
    subject_id: UUID
    to: UUID
    inquiry_id: UUID
    purpose: str
    sandbox_history: bool
    released_at: datetime


@dataclass(frozen=True, kw_only=True)
class OwnAccess(Logged):
    """The subject looked at their own file, score or a what-if (`what` is the entry's name)."""

    event_name = "file.disclosed"
    subject_id: UUID
    what: str = field(default="file.disclosed", metadata={"skip": True})
    to: str = "subject"
    credential_id: str
    inquiry_id: UUID
    shown: dict[str, Any] = field(default_factory=dict, metadata={"merge": True})
    channel: str | None = _optional()

    @property
    def name(self) -> str:
        return self.what


# Notices -----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class NoticeWritten(Event):
    """A notice to the subject (`recipient_org_id` None) or to an organization."""

    subject_id: UUID
    notice_id: UUID
    kind: str
    body: dict[str, Any]
    recipient_org_id: UUID | None = None
    report_id: UUID | None = None
    dispute_id: UUID | None = None
    due_by: date | None = None
    created_at: datetime | None = None
    """None: the transaction's time (the column's default)."""


@dataclass(frozen=True, kw_only=True)
class NoticeOpened(Logged):
    event_name = "notice.opened"
    subject_id: UUID
    to: str = "subject"
    credential_id: str
    notice_id: UUID
    channel: str | None = _optional()


@dataclass(frozen=True, kw_only=True)
class AdverseActionNoticed(Logged):
    event_name = "notice.adverse-action"
    subject_id: UUID
    from_org: UUID = field(metadata={"key": "from"})
    report_id: UUID
    notice_id: UUID


# Disputes ----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DisputeOpened(Event):
    """A subject disputed an item; its clock started (not logged: the dispute's own history,
    `dispute_events`, records it)."""

    subject_id: UUID
    dispute_id: UUID
    item_kind: str
    item_id: UUID
    received_at: datetime
    due_on: date


@dataclass(frozen=True, kw_only=True)
class DisputeAnswered(Event):
    """The investigator (a furnisher, or the bureau) answered a dispute."""

    subject_id: UUID
    dispute_id: UUID
    code: str
    by: str


@dataclass(frozen=True, kw_only=True)
class ItemCorrected(Event):
    """A dispute changed the file: the item deleted, or fields corrected (`changes`: field ->
    before and after)."""

    subject_id: UUID
    dispute_id: UUID
    item_kind: str
    item_id: UUID
    changes: dict[str, dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class DisputeForwarded(Logged):
    event_name = "dispute.forwarded"
    subject_id: UUID
    dispute_id: UUID
    to: str
    item_kind: str
    item_id: UUID
    direct: bool


@dataclass(frozen=True, kw_only=True)
class DisputeClosed(Logged):
    event_name = "dispute.closed"
    subject_id: UUID
    dispute_id: UUID
    result: str | None
    notice_id: UUID


@dataclass(frozen=True, kw_only=True)
class DisputeReinserted(Logged):
    event_name = "dispute.reinserted"
    subject_id: UUID
    dispute_id: UUID
    by: str
    notice_id: UUID


@dataclass(frozen=True, kw_only=True)
class RecipientNotified(Logged):
    """A past recipient of a corrected item was sent the correction (FCRA §611(d))."""

    event_name = "dispute.recipient_notified"
    subject_id: UUID
    dispute_id: UUID
    to: UUID
    notice_id: UUID
    inquiry_id: UUID
    received_at: datetime


# The file's life ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FileClosed(Logged):
    event_name = "file.closed"
    subject_id: UUID
    by: str
    shred_due_at: str | None
    request_ref: str | None = _optional()


@dataclass(frozen=True, kw_only=True)
class FileReopened(Logged):
    event_name = "file.reopened"
    subject_id: UUID
    by: str


@dataclass(frozen=True, kw_only=True)
class FileKeysShredded(Event):
    """A file's data keys are destroyed (erasure): each table's owner forgets the subject's
    rows that link to the person, in its own handler. A handler's write answers how many rows
    it changed (`returns="count(*)"`), under the name erasure reports it by; `FileShredded`
    then logs the counts."""

    subject_id: UUID
    at: datetime


@dataclass(frozen=True, kw_only=True)
class FileShredded(Logged):
    event_name = "file.shredded"
    subject_id: UUID
    by: str
    closed_at: datetime
    identities: int
    accounts_unlinked: int
    statements: int
    disputes_ended: int


@dataclass(frozen=True, kw_only=True)
class SubjectEnrolled(Logged):
    event_name = "subject.enrolled"
    subject_id: UUID
    created: bool
    credential_id: str
    by: str


# Organizations and keys --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OrganizationCreated(Logged):
    event_name = "organization.created"
    subject_id: None = None
    org_id: UUID
    by: str


@dataclass(frozen=True, kw_only=True)
class ApiKeyIssued(Logged):
    event_name = "api_key.issued"
    subject_id: None = None
    org_id: UUID
    key_id: str
    scopes: list[str]
    by: str


@dataclass(frozen=True, kw_only=True)
class ApiKeyRevoked(Logged):
    event_name = "api_key.revoked"
    subject_id: None = None
    key_id: str
    by: str


@dataclass(frozen=True, kw_only=True)
class RedirectUrisSet(Logged):
    """An operator replaced where an organization's OAuth subjects may be sent back."""

    event_name = "organization.redirect_uris"
    subject_id: None = None
    org_id: UUID
    redirect_uris: list[str]
    by: str


@dataclass(frozen=True, kw_only=True)
class WebhookRegistered(Logged):
    event_name = "webhook.registered"
    subject_id: None = None
    org_id: UUID
    endpoint_id: UUID
    url: str
    by: str


@dataclass(frozen=True, kw_only=True)
class WebhookRemoved(Logged):
    event_name = "webhook.removed"
    subject_id: None = None
    endpoint_id: UUID
    by: str


@dataclass(frozen=True, kw_only=True)
class MasterKeyActivated(Logged):
    event_name = "master_key.activated"
    subject_id: None = None
    kek_id: str
    previous: list[str]
    by: str


@dataclass(frozen=True, kw_only=True)
class MasterKeyRetired(Logged):
    event_name = "master_key.retired"
    subject_id: None = None
    kek_id: str
    by: str


# The bus -----------------------------------------------------------------------------------------


class Bus:
    """Handlers by the event class they subscribed to."""

    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Handler[Any]]] = {}

    def subscribe(self, kind: type[E], handler: Handler[E]) -> None:
        self._handlers.setdefault(kind, []).append(handler)

    def writes(self, event: Event) -> list[Write]:
        """Every subscribed handler's writes for the event, most general subscription last."""
        return [
            write
            for kind in type(event).__mro__
            for handler in self._handlers.get(kind, [])
            for write in handler(event)
        ]


BUS = Bus()
_loaded = False


def _bus() -> Bus:
    global _loaded
    if not _loaded:
        for module in HANDLER_MODULES:
            importlib.import_module(module)
        _loaded = True
    return BUS


def subscribe(*kinds: type[E]) -> Callable[[Handler[E]], Handler[E]]:
    """Decorate a handler to consume the given event classes (and their subclasses)."""

    def register(handler: Handler[E]) -> Handler[E]:
        for kind in kinds:
            BUS.subscribe(kind, handler)
        return handler

    return register


def writes(event: Event) -> list[Write]:
    """The event's writes, for a caller that sends them inside its own statement."""
    return _bus().writes(event)


def publish(conn: psycopg.Connection[Any], event: Event) -> Published:
    """Consume the event in the caller's transaction: every handler's writes, one statement."""
    return execute(conn, writes(event))


async def publish_async(conn: psycopg.AsyncConnection[Any], event: Event) -> Published:
    """`publish` on an async connection: the same handlers, the same single statement."""
    return await execute_async(conn, writes(event))
