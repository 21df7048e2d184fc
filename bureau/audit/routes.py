"""The access log over HTTP: a subject's entries with inclusion proofs; auditors' proofs.

Auditors get signed tree heads and consistency proofs — enough to check that the log only grows
— and leaf hashes with inclusion proofs, but never the entries' contents, which name subjects.
Every reader is served the newest published head while it serves (`bureau.audit.publication`),
so reads do not each sign one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from bureau.api.contract import refuses
from bureau.api.deps import AuditorKey, SettingsDep, SignerDep, Subject, Tx
from bureau.audit import publication, repo, tree
from bureau.audit.access_log import subject_log
from bureau.audit.errors import LogTampered, NotCoveredYet
from bureau.audit.schemas import Consistency, Inclusion, MyAccessLog, TreeHead
from bureau.errors import InvalidInput, NotFound
from bureau.pagination import Cursor, decode_key, page_of
from bureau.signing import b64url

router = APIRouter(tags=["access log"])

MAX_INDEX = 2**62
"""Bounds of a tree size or leaf index (a PostgreSQL bigint, with room for +1)."""
TreeSize = Annotated[int, Path(ge=0, le=MAX_INDEX)]


@router.get(
    "/v1/me/access-log",
    response_model=MyAccessLog,
    openapi_extra=refuses(LogTampered),
    summary="Every access to my file, each with an inclusion proof",
)
def my_access_log(
    subject: Subject,
    conn: Tx,
    key: SignerDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[
        int | None,
        Query(ge=0, le=MAX_INDEX, description="only entries below this leaf index (or: `cursor`)"),
    ] = None,
    cursor: Cursor = None,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    key_before = decode_key(cursor, (int,))
    if key_before is not None:
        before = int(key_before[0])
    body = subject_log(conn, key, subject.subject_id, now, limit + 1, before,
                       interval=settings.tree_head_interval)  # fmt: skip
    page = page_of(body["entries"], limit, lambda e: (int(e["leaf_index"]),))
    body["entries"] = page.items
    body["page"] = {"next_cursor": page.next_cursor}
    return body


@router.get(
    "/v1/audit/tree-head",
    response_model=TreeHead,
    openapi_extra=refuses(LogTampered),
    summary="The latest published signed tree head of the access log (at most one interval old "
    "when the log has grown)",
)
def tree_head(
    auditor: AuditorKey, conn: Tx, key: SignerDep, settings: SettingsDep
) -> dict[str, Any]:
    return tree.head_json(
        tree.current_head(conn, key, datetime.now(UTC), settings.tree_head_interval)
    )


@router.get(
    "/v1/audit/tree-heads/{tree_size}",
    response_model=TreeHead,
    summary="A signed tree head by size",
)
def tree_head_at(auditor: AuditorKey, conn: Tx, tree_size: TreeSize) -> dict[str, Any]:
    sth = tree.head_at(conn, tree_size)
    if sth is None:
        raise NotFound(f"no signed tree head of size {tree_size}", field="tree_size")
    return tree.head_json(sth)


@router.get(
    "/v1/audit/consistency",
    response_model=Consistency,
    summary="Proof that the log of size `first` is a prefix of the log of size `second`",
    openapi_extra=refuses((404, "not-found", "Not found"), LogTampered),
)
def consistency(
    auditor: AuditorKey,
    conn: Tx,
    key: SignerDep,
    settings: SettingsDep,
    first: Annotated[int, Query(ge=0, le=MAX_INDEX)],
    second: Annotated[
        int | None, Query(ge=0, le=MAX_INDEX, description="default: the latest head")
    ] = None,
) -> dict[str, Any]:
    target = (
        tree.current_head(conn, key, datetime.now(UTC), settings.tree_head_interval)
        if second is None
        else tree.head_at(conn, second)
    )
    if target is None:
        raise NotFound(f"no signed tree head of size {second}", field="second")
    if first > target.head.tree_size:
        raise InvalidInput("first must not exceed second", field="first")
    older = tree.head_at(conn, first)
    proof = tree.consistency_proof(conn, first, target.head.tree_size)
    return {
        "first": first,
        "second": target.head.tree_size,
        "first_root_hash": b64url(older.head.root_hash) if older else None,
        "second_tree_head": tree.head_json(target),
        "proof": [b64url(p) for p in proof],
    }


@router.get(
    "/v1/audit/inclusion/{leaf_index}",
    response_model=Inclusion,
    summary="A leaf's hash and its inclusion proof in a signed tree (no entry contents)",
    openapi_extra=refuses(NotCoveredYet, LogTampered),
)
def inclusion(
    auditor: AuditorKey,
    conn: Tx,
    key: SignerDep,
    settings: SettingsDep,
    leaf_index: Annotated[int, Path(ge=0, le=MAX_INDEX)],
    tree_size: Annotated[int | None, Query(ge=1, le=MAX_INDEX)] = None,
) -> dict[str, Any]:
    interval = settings.tree_head_interval
    if tree_size is None:
        target = tree.current_head(conn, key, datetime.now(UTC), interval)
        if target.head.tree_size <= leaf_index < repo.log_size(conn):
            due = publication.next_head_due(target.head, interval)
            raise NotCoveredYet(
                f"leaf {leaf_index} is logged but not yet covered by the newest signed tree head "
                f"(size {target.head.tree_size}); a head covering it is served from "
                f"{due.isoformat()}",
                field="leaf_index",
                tree_size=target.head.tree_size,
                covered_from=due.isoformat(),
            )
    else:
        found = tree.head_at(conn, tree_size)
        if found is None:
            raise NotFound(f"no signed tree head of size {tree_size}", field="tree_size")
        target = found
    if not 0 <= leaf_index < target.head.tree_size:
        raise NotFound(
            f"leaf {leaf_index} is not in the tree of size {target.head.tree_size}",
            field="leaf_index",
        )
    row = repo.entry(conn, leaf_index)
    assert row is not None, "every index below a signed size exists"
    proof = tree.inclusion_proofs(conn, [leaf_index], target.head.tree_size)[leaf_index]
    return {
        "leaf_index": leaf_index,
        "leaf_hash": b64url(bytes(row.leaf_hash)),
        "tree_head": tree.head_json(target),
        "inclusion_proof": [b64url(p) for p in proof],
    }
