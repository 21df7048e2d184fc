"""Freeze and alerts: freeze and unfreeze at once, thaw for one requester or a window, alerts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from bureau.api.deps import Tx, VaultDep
from bureau.errors import DomainError, InvalidInput
from bureau.orgs import repo as orgs_repo
from bureau.policy.regime import live_rules
from bureau.subjects import erasure
from bureau.vault import Vault
from bureau.web import forms
from bureau.web.deps import FormVisitor, PortalVisitor, Visitor
from bureau.web.render import page
from consent import service

router = APIRouter()

DONE = {
    "frozen": "Your file is frozen. No one can get a report from it until you lift or thaw it.",
    "unfrozen": "The freeze is lifted.",
    "thawed": "Thaw added.",
    "thaw-cancelled": "Thaw cancelled.",
    "alert-placed": "Fraud alert placed.",
    "alert-removed": "Fraud alert removed.",
    "closed": "Your file is closed. No one can get a report from it.",
    "reopened": "Your file is open again.",
}


def alert_kinds() -> list[tuple[str, str]]:
    """The alert kinds with their periods from the live regime (the law is data)."""
    rules = live_rules().fraud_alerts
    return [
        ("initial", f"Initial alert ({rules.initial_days} days): you suspect fraud"),
        (
            "extended",
            f"Extended alert ({rules.extended_days} days): needs an identity-theft report",
        ),
        ("active_duty", f"Active-duty alert ({rules.active_duty_days} days): you are deployed"),
    ]


def _page(
    request: Request, visitor: Visitor, conn: Tx, vault: Vault, status_code: int = 200,
    **extra: Any,
) -> Response:  # fmt: skip
    now = datetime.now(UTC)
    subject_id = visitor.principal.subject_id
    return page(
        request, "freeze.html", status_code, visitor=visitor, current="freeze",
        freeze=service.freeze_status(conn, subject_id, now).model_dump(mode="json"),
        alerts=[a.model_dump(mode="json") for a in service.list_alerts(conn, vault, subject_id, now)],
        requesters=orgs_repo.requesters(conn), alert_kinds=alert_kinds(),
        closure=erasure.file_state(conn, subject_id, live_rules().erasure).as_dict(),
        shred_after_days=live_rules().erasure.shred_after_closure_days,
        done=DONE.get(request.query_params.get("done", "")), **extra,
    )  # fmt: skip


def _act(
    request: Request, visitor: Visitor, conn: Tx, vault: Vault, action: Callable[[], object],
    done: str, anchor: str = "",
) -> Response:  # fmt: skip
    """A post of the freeze page: a refusal shows the page again naming it (`forms.act`)."""

    def failed(exc: DomainError) -> Response:
        return _page(request, visitor, conn, vault, exc.status, problem=exc)

    return forms.act(conn, action, failed, "/portal/freeze", done, anchor)


@router.get("/freeze")
def freeze_page(request: Request, visitor: PortalVisitor, conn: Tx, vault: VaultDep) -> Response:
    return _page(request, visitor, conn, vault)


@router.post("/freeze/place")
def place(request: Request, visitor: FormVisitor, conn: Tx, vault: VaultDep) -> Response:
    subject_id = visitor.principal.subject_id
    return _act(request, visitor, conn, vault,
                lambda: service.place_freeze(conn, subject_id, datetime.now(UTC)), "frozen")  # fmt: skip


@router.post("/freeze/lift")
def lift(request: Request, visitor: FormVisitor, conn: Tx, vault: VaultDep) -> Response:
    subject_id = visitor.principal.subject_id
    return _act(request, visitor, conn, vault,
                lambda: service.lift_freeze(conn, subject_id, datetime.now(UTC)), "unfrozen")  # fmt: skip


@router.post("/freeze/thaws")
def thaw(
    request: Request,
    visitor: FormVisitor,
    conn: Tx,
    vault: VaultDep,
    requester: Annotated[str, Form()] = "",
    starts_on: Annotated[str, Form()] = "",
    ends_on: Annotated[str, Form()] = "",
) -> Response:
    def add_thaw() -> None:
        org_id = forms.uuid_field(requester, "requester", required=False)
        starts = forms.day_start(forms.date_field(starts_on, "starts_on"))
        ends = forms.day_start(forms.date_field(ends_on, "ends_on"))
        service.add_thaw(
            conn, visitor.principal.subject_id, org_id, starts, ends, datetime.now(UTC)
        )

    return _act(request, visitor, conn, vault, add_thaw, "thawed")


@router.post("/freeze/thaws/{thaw_id}/cancel")
def cancel_thaw(
    request: Request, thaw_id: UUID, visitor: FormVisitor, conn: Tx, vault: VaultDep
) -> Response:
    service.cancel_thaw(conn, visitor.principal.subject_id, thaw_id, datetime.now(UTC))
    return forms.done("/portal/freeze", "thaw-cancelled")


@router.post("/alerts")
def place_alert(
    request: Request,
    visitor: FormVisitor,
    conn: Tx,
    vault: VaultDep,
    kind: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
    identity_theft_report: Annotated[str, Form()] = "",
) -> Response:
    def place_the_alert() -> None:
        service.place_alert(
            conn, vault, visitor.principal.subject_id, kind, contact or None,
            identity_theft_report or None, datetime.now(UTC),
        )  # fmt: skip

    return _act(request, visitor, conn, vault, place_the_alert, "alert-placed", "alerts")


@router.post("/alerts/{alert_id}/remove")
def remove_alert(
    request: Request, alert_id: UUID, visitor: FormVisitor, conn: Tx, vault: VaultDep
) -> Response:
    service.remove_alert(conn, visitor.principal.subject_id, alert_id, datetime.now(UTC))
    return forms.done("/portal/freeze", "alert-removed", "alerts")


@router.post("/freeze/close")
def close_file(
    request: Request,
    visitor: FormVisitor,
    conn: Tx,
    vault: VaultDep,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Close the file (bureau/subjects/erasure.py): asked for with a confirmation, since the
    file is erased once the regime's period has passed."""

    def close() -> None:
        if confirm != "yes":
            raise InvalidInput("tick the box to confirm you want your file closed",
                               field="confirm")  # fmt: skip
        erasure.close_file(conn, visitor.principal.subject_id, datetime.now(UTC),
                           live_rules().erasure, by="subject")  # fmt: skip

    return _act(request, visitor, conn, vault, close, "closed")


@router.post("/freeze/reopen")
def reopen_file(request: Request, visitor: FormVisitor, conn: Tx, vault: VaultDep) -> Response:
    subject_id = visitor.principal.subject_id
    return _act(request, visitor, conn, vault,
                lambda: erasure.reopen_file(conn, subject_id, live_rules().erasure, by="subject"),
                "reopened")  # fmt: skip
