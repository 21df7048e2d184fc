"""The consent part of the subject's full disclosure: active grants, freeze and fraud alerts.

`bureau.file` may not import consent (dependency rule), so the app is expected to plug this
section into `GET /v1/me/file`; until then the same facts are served under `/v1/me/…`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from bureau.vault import Vault
from consent import service


def consent_section(
    conn: psycopg.Connection[Any], vault: Vault, subject_id: UUID, now: datetime
) -> dict[str, Any]:
    return {
        "grants": service.list_grants(conn, subject_id, now, active_only=True),
        "freeze": service.freeze_status(conn, subject_id, now),
        "fraud_alerts": service.list_alerts(conn, vault, subject_id, now),
    }
