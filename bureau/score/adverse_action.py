"""The adverse-action notice: what a user must tell a person it turned down using a report.

FCRA §615(a) and Regulation B §1002.9 list the content: the action; the credit score used, its
range, the key factors that hurt it (up to 4, a 5th when inquiries were one: §609(f)(1)(C)), its
date and who made it; the bureau's name, address and telephone; that the bureau did not make
the decision and cannot explain it; the right to a free copy of the file within 60 days
(§612(b)); the right to dispute (§611); and (Reg B) the creditor's specific reasons and the
ECOA notice. Periods come from the live regime, never constants here. Pure: data in, data out;
the HTML letter is rendered from the same data, so the two cannot say different things.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any
from uuid import UUID

from jinja2 import Environment, select_autoescape

from bureau.contact import BureauContact
from bureau.errors import InvalidInput
from bureau.policy.regime import LiveRules
from bureau.score.scoring import ScoreResult

# Reg B §1002.2(c)(1) (credit) and FCRA §603(k) (insurance, employment, other): the action taken.
ACTIONS: dict[str, str] = {
    "credit-denied": "Your application for credit was denied.",
    "counteroffer": "You were offered credit on terms different from those you applied for.",
    "terms-changed": "The terms of your existing account were changed to your disadvantage.",
    "limit-reduced": "The credit limit on your account was reduced.",
    "account-closed": "Your account was closed.",
    "insurance-denied": "Insurance was denied, or its terms or price were made less favourable.",
    "employment-denied": "An employment decision was made against you.",
    "tenancy-denied": "Your application to rent was denied, or made on worse terms.",
}
MAX_REASON_CHARS = 200
ECOA_NOTICE = (
    "The federal Equal Credit Opportunity Act prohibits creditors from discriminating against "
    "credit applicants on the basis of race, color, religion, national origin, sex, marital "
    "status, age (provided the applicant has the capacity to enter into a binding contract); "
    "because all or part of the applicant's income derives from any public assistance program; "
    "or because the applicant has in good faith exercised any right under the Consumer Credit "
    "Protection Act."
)
BUREAU_ROLE = (
    "The credit bureau named here supplied information about you. It did not make this "
    "decision and is unable to tell you the specific reasons why it was made."
)


@dataclass(frozen=True)
class Party:
    name: str
    address: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class ScoreUsed:
    """The score as it was released in the report (not recomputed later)."""

    score: int | None
    low: int
    high: int
    as_of: date
    version: str
    key_factors: tuple[tuple[str, str], ...]  # (code, text), ranked
    inquiries_factor: bool

    @classmethod
    def from_result(cls, result: ScoreResult) -> ScoreUsed:
        return cls.from_dict(result.as_dict())

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> ScoreUsed:
        """From the score block as released (ScoreResult.as_dict), e.g. read back from storage."""
        reasons = body.get("reasons", [])
        return cls(
            score=body["score"],
            low=body["range"]["min"],
            high=body["range"]["max"],
            as_of=date.fromisoformat(body["as_of"]),
            version=body["version"],
            key_factors=tuple((r["code"], r["text"]) for r in reasons),
            inquiries_factor=any(r["attribute"] == "hard_inquiries_12m" for r in reasons),
        )


def _checked(action: str, creditor_reasons: list[str], most: int) -> list[str]:
    """`most` is the regime's `adverse_action.creditor_reasons_max` (Reg B §1002.9(b)(2))."""
    if action not in ACTIONS:
        raise InvalidInput(f"action must be one of {', '.join(ACTIONS)}", field="action")
    reasons = [r.strip() for r in creditor_reasons]
    if not 1 <= len(reasons) <= most:
        raise InvalidInput(
            f"give 1 to {most} specific reasons for the action (Reg B §1002.9(b)(2))",
            field="reasons",
        )
    for index, reason in enumerate(reasons):
        if not reason or len(reason) > MAX_REASON_CHARS:
            raise InvalidInput(
                f"each reason is 1 to {MAX_REASON_CHARS} characters", field=f"reasons[{index}]"
            )
    return reasons


def adverse_action_notice(
    *,
    notice_id: UUID,
    report_id: UUID,
    issued_at: datetime,
    user: Party,
    to_name: str | None,
    action: str,
    action_detail: str | None,
    creditor_reasons: list[str],
    score: ScoreUsed | None,
    bureau: BureauContact,
    rules: LiveRules,
) -> dict[str, Any]:
    """The notice's content as JSON; a bad action or reason is refused naming the field."""
    reasons = _checked(action, creditor_reasons, rules.adverse_action.creditor_reasons_max)
    factors_allowed = rules.adverse_action.key_factors + 1  # the 5th only for inquiries
    if score is not None and score.score is not None:
        score_block: dict[str, Any] = {
            "used": True,
            "score": score.score,
            "range": {"min": score.low, "max": score.high},
            "date": score.as_of.isoformat(),
            "source": f"{bureau.name}, published scorecard {score.version}",
            "key_factors": [
                {"rank": rank, "code": code, "text": text}
                for rank, (code, text) in enumerate(score.key_factors[:factors_allowed], start=1)
            ],
            "inquiries_were_a_key_factor": score.inquiries_factor,
        }
    else:
        score_block = {"used": False, "text": "No credit score was used in this decision."}
    disclosure_days = rules.adverse_action.free_disclosure_days
    return {
        "kind": "adverse-action",
        "notice_id": str(notice_id),
        "report_id": str(report_id),
        "issued_at": issued_at.isoformat(),
        "from": {"name": user.name, "address": user.address, "phone": user.phone},
        "to": {"name": to_name},
        "action": {"code": action, "text": ACTIONS[action], "detail": action_detail},
        "creditor_reasons": reasons,
        "score": score_block,
        "bureau": {
            "name": bureau.name,
            "address": bureau.address,
            "phone": bureau.phone,
            "website": bureau.website,
            "did_not_decide": BUREAU_ROLE,
        },
        "your_rights": [
            {
                "right": "free-disclosure",
                "text": (
                    f"You have the right to a free copy of your credit file from {bureau.name} "
                    f"if you ask within {disclosure_days} days of this notice (FCRA §612(b))."
                ),
                "ask_by": (issued_at.date() + timedelta(days=disclosure_days)).isoformat(),
            },
            {
                "right": "dispute",
                "text": (
                    "You have the right to dispute the accuracy or completeness of anything in "
                    f"your file with {bureau.name}; it reinvestigates free of charge and answers "
                    f"within {rules.dispute.resolve_days} days (FCRA §611)."
                ),
            },
            {"right": "equal-credit-opportunity", "text": ECOA_NOTICE},
        ],
        "law": ["FCRA §615(a)", "FCRA §609(f)", "FCRA §612(b)", "Regulation B §1002.9"],
    }


def _environment() -> Environment:
    return Environment(autoescape=select_autoescape(default=True), keep_trailing_newline=True)


def render_letter(notice: dict[str, Any]) -> str:
    """The notice as a printable HTML letter (escaped: every value is someone's input)."""
    source = (resources.files("bureau.score") / "templates" / "adverse_action.html").read_text(
        encoding="utf-8"
    )
    return _environment().from_string(source).render(n=notice)
