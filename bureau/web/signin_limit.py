"""The limit on failed sign-ins: per credential id and per client address, over a window.

Why both: the per-credential limit stops guessing one subject's credential from many
addresses; the per-address limit stops one address trying many credentials. Failures are rows
in PostgreSQL (`portal_signin_failures`), so every worker process counts the same ones; an
attempt made while locked out is refused before the credential is checked (a correct one too,
so the lockout is no oracle) and is not itself counted, so a lockout ends when its window
does. A successful sign-in is never counted.

The trade-off chosen for the per-credential limit: it counts a credential's failures *from one
address*. Counted from every address, anyone who knew a credential id (it is not the secret)
could keep its subject locked out for as long as they kept failing, which is a denial of
service for the price of five requests per window. Per address, a stranger locks out only
themselves; the subject signing in from anywhere else is not affected. What that gives up: a
guesser spread over many addresses gets `max_failures_per_credential` guesses per address per
window instead of in all, against a secret of 128 random bits, which no number of addresses
makes guessable. The per-address limit still bounds one address trying many credentials.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg

from bureau.auth.tokens import SUBJECT_TOKEN, parse_token
from bureau.config import PortalSettings
from bureau.web import repo


@dataclass(frozen=True)
class Lockout:
    """Sign-in is refused for `reason` until `until`."""

    reason: str
    until: datetime

    def seconds_left(self, now: datetime) -> int:
        return max(1, math.ceil((self.until - now).total_seconds()))


def credential_key(presented: str) -> str | None:
    """The credential id a sign-in attempt names (known or not), or None for a malformed one."""
    token = parse_token(presented, SUBJECT_TOKEN)
    return token.token_id if token else None


def lockout_end(nth_recent_failure: datetime | None, window: timedelta) -> datetime | None:
    """When the limit lets sign-in again: once the n-th most recent failure leaves the window,
    fewer than n remain in it."""
    return None if nth_recent_failure is None else nth_recent_failure + window


def lockout(
    conn: psycopg.Connection[Any],
    credential_id: str | None,
    client_address: str,
    now: datetime,
    settings: PortalSettings,
) -> Lockout | None:
    """The lockout in force for this attempt, if any (the later one if both limits apply).

    Takes transaction-scoped locks on the credential id and the address first (always in that
    order, so two attempts cannot deadlock), so concurrent attempts are counted one by one.
    """
    found: Lockout | None = None
    if credential_id is not None:
        repo.lock_signin_key(conn, f"credential_id:{credential_id}")
    repo.lock_signin_key(conn, f"client_address:{client_address}")
    since = now - settings.signin_window
    ends: list[tuple[datetime | None, str]] = [
        (
            lockout_end(
                repo.nth_recent_failure(conn, "client_address", client_address, since, now,
                                        settings.max_failures_per_address),
                settings.signin_window,
            ),
            "too many failed sign-ins from your network address",
        )
    ]  # fmt: skip
    if credential_id is not None:
        nth = repo.nth_recent_failure_from(
            conn, credential_id, client_address, since, now, settings.max_failures_per_credential
        )
        ends.append((lockout_end(nth, settings.signin_window),
                     "too many failed sign-ins with this credential"))  # fmt: skip
    for until, reason in ends:
        if until is not None and (found is None or until > found.until):
            found = Lockout(reason, until)
    return found


def record_failure(
    conn: psycopg.Connection[Any],
    credential_id: str | None,
    client_address: str,
    now: datetime,
    settings: PortalSettings,
) -> None:
    """Count a failed attempt (and forget this key's failures no window counts any more)."""
    repo.delete_old_failures(conn, credential_id, client_address, now - settings.signin_window)
    repo.insert_failure(conn, now, credential_id, client_address)
