"""Disputes: dispute an item from its row, follow its legal clock, add information or a statement.

Filing, adding information and statements are the disputes service the API calls, with the
same clock (business days on the federal calendar); item and dispute ids from another subject
are "not found" there, so no form reaches anyone else's file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from bureau.api.deps import Tx, VaultDep
from bureau.errors import DomainError, NotFound
from bureau.orgs import repo as orgs_repo
from bureau.policy.regime import live_rules
from bureau.vault import Vault
from bureau.web import forms, wording
from bureau.web.deps import FormVisitor, PortalVisitor, Visitor
from bureau.web.render import page
from disputes import repo, service, statements
from disputes.items import REASONS

router = APIRouter()

STATES = {
    "received": "Received: we are sending it to whoever reported the item",
    "forwarded": "With the lender or reporter, who must investigate and answer",
    "answered": "Answered: we are applying the result to your file",
    "corrected": "Your file was corrected",
    "closed": "Closed",
    "frivolous": "Not investigated (we told you why)",
    "reinserted": "Closed; the item was later put back after the reporter certified it",
}
RESULTS = {
    "verified": "Verified as reported: the item stays unchanged",
    "modified": "Corrected by the reporter",
    "deleted": "Deleted from your file",
    "not_theirs": "Removed: the reporter said it is not yours",
    "deleted_unverified": "Deleted: it was not verified in time",
    "frivolous": "Not investigated",
}
DONE = {
    "filed": "Dispute received. The answer is due on the date shown below.",
    "information": "Your information was added to the dispute and sent on.",
    "statement": "Your statement was added. Every later report shows it with the item.",
}


def _item_heading(item: dict[str, Any] | None, names: dict[str, str], kind: str) -> str:
    if item is None:
        return f"An item ({kind})"
    if kind == "tradeline":
        who = names.get(str(item.get("furnisher_id")), "a lender")
        return f"{wording.words('account_type', item.get('account_type'))} from {who}"
    if kind == "bankruptcy":
        return f"Chapter {item.get('chapter')} bankruptcy"
    if kind == "inquiry":
        return f"Inquiry by {names.get(str(item.get('requester_org_id')), 'an organization')}"
    return "An identity detail"


def _disputes(conn: Tx, vault: Vault, subject_id: UUID) -> list[dict[str, Any]]:
    names = orgs_repo.names(conn)
    shown = []
    for row in repo.disputes_of_subject(conn, subject_id):
        view = service.dispute_view(conn, vault, row, for_subject=True)
        item = repo.item(conn, subject_id, row.item_kind, row.item_id)
        reason = REASONS.get(row.reason_code)
        view |= {
            "heading": _item_heading(item, names, row.item_kind),
            "reason_words": reason.text if reason else row.reason_code,
            "state_words": STATES.get(row.state, row.state),
            "result_words": RESULTS.get(row.result or "", row.result),
            "open": row.closed_at is None,
        }
        shown.append(view)
    return shown


def _page(
    request: Request, visitor: Visitor, conn: Tx, vault: Vault, status_code: int = 200,
    **extra: Any,
) -> Response:  # fmt: skip
    subject_id = visitor.principal.subject_id
    return page(
        request, "disputes.html", status_code, visitor=visitor, current="disputes",
        disputes=_disputes(conn, vault, subject_id),
        max_words=live_rules().dispute.statement_max_words,
        done=DONE.get(request.query_params.get("done", "")), **extra,
    )  # fmt: skip


def _act(
    request: Request, visitor: Visitor, conn: Tx, vault: Vault, action: Callable[[], object],
    done: str, dispute_id: UUID,
) -> Response:  # fmt: skip
    """A post about one dispute: a refusal shows the page again naming it (`forms.act`)."""

    def failed(exc: DomainError) -> Response:
        return _page(request, visitor, conn, vault, exc.status, problem=exc)

    return forms.act(conn, action, failed, "/portal/disputes", done, f"dispute-{dispute_id}")


@router.get("/disputes")
def disputes_page(request: Request, visitor: PortalVisitor, conn: Tx, vault: VaultDep) -> Response:
    return _page(request, visitor, conn, vault)


# What a person can dispute from a row of My file: API kind -> (stored kind, words).
DISPUTABLE = {
    "account": ("tradeline", "account"),
    "bankruptcy": ("bankruptcy", "bankruptcy"),
    "inquiry": ("inquiry", "inquiry"),
}


def _kind(kind: str) -> tuple[str, str]:
    if kind not in DISPUTABLE:
        raise NotFound("that kind of item cannot be disputed here", field="kind")
    return DISPUTABLE[kind]


def _new_form(
    request: Request, visitor: Visitor, conn: Tx, kind: str, item: str, status_code: int = 200,
    **extra: Any,
) -> Response:  # fmt: skip
    stored, noun = _kind(kind)
    item_id = forms.uuid_field(item, "item")
    assert item_id is not None
    row = repo.item(conn, visitor.principal.subject_id, stored, item_id)
    if row is None or row.get("deleted_at") is not None:
        raise NotFound(f"no such {noun} in your file", field="item")
    reasons = [r for r in REASONS.values() if stored in r.kinds]
    return page(
        request, "dispute_new.html", status_code, visitor=visitor, current="disputes",
        kind=kind, item_id=item_id, heading=_item_heading(row, orgs_repo.names(conn), stored),
        reasons=reasons, **extra,
    )  # fmt: skip


@router.get("/disputes/new")
def new_dispute(
    request: Request, visitor: PortalVisitor, conn: Tx, item: str = "", kind: str = "account"
) -> Response:
    return _new_form(request, visitor, conn, kind, item)


@router.post("/disputes")
def file_dispute(
    request: Request,
    visitor: FormVisitor,
    conn: Tx,
    vault: VaultDep,
    kind: Annotated[str, Form()] = "account",
    item: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
) -> Response:
    try:
        _kind(kind)
        item_id = forms.uuid_field(item, "item")
        assert item_id is not None
        filing = service.Filing(
            item_kind=kind, item_id=item_id, reason_code=reason,
            description=description.strip() or None,
        )  # fmt: skip
        with conn.transaction():
            row = service.file_dispute(
                conn, vault, visitor.principal.subject_id, filing, datetime.now(UTC)
            )
    except DomainError as exc:
        return _new_form(request, visitor, conn, kind, item, exc.status, problem=exc,
                         form={"reason": reason, "description": description})  # fmt: skip
    return forms.done("/portal/disputes", "filed", f"dispute-{row.dispute_id}")


@router.post("/disputes/{dispute_id}/information")
def add_information(
    request: Request,
    dispute_id: UUID,
    visitor: FormVisitor,
    conn: Tx,
    vault: VaultDep,
    text: Annotated[str, Form()] = "",
) -> Response:
    subject_id = visitor.principal.subject_id
    return _act(request, visitor, conn, vault, lambda: service.add_information(
        conn, vault, subject_id, dispute_id, text, [], datetime.now(UTC)
    ), "information", dispute_id)  # fmt: skip


@router.post("/disputes/{dispute_id}/statement")
def add_statement(
    request: Request,
    dispute_id: UUID,
    visitor: FormVisitor,
    conn: Tx,
    vault: VaultDep,
    text: Annotated[str, Form()] = "",
) -> Response:
    subject_id = visitor.principal.subject_id
    return _act(request, visitor, conn, vault, lambda: statements.add_statement(
        conn, vault, subject_id, dispute_id, text, datetime.now(UTC)
    ), "statement", dispute_id)  # fmt: skip
