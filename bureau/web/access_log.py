"""Who looked at my file: the access log, each entry's proof checked here and shown as verified."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from bureau.api.deps import SettingsDep, SignerDep, Tx
from bureau.audit.own_log import checked_subject_log
from bureau.orgs import repo as orgs_repo
from bureau.web import wording
from bureau.web.deps import PortalVisitor
from bureau.web.render import page

router = APIRouter()


PAGE_SIZE = 100


@router.get("/access-log")
def access_log(
    request: Request,
    visitor: PortalVisitor,
    conn: Tx,
    key: SignerDep,
    settings: SettingsDep,
    before: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    checked = checked_subject_log(
        conn,
        key,
        visitor.principal.subject_id,
        datetime.now(UTC),
        PAGE_SIZE,
        before=before,
        interval=settings.tree_head_interval,
    )
    older = checked.entries[-1].leaf_index if len(checked.entries) == PAGE_SIZE else None
    names = orgs_repo.names(conn)
    rows = [
        (e, wording.event_words(e.event, e.entry, names), e.entry.get("purpose"))
        for e in checked.entries
    ]
    return page(
        request, "access_log.html", visitor=visitor, current="access-log", log=checked, rows=rows,
        older=older,
    )  # fmt: skip
