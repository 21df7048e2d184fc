"""The consent part of the subject's full disclosure: active grants and the freeze.

`bureau.file` may not import consent (dependency rule), so `bureau.app` hands this section to
`GET /v1/me/file` through `app.state.disclosure_sections`. (Fraud alerts are in the assembled
file already.)
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
        "consent_grants": [
            g.model_dump(mode="json")
            for g in service.list_grants(conn, subject_id, now, active_only=True)
        ],
        "freeze": service.freeze_status(conn, subject_id, now).model_dump(mode="json"),
    }
