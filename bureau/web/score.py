"""My score: the number, the points table that adds up to it, the reasons, and a what-if form.

Each view reads the file through the same disclosure service as the API, logged as
`score.disclosed` / `score.what-if` with the scorecard id, exactly as GET /v1/me/score logs it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from bureau.api.deps import Tx, VaultDep
from bureau.errors import DomainError, InvalidInput
from bureau.file.score_disclosure import own_scoring_input
from bureau.score import whatif
from bureau.score.admissible import ScoringInput
from bureau.score.scoring import score_input
from bureau.vault import Vault
from bureau.web import forms, wording
from bureau.web.deps import FormVisitor, PortalVisitor, Visitor
from bureau.web.render import page

router = APIRouter()


def _scoring_input(conn: Tx, vault: Vault, visitor: Visitor, event: str) -> ScoringInput:
    return own_scoring_input(conn, vault, visitor.principal, event, datetime.now(UTC), "portal")


def _accounts(data: ScoringInput, *, revolving_only: bool = False) -> list[tuple[str, str]]:
    """Open accounts a what-if may change (paying down applies to revolving ones only)."""
    return [
        (str(t.tradeline_id), f"{wording.words('account_type', t.account_type)} from "
         f"{t.furnisher_name} ({t.account_number_masked})")
        for t in data.tradelines
        if t.date_closed is None and (t.portfolio_type == "R" or not revolving_only)
    ]  # fmt: skip


def _page(
    request: Request, visitor: Visitor, data: ScoringInput, status_code: int = 200,
    **extra: Any,
) -> Response:  # fmt: skip
    return page(
        request, "score.html", status_code, visitor=visitor, current="score",
        result=(result := score_input(data).as_dict()), accounts=_accounts(data),
        attribute_titles={a["attribute"]: a["title"] for a in result["attributes"]},  # type: ignore[attr-defined]
        revolving=_accounts(data, revolving_only=True),
        max_months=whatif.MAX_MONTHS, max_inquiries=whatif.MAX_INQUIRIES, **extra,
    )  # fmt: skip


@router.get("/score")
def my_score(request: Request, visitor: PortalVisitor, conn: Tx, vault: VaultDep) -> Response:
    return _page(request, visitor, _scoring_input(conn, vault, visitor, "score.disclosed"))


def _changes(
    pay_down_account: str, pay_down_balance: str, on_time_months: str, close_account: str,
    new_inquiries: str,
) -> list[whatif.Change]:  # fmt: skip
    changes: list[whatif.Change] = []
    balance = forms.int_field(pay_down_balance, "pay_down_balance")
    if pay_down_account.strip() or balance is not None:
        account = forms.uuid_field(pay_down_account, "pay_down_account")
        if balance is None:
            raise InvalidInput("give the new balance", field="pay_down_balance")
        assert account is not None
        changes.append(whatif.PayDown(tradeline_id=account, balance=balance))
    months = forms.int_field(on_time_months, "on_time_months", minimum=1)
    if months is not None:
        if months > whatif.MAX_MONTHS:
            raise InvalidInput(f"at most {whatif.MAX_MONTHS} months", field="on_time_months")
        changes.append(whatif.OnTime(months=months))
    closing = forms.uuid_field(close_account, "close_account", required=False)
    if closing is not None:
        changes.append(whatif.Close(tradeline_id=closing))
    count = forms.int_field(new_inquiries, "new_inquiries", minimum=1)
    if count is not None:
        if count > whatif.MAX_INQUIRIES:
            raise InvalidInput(f"at most {whatif.MAX_INQUIRIES}", field="new_inquiries")
        changes.append(whatif.NewInquiry(count=count))
    if not changes:
        raise InvalidInput("choose at least one change to try", field="changes")
    return changes


@router.post("/score/what-if")
def my_what_if(
    request: Request,
    visitor: FormVisitor,
    conn: Tx,
    vault: VaultDep,
    pay_down_account: Annotated[str, Form()] = "",
    pay_down_balance: Annotated[str, Form()] = "",
    on_time_months: Annotated[str, Form()] = "",
    close_account: Annotated[str, Form()] = "",
    new_inquiries: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "pay_down_account": pay_down_account, "pay_down_balance": pay_down_balance,
        "on_time_months": on_time_months, "close_account": close_account,
        "new_inquiries": new_inquiries,
    }  # fmt: skip
    data = _scoring_input(conn, vault, visitor, "score.what-if")
    try:
        outcome = whatif.what_if(data, _changes(**form)).as_dict()
    except DomainError as exc:
        return _page(request, visitor, data, exc.status, problem=exc, form=form)
    return _page(request, visitor, data, form=form, outcome=outcome)
