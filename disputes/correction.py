"""Applying a dispute's outcome to the credit file, and describing items for letters and inboxes.

Why here and not in the furnishing code: a correction from a dispute must reach the file at
once (every later report and score reads the corrected row), and must also be kept in the
account's reported history (`tradeline_reports`, source `dispute`) so "what was reported, and
when" stays answerable after the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg

from bureau.db.batch import run
from bureau.errors import InvalidInput
from bureau.file import repo as file_repo
from bureau.file.assemble import assemble
from bureau.furnishing import repo as furnishing_repo
from bureau.furnishing import tradeline_rules
from bureau.furnishing.metro2.codes import IN_DISPUTE
from bureau.subjects import identities
from bureau.vault import SubjectCipher, Vault
from disputes import compliance, repo
from disputes.repo import DisputeRow
from disputes.workflow import REMOVING_OUTCOMES, Outcome

_HIDDEN = {
    "subject_id", "account_ref", "account_number_ct", "key_version", "value_ct", "value_bidx",
    "report_digest", "investigator_id", "is_collection", "created_at", "updated_at",
}  # fmt: skip


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    return value


def snapshot(item: dict[str, Any]) -> dict[str, Any]:
    """The item as reported, JSON-safe, without ciphertext or blind indexes."""
    return {k: jsonable(v) for k, v in item.items() if k not in _HIDDEN}


def mask(account_number: str) -> str:
    return "*" * max(len(account_number) - 4, 0) + account_number[-4:]


def describe(
    conn: psycopg.Connection[Any], cipher: SubjectCipher, item_kind: str, item: dict[str, Any]
) -> dict[str, Any]:
    """Human labels for the item, as a letter shows it (masked, no identity values)."""
    if item_kind == "tradeline":
        org = repo.organization(conn, item["furnisher_id"])
        number = cipher.decrypt("account", bytes(item["account_number_ct"]))
        return {
            "Item": "Account",
            "Furnisher": org.name if org else None,
            "Account number": mask(number),
            "Account type": item["account_type"],
            "Opened": jsonable(item["date_opened"]),
            "Status": item["account_status"],
            "Balance": item["current_balance"],
        }
    if item_kind == "bankruptcy":
        return {
            "Item": "Bankruptcy (public record)",
            "Chapter": item["chapter"],
            "Court": item["court"],
            "Case number": item["case_number"],
            "Filed": jsonable(item["date_filed"]),
            "Disposition": item["disposition"],
        }
    if item_kind == "inquiry":
        org = (
            repo.organization(conn, item["requester_org_id"]) if item["requester_org_id"] else None
        )
        return {
            "Item": "Inquiry",
            "By": org.name if org else "you",
            "Date": jsonable(item["created_at"]),
            "Purpose": item["purpose"],
        }
    return {"Item": "Identity detail", "Type": item["kind"]}


def account_number(cipher: SubjectCipher, item: dict[str, Any]) -> str | None:
    """The full account number, for the furnisher that reported it (ACDV matching)."""
    if "account_number_ct" not in item:
        return None
    return cipher.decrypt("account", bytes(item["account_number_ct"]))


def mark_disputed(
    conn: psycopg.Connection[Any], row: DisputeRow, item: dict[str, Any]
) -> str | None:
    """Flag an account as disputed while the dispute is open; return the furnisher's own code."""
    if row.item_kind != "tradeline":
        return None
    prior: str | None = item.get("compliance_condition")
    furnishing_repo.set_compliance_condition(
        conn, row.subject_id, row.item_id, compliance.while_open(prior)
    )
    return prior


def settle_compliance(conn: psycopg.Connection[Any], row: DisputeRow) -> None:
    """After closing: XC when the subject's statement says they disagree, XH once resolved."""
    if row.item_kind != "tradeline" or row.state not in ("closed", "reinserted"):
        return
    if row.result == "frivolous":  # never investigated: the furnisher's own code comes back
        furnishing_repo.set_compliance_condition(conn, row.subject_id, row.item_id,
                                      row.prior_compliance_condition)  # fmt: skip
        return
    if row.result in {o.value for o in REMOVING_OUTCOMES} and row.state == "closed":
        return
    furnishing_repo.set_compliance_condition(
        conn,
        row.subject_id,
        row.item_id,
        compliance.after_close(
            row.prior_compliance_condition, consumer_disagrees=row.has_statement
        ),
    )


def apply_outcome(
    conn: psycopg.Connection[Any],
    row: DisputeRow,
    outcome: Outcome,
    corrections: dict[str, Any],
    now: datetime,
) -> dict[str, dict[str, Any]]:
    """Change the file as the outcome says; return what changed, field by field."""
    item = repo.item(conn, row.subject_id, row.item_kind, row.item_id)
    assert item is not None, "a dispute's item is never removed from the database"
    if outcome in REMOVING_OUTCOMES:
        delete_item(conn, row, f"dispute:{outcome}", now)
        return {"item": {"before": "on file", "after": "deleted"}}
    if outcome is not Outcome.MODIFIED:
        return {}
    changes = {
        name: {"before": jsonable(item.get(name)), "after": jsonable(value)}
        for name, value in corrections.items()
        if item.get(name) != value
    }
    if row.item_kind == "bankruptcy":
        file_repo.correct_bankruptcy(conn, row.subject_id, row.item_id, corrections)
    if row.item_kind == "tradeline":
        furnishing_repo.correct_tradeline(conn, row.subject_id, row.item_id, corrections)
        after = {c: item[c] for c in furnishing_repo.TRADELINE_COLUMNS} | corrections
        furnishing_repo.record_report(
            conn, row.subject_id, row.item_id, after["date_account_information"], "dispute",
            {k: jsonable(v) for k, v in after.items()},
        )  # fmt: skip
    return changes


def delete_item(conn: psycopg.Connection[Any], row: DisputeRow, reason: str, at: datetime) -> None:
    """Take the disputed item off the file, through the owner of its table (kept, marked
    deleted, so a reinsertion can bring it back)."""
    s, i = row.subject_id, row.item_id
    if row.item_kind == "tradeline":
        furnishing_repo.delete_tradeline(conn, s, i, reason, at)
    elif row.item_kind == "bankruptcy":
        file_repo.delete_bankruptcy(conn, s, i, at)
    elif row.item_kind == "inquiry":
        file_repo.delete_inquiry(conn, s, i, reason, at)
    else:
        identities.set_current(conn, s, i, False, at)


def reinsert_item(conn: psycopg.Connection[Any], row: DisputeRow) -> None:
    """Bring a deleted item back (§611(a)(5)(B)), through the owner of its table."""
    s, i = row.subject_id, row.item_id
    if row.item_kind == "tradeline":
        furnishing_repo.reinsert_tradeline(conn, s, i)
    elif row.item_kind == "bankruptcy":
        file_repo.reinsert_bankruptcy(conn, s, i)
    elif row.item_kind == "inquiry":
        file_repo.reinsert_inquiry(conn, s, i)
    else:
        identities.set_current(conn, s, i, True)


def refuse_inconsistent(item: Mapping[str, Any], corrections: Mapping[str, Any]) -> None:
    """A corrected account meets the Metro 2 field and consistency rules a furnished record
    does (status codes, zero balance when paid, ...): every new problem is named at once."""
    before = {c: item[c] for c in furnishing_repo.TRADELINE_COLUMNS}
    problems = tradeline_rules.new_problems(before, before | dict(corrections))
    if problems:
        first = next(iter(problems))
        raise InvalidInput(
            "the corrected account breaks Metro 2 rules: "
            + "; ".join(f"{name}: {', '.join(found)}" for name, found in problems.items()),
            field=f"corrected_fields.{first if first in corrections else next(iter(corrections))}",
        )


def file_summary(
    conn: psycopg.Connection[Any], vault: Vault, subject_id: UUID, now: datetime
) -> dict[str, Any]:
    """The file as it stands after the dispute, for the results notice (no identity data)."""
    file = run(conn, assemble(vault, subject_id, now))
    return {
        "accounts": [
            {
                "source": t.furnisher_name,
                "account": t.account_number_masked,
                "status": t.account_status,
                "balance": t.current_balance,
                "disputed": (t.compliance_condition or "") in IN_DISPUTE,
            }
            for t in file.tradelines
        ],
        "bankruptcies": len(file.bankruptcies),
        "inquiries": len(file.inquiries),
    }
