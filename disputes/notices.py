"""The letters a dispute produces: their content (JSON) and their readable form (HTML).

Why one body shape for every kind: a notice is stored once, as JSON, and is shown to the subject
or the organization both as data and as a letter; a single shape with one template keeps the two
from disagreeing. Bodies hold no identity data and only masked account numbers, because they are
stored as plain JSON.

Pure apart from the template files: no database, no web framework.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from jinja2 import Environment, PackageLoader, select_autoescape

from bureau.policy.regime import DisputeRules, live_rules
from disputes.items import REASONS

SENDER = {"name": "fairfile consumer reporting agency"}

RESULTS = "dispute-results"
FRIVOLOUS = "dispute-frivolous"
REINSERTION = "dispute-reinsertion"
CORRECTION = "dispute-correction"  # to a past recipient (§611(d))
UNVERIFIED_DELETION = "dispute-deleted-unverified"  # to the furnisher
KINDS = (RESULTS, FRIVOLOUS, REINSERTION, CORRECTION, UNVERIFIED_DELETION)

_OUTCOME_WORDS = {
    "verified": "The furnisher verified the item as reported. It stays on your file unchanged.",
    "modified": "The furnisher corrected the item. Your file now shows the corrected values.",
    "deleted": "The furnisher asked for the item to be deleted. It has been removed from your file.",
    "not_theirs": "The furnisher said the item does not belong to you. It has been removed from "
    "your file.",
    "deleted_unverified": "The item was not verified within the legal time limit, so it has been "
    "deleted from your file.",
}


def _rules(rules: DisputeRules | None) -> DisputeRules:
    return rules if rules is not None else live_rules().dispute


def subject_rights(rules: DisputeRules | None = None) -> list[str]:
    r = _rules(rules)
    return [
        f"You may add a statement of up to {r.statement_max_words} words explaining your side; "
        "every later report will show it with the item.",
        f"You may ask us to tell everyone who received a report with this item in the last "
        f"{r.past_recipient_days} days ({r.past_recipient_days_employment} days for employment "
        "purposes) about the correction, deletion or your statement.",
        "You may ask for a description of how we investigated your dispute, including the name, "
        "address and telephone number of the furnisher we contacted.",
        "You may dispute again at any time, and you may also dispute directly with the furnisher.",
        "Your full file is free for you to see at any time.",
    ]


def _dispute_part(dispute: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    reason = REASONS.get(dispute["reason_code"])
    return {
        "dispute_id": str(dispute["dispute_id"]),
        "received_on": dispute["received_on"],
        "item": item,
        "reason": reason.text if reason else dispute["reason_code"],
    }


def _body(
    kind: str,
    notice_id: UUID,
    today: date,
    due_by: date | None,
    to: dict[str, Any],
    title: str,
    dispute: dict[str, Any],
    item: dict[str, Any],
    paragraphs: list[str],
    **more: Any,
) -> dict[str, Any]:
    return {
        "notice_id": str(notice_id),
        "kind": kind,
        "title": title,
        "date": today.isoformat(),
        "due_by": due_by.isoformat() if due_by else None,
        "sender": SENDER,
        "to": to,
        "dispute": _dispute_part(dispute, item),
        "paragraphs": paragraphs,
        "changes": more.get("changes"),
        "furnisher": more.get("furnisher"),
        "file_now": more.get("file_now"),
        "rights": more.get("rights", []),
        "outcome": more.get("outcome"),
    }


def results_notice(
    notice_id: UUID,
    today: date,
    due_by: date,
    dispute: dict[str, Any],
    item: dict[str, Any],
    outcome: str,
    changes: dict[str, dict[str, Any]] | None,
    furnisher: dict[str, Any] | None,
    file_now: dict[str, Any] | None,
    rules: DisputeRules | None = None,
) -> dict[str, Any]:
    """§611(a)(6): the result, the file if it changed, and the subject's further rights."""
    return _body(
        RESULTS, notice_id, today, due_by, {"name": "You"}, "The results of your dispute",
        dispute, item,
        ["We have completed the reinvestigation of your dispute.", _OUTCOME_WORDS[outcome]],
        outcome=outcome, changes=changes, furnisher=furnisher, file_now=file_now,
        rights=subject_rights(rules),
    )  # fmt: skip


def frivolous_notice(
    notice_id: UUID,
    today: date,
    due_by: date,
    dispute: dict[str, Any],
    item: dict[str, Any],
    reason: str,
    needed: str,
) -> dict[str, Any]:
    """§611(a)(3)(B): why the dispute was not investigated, and what would let us."""
    return _body(
        FRIVOLOUS, notice_id, today, due_by, {"name": "You"},
        "We cannot investigate this dispute as filed", dispute, item,
        [f"Why: {reason}", f"What we need to investigate it: {needed}",
         "Send that information with a new dispute and we will start a new reinvestigation."],
        outcome="frivolous",
        rights=["You may file the dispute again with the information above.",
                "You may also dispute directly with the furnisher of the item."],
    )  # fmt: skip


def reinsertion_notice(
    notice_id: UUID,
    today: date,
    due_by: date,
    dispute: dict[str, Any],
    item: dict[str, Any],
    furnisher: dict[str, Any],
    rules: DisputeRules | None = None,
) -> dict[str, Any]:
    """§611(a)(5)(B): a deleted item is back; who certified it; the subject's rights."""
    return _body(
        REINSERTION, notice_id, today, due_by, {"name": "You"},
        "An item deleted after your dispute has been put back", dispute, item,
        ["The furnisher named below has certified that the item is complete and accurate, so it "
         "has been reinserted in your file."],
        furnisher=furnisher, outcome="reinserted",
        rights=[*subject_rights(rules)[:2], "You may dispute the reinserted item again."],
    )  # fmt: skip


def correction_notice(
    notice_id: UUID,
    today: date,
    dispute: dict[str, Any],
    item: dict[str, Any],
    recipient: dict[str, Any],
    outcome: str | None,
    changes: dict[str, dict[str, Any]] | None,
    statement: str | None,
) -> dict[str, Any]:
    """§611(d): tell a past recipient of the deletion, the correction or the statement."""
    paragraphs = [
        "You received a consumer report containing the item below. At the consumer's request we "
        "tell you that it has since changed after a dispute."
    ]
    if outcome in _OUTCOME_WORDS and outcome != "verified":
        paragraphs.append(
            {"modified": "The item has been corrected as shown.",
             "deleted": "The item has been deleted.",
             "not_theirs": "The item has been deleted: it did not belong to this consumer.",
             "deleted_unverified": "The item has been deleted: it could not be verified."}[outcome]
        )  # fmt: skip
    if statement:
        paragraphs.append(f"The consumer's statement about this item: “{statement}”")
    return _body(
        CORRECTION, notice_id, today, None, recipient, "Correction of a consumer report",
        dispute, item, paragraphs, outcome=outcome, changes=changes,
    )  # fmt: skip


def unverified_deletion_notice(
    notice_id: UUID,
    today: date,
    dispute: dict[str, Any],
    item: dict[str, Any],
    furnisher: dict[str, Any],
) -> dict[str, Any]:
    """§611(a)(5)(A)(ii): the furnisher is told its unverified item was deleted."""
    return _body(
        UNVERIFIED_DELETION, notice_id, today, None, furnisher,
        "Disputed item deleted: not verified in time", dispute, item,
        [f"The consumer's dispute was due by {dispute['due_on']}. No verification arrived, so the "
         "item has been deleted from the consumer's file.",
         "It can be reinserted only with your certification that it is complete and accurate."],
        outcome="deleted_unverified",
    )  # fmt: skip


_env = Environment(
    loader=PackageLoader("disputes", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(body: dict[str, Any]) -> str:
    """The notice as a readable letter."""
    return _env.get_template("notice.html").render(n=body)
