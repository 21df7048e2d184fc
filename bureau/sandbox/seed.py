"""Seed the sandbox: deterministic and idempotent.

Same seed and as-of date, same data: identifiers are UUIDv5 of the seed and the persona, and
the sandbox's keys and tokens are derived from the seed (they are public sandbox credentials,
refused outside sandbox mode). Re-seeding an already seeded (seed, as-of) does nothing.
"""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import psycopg

from bureau import events
from bureau.auth import repo as auth_repo
from bureau.auth.service import issue_api_key, issue_subject_token
from bureau.auth.tokens import ORG_KEY, SUBJECT_TOKEN, derived_token
from bureau.file import repo as file_repo
from bureau.policy.regime import live_rules
from bureau.sandbox import repo
from bureau.sandbox.furnishing import furnish_accounts
from bureau.sandbox.personas import ORGS, PERSONAS, AccountSpec, Persona
from bureau.subjects import repo as subjects_repo
from bureau.subjects.creation import open_file
from bureau.subjects.enrolment import IdentityClaim, record_identity
from bureau.vault import Vault
from bureau.webhooks import repo as webhooks_repo
from bureau.webhooks.endpoints import seal_secret
from consent import repo as consent_repo
from consent.oauth import repo as oauth_repo
from disputes import repo as disputes_repo

_ACCOUNT_SHAPES: dict[str, tuple[str, str, str | None]] = {
    # kind: (portfolio type, Metro 2 account type, terms duration)
    "card": ("R", "18", "REV"),
    "secured-card": ("R", "07", "REV"),
    "auto": ("I", "00", "060"),
    "mortgage": ("M", "26", "360"),
    "student": ("I", "12", "120"),
    "personal": ("I", "01", "036"),
    "collection": ("O", "48", "001"),
}
# Metro 2 reports a Payment Rating only with these statuses (reference/metro2.md).
_RATED_STATUSES = frozenset({"05", "13", "65", "88", "89", "94", "95"})
_NOTHING_SCHEDULED = frozenset({"05", "13", "62", "64", "65", "89", "94", "97"})


@dataclass
class SeedResult:
    seed: int
    as_of: date
    seeded_now: bool
    org_keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    personas: dict[str, dict[str, str]] = field(default_factory=dict)


SANDBOX_REDIRECT_URIS = ["http://127.0.0.1/callback", "http://[::1]/callback"]
"""Loopback, so they match on any port (RFC 8252 §7.3)."""

SINK_PORT = 8001
"""Where `bureau sandbox webhook-sink` listens by default: each sandbox lender's sample
webhook endpoint is `http://127.0.0.1:8001/<slug>`."""
SINK_EVENTS = ["grant.created", "grant.expired", "grant.revoked", "notice.created",
               "report.corrected"]  # fmt: skip
"""What a lender hears about (a furnisher's dispute events go to endpoints it registers)."""


def sink_url(slug: str, port: int = SINK_PORT) -> str:
    return f"http://127.0.0.1:{port}/{slug}"


def default_as_of(today: date | None = None) -> date:
    """The first day of the current month: stable within a month, fresh each month."""
    today = today or datetime.now(UTC).date()
    return today.replace(day=1)


def _months_ago(as_of: date, months: int) -> date:
    total = as_of.year * 12 + (as_of.month - 1) - months
    return date(total // 12, total % 12 + 1, min(as_of.day, 28))


def _uuid(seed: int, *parts: object) -> UUID:
    return uuid5(NAMESPACE_URL, "fairfile-sandbox:" + ":".join(str(p) for p in (seed, *parts)))


def _seed_material(seed: int) -> bytes:
    return hashlib.sha256(f"fairfile-sandbox-credentials:{seed}".encode()).digest()


def _national_id(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"


def history_profile(spec: AccountSpec, as_of: date) -> str:
    """24 months, most recent first; 'B' before the account existed, '0' when current."""
    codes = []
    for month in range(1, 25):
        if month > spec.opened:
            codes.append("B")
        elif spec.closed is not None and month < spec.closed and spec.status in {"13", "64"}:
            codes.append(spec.lates.get(month, "E" if spec.balance == 0 else "0"))
        else:
            codes.append(spec.lates.get(month, "0"))
    return "".join(codes)


def _last_payment(spec: AccountSpec, as_of: date) -> date | None:
    """Paying accounts paid last month; delinquent ones stopped paying just before the DOFD."""
    if spec.kind == "collection" or spec.status in {"97", "94"}:
        return None
    if spec.dofd is not None:
        return _months_ago(as_of, spec.dofd + 1)
    if spec.closed is not None:
        return _months_ago(as_of, spec.closed)
    return _months_ago(as_of, 1)


def tradeline_values(spec: AccountSpec, as_of: date) -> dict[str, Any]:
    portfolio, account_type, terms = _ACCOUNT_SHAPES[spec.kind]
    revolving = portfolio == "R"
    rating = spec.payment_rating if spec.status in _RATED_STATUSES else None
    scheduled = 0 if revolving or spec.balance == 0 else max(spec.limit // 60, 25)
    return {
        "portfolio_type": portfolio,
        "account_type": account_type,
        "ecoa_code": spec.ecoa,
        "date_opened": _months_ago(as_of, spec.opened),
        "date_closed": _months_ago(as_of, spec.closed) if spec.closed is not None else None,
        "date_last_payment": _last_payment(spec, as_of),
        "date_first_delinquency": _months_ago(as_of, spec.dofd) if spec.dofd is not None else None,
        "date_account_information": as_of,
        "credit_limit": spec.limit if revolving else None,
        # a collection's original amount is what was placed with it (its limit is 0)
        "highest_credit": (spec.limit or spec.balance)
        if not revolving
        else max(spec.balance, spec.limit // 2),
        "terms_duration": terms,
        "terms_frequency": "M" if spec.kind != "collection" else "P",
        # nothing is scheduled on a transferred, paid, charged-off or foreclosed account (CRRG;
        # the CFPB's Status-SMPA-1): a deficiency left after a foreclosure is all past due
        "scheduled_payment": 0
        if spec.status in _NOTHING_SCHEDULED
        else scheduled
        if not revolving
        else max(spec.balance // 40, 0),
        "actual_payment": scheduled if spec.status == "11" and not revolving else 0,
        "account_status": spec.status,
        "payment_rating": rating,
        "payment_history": history_profile(spec, as_of),
        "special_comment": spec.special_comment,
        "compliance_condition": spec.compliance,
        "current_balance": spec.balance,
        "amount_past_due": spec.past_due,
        "original_charge_off": spec.charge_off,
        "consumer_info_indicator": None,
        "interest_type": "F" if not revolving else "V",
        "original_creditor": spec.original_creditor,
        "creditor_classification": "02" if spec.original_creditor else None,
    }


def seed_sandbox(
    conn: psycopg.Connection[Any], vault: Vault, seed: int = 1, as_of: date | None = None
) -> SeedResult:
    """Seed organizations, keys, personas and their files (inside the caller's transaction)."""
    as_of = as_of or default_as_of()
    already = repo.seeded(conn, seed, as_of)
    result = SeedResult(seed=seed, as_of=as_of, seeded_now=not already)
    material = _seed_material(seed)
    org_ids = {spec.slug: _uuid(seed, "org", spec.slug) for spec in ORGS}

    for spec in ORGS:
        token = derived_token(ORG_KEY, material, f"org:{spec.slug}")
        result.org_keys[spec.slug] = {
            "name": spec.name, "org_id": str(org_ids[spec.slug]),
            "scopes": ",".join(spec.scopes), "key": str(token),
        }  # fmt: skip
        webhook_secret = "whsec_" + base64.b64encode(
            hashlib.sha256(material + f"webhook:{spec.slug}".encode()).digest()
        ).decode("ascii")
        if "user" in spec.roles:
            # Every sandbox lender is an OAuth client: client_id is its org id, the secret its
            # pull key, and loopback redirect URIs (any port) for a test client on this machine;
            # and it has a sample webhook endpoint, `bureau sandbox webhook-sink`, whose
            # (public, seed-derived) signing secret is listed with it.
            result.org_keys[spec.slug] |= {"client_id": str(org_ids[spec.slug]),
                                           "redirect_uris": list(SANDBOX_REDIRECT_URIS),
                                           "webhook_url": sink_url(spec.slug),
                                           "webhook_secret": webhook_secret}  # fmt: skip
        if already:
            continue
        auth_repo.insert_organization(
            conn, org_ids[spec.slug], spec.name, list(spec.roles), spec.furnisher_code,
            spec.address or None, spec.phone or None,
        )  # fmt: skip
        issue_api_key(conn, org_ids[spec.slug], list(spec.scopes), "sandbox", token)
        if "user" in spec.roles:
            for uri in SANDBOX_REDIRECT_URIS:
                oauth_repo.add_redirect_uri(conn, org_ids[spec.slug], uri)
            endpoint_id = _uuid(seed, "webhook", spec.slug)
            webhooks_repo.insert_endpoint(
                conn, endpoint_id, org_ids[spec.slug], sink_url(spec.slug), SINK_EVENTS,
                seal_secret(vault, endpoint_id, webhook_secret), datetime.now(UTC),
            )  # fmt: skip

    identities: dict[str, IdentityClaim] = {}
    for persona in PERSONAS:
        subject_id = _uuid(seed, "subject", persona.slug)
        token = derived_token(SUBJECT_TOKEN, material, f"subject:{persona.slug}")
        result.personas[persona.slug] = {
            "name": persona.name, "subject_id": str(subject_id), "token": str(token),
            "story": persona.story,
        }  # fmt: skip
        if not already:
            identities[persona.slug] = _seed_persona(
                conn, vault, seed, as_of, persona, subject_id, org_ids
            )
            issue_subject_token(conn, subject_id, token)

    if not already:
        # The accounts arrive the way a real furnisher's do: one Metro 2 file per furnisher.
        tradelines = furnish_accounts(
            conn, vault, seed, as_of, org_ids, identities, tradeline_values
        )
        for persona in PERSONAS:
            if persona.disputed_account is not None:
                disputed = persona.accounts[persona.disputed_account]
                _open_dispute(
                    conn, seed, as_of, persona, _uuid(seed, "subject", persona.slug),
                    tradelines[(persona.slug, persona.disputed_account)], org_ids[disputed.furnisher],
                )  # fmt: skip
        repo.mark_seeded(conn, seed, as_of)
    return result


def persona_identity(seed: int, as_of: date, persona: Persona) -> IdentityClaim:
    """The persona's identity: made-up but realistic, and the same for the same seed."""
    rng = random.Random(f"{seed}:{persona.slug}")
    return IdentityClaim(
        name=persona.name,
        national_id=_national_id(rng),
        dob=date(as_of.year - persona.age, rng.randint(1, 12), rng.randint(1, 28)),
        addresses=[persona.address],
        phones=[f"{rng.randint(201, 989)}555{rng.randint(1000, 9999)}"],
    )


def _seed_persona(
    conn: psycopg.Connection[Any],
    vault: Vault,
    seed: int,
    as_of: date,
    persona: Persona,
    subject_id: UUID,
    org_ids: dict[str, UUID],
) -> IdentityClaim:
    """Enrol the persona (as a person signing up would) and add what is not furnished:
    public records, past inquiries, alerts and freezes. Returns the identity used."""
    rng = random.Random(f"{seed}:{persona.slug}:records")
    claim = persona_identity(seed, as_of, persona)
    if subjects_repo.subject_exists(conn, subject_id):
        cipher = vault.cipher_for(conn, subject_id)
    else:
        cipher = open_file(conn, vault, subject_id)
    record_identity(conn, vault, cipher, claim)

    for index, bk in enumerate(persona.bankruptcies):
        file_repo.insert_bankruptcy(conn, {
            "subject_id": subject_id, "bankruptcy_id": _uuid(seed, "bk", persona.slug, index),
            "chapter": bk.chapter, "court": bk.court,
            "case_number": f"{_months_ago(as_of, bk.filed):%y}-{rng.randint(10000, 99999)}",
            "date_filed": _months_ago(as_of, bk.filed), "disposition": bk.disposition,
            "date_disposition": _months_ago(as_of, bk.disposed) if bk.disposed else None,
            "reported_by": None,
        })  # fmt: skip

    for index, (user, days_ago) in enumerate(persona.hard_inquiries):
        at = datetime.combine(as_of, time(12), UTC) - timedelta(days=days_ago)
        inquiry_id = _uuid(seed, "inquiry", persona.slug, index)
        file_repo.insert_inquiry(conn, {
            "subject_id": subject_id, "inquiry_id": inquiry_id,
            "requester_org_id": org_ids[user], "purpose": "credit-transaction", "kind": "hard",
            "grant_id": None, "report_id": None, "created_at": at,
        })  # fmt: skip
        events.publish(conn, events.PastReleaseSeeded(
            subject_id=subject_id, to=org_ids[user], inquiry_id=inquiry_id,
            purpose="credit-transaction", sandbox_history=True, released_at=at,
        ))  # fmt: skip

    placed = datetime.combine(as_of, time(9), UTC) - timedelta(days=30)
    if persona.fraud_alert:
        days = getattr(live_rules().fraud_alerts, f"{persona.fraud_alert}_days")
        consent_repo.insert_alert(
            conn, subject_id, _uuid(seed, "alert", persona.slug), persona.fraud_alert,
            cipher.encrypt("contact", claim.phones[0]), cipher.key_version, placed,
            placed + timedelta(days=days),
        )  # fmt: skip
    if persona.frozen:
        consent_repo.insert_freeze(conn, subject_id, _uuid(seed, "freeze", persona.slug), placed)
    return claim


def _open_dispute(
    conn: psycopg.Connection[Any], seed: int, as_of: date, persona: Persona,
    subject_id: UUID, tradeline_id: UUID, furnisher_id: UUID,
) -> None:  # fmt: skip
    """An open dispute received on the seeding date, so it stays open for the whole month."""
    received = datetime.combine(as_of, time(10), UTC)
    dispute_id = _uuid(seed, "dispute", persona.slug)
    disputes_repo.insert_dispute(conn, disputes_repo.DisputeRow(
        subject_id=subject_id, dispute_id=dispute_id, item_kind="tradeline",
        item_id=tradeline_id, field="payment_history", furnisher_id=furnisher_id,
        reason_code="inaccurate-late", description_ct=None, key_version=None, direct=False,
        state="forwarded", received_at=received,
        due_at=received.date() + timedelta(days=live_rules().dispute.resolve_days),
        result=None, closed_at=None, extended=False, forward_by=None, completed_on=None,
        has_statement=False, recipients_notified_at=None, item_snapshot=None,
        prior_compliance_condition=None,
    ))  # fmt: skip
    for kind, actor in (("received", "subject"), ("forwarded", "bureau")):
        disputes_repo.append_event(conn, subject_id, dispute_id, kind, actor,
                                   {"sandbox": True}, received)  # fmt: skip
