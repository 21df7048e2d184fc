"""Starting, resuming and ending portal sessions in the request's transaction (no HTTP here).

The rule for when a session has ended is `bureau.web.session.session_ended`; this module only
reads and writes the rows it judges. Nothing here commits: a sign-in that fails later in its
request leaves no session behind.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg

from bureau.auth.service import SubjectPrincipal
from bureau.config import PortalSettings
from bureau.web import repo
from bureau.web.session import (
    StoredSession,
    needs_touch,
    new_session_id,
    session_ended,
    session_hash,
)

# Ended sessions are kept this long after they end (so a support question about a sign-out
# can still be answered), then removed at the subject's next sign-in.
KEEP_ENDED = timedelta(days=1)


def start(
    conn: psycopg.Connection[Any],
    principal: SubjectPrincipal,
    now: datetime,
    settings: PortalSettings,
) -> str:
    """A new session for the principal; returns the id for the cookie (only its hash is kept)."""
    repo.delete_ended_sessions(conn, principal.subject_id, now - KEEP_ENDED)
    session_id = new_session_id()
    repo.insert_session(
        conn,
        principal.subject_id,
        session_hash(session_id),
        principal.credential_id,
        now,
        now + settings.session_lifetime,
    )
    return session_id


def resume(
    conn: psycopg.Connection[Any], session_id: str, now: datetime, settings: PortalSettings
) -> StoredSession | None:
    """The live session this id names (its last-seen time moved to `now`), or None if the id
    is unknown or the session has ended."""
    digest = session_hash(session_id)
    stored = repo.session(conn, digest)
    if stored is None or session_ended(stored, now, settings.session_idle) is not None:
        return None
    if needs_touch(stored, now):
        repo.touch_session(conn, digest, now)
    return stored


def end(conn: psycopg.Connection[Any], session_id: str, now: datetime) -> None:
    """Sign out: the session row is revoked, so every copy of its cookie stops working."""
    repo.revoke_session(conn, session_hash(session_id), now)
