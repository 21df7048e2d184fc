"""Webhooks over HTTP: operators register endpoints; organizations read their deliveries."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter, status

from bureau.api.deps import AnyOrgKey, OperatorKey, SettingsDep, Tx, VaultDep
from bureau.errors import InvalidInput
from bureau.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    PageInfo,
    check_limit,
    decode_cursor,
    decode_key,
    key_of,
    page_of,
)
from bureau.webhooks import endpoints, repo
from bureau.webhooks.schemas import (
    Attempt,
    DeliveryOut,
    DeliveryPage,
    EndpointIn,
    EndpointList,
    NewEndpointOut,
    OrgNotices,
)

router = APIRouter(tags=["webhooks"])


def _now() -> datetime:
    return datetime.now(UTC)


@router.post(
    "/v1/operator/organizations/{org_id}/webhooks",
    response_model=NewEndpointOut,
    status_code=status.HTTP_201_CREATED,
    summary="Register a webhook endpoint (its signing secret is shown once)",
)
def register_webhook(
    org_id: UUID,
    body: EndpointIn,
    operator: OperatorKey,
    conn: Tx,
    settings: SettingsDep,
    vault: VaultDep,
) -> NewEndpointOut:
    view = endpoints.register(conn, vault, org_id, body.url, [str(t) for t in body.event_types],
                              settings.sandbox, _now(), by=operator.key_id)  # fmt: skip
    return NewEndpointOut(**view)


@router.get(
    "/v1/operator/organizations/{org_id}/webhooks",
    response_model=EndpointList,
    summary="The organization's webhook endpoints (never their secrets)",
)
def list_webhooks(org_id: UUID, operator: OperatorKey, conn: Tx) -> EndpointList:
    return EndpointList(endpoints=endpoints.listing(conn, org_id))


@router.delete(
    "/v1/operator/organizations/{org_id}/webhooks/{endpoint_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop delivering to an endpoint",
)
def remove_webhook(org_id: UUID, endpoint_id: UUID, operator: OperatorKey, conn: Tx) -> None:
    endpoints.remove(conn, org_id, endpoint_id, _now(), by=operator.key_id)


def _delivery(row: repo.DeliveryRow) -> DeliveryOut:
    state = ("delivered" if row.delivered_at else
             "failed" if row.given_up_at else "pending")  # fmt: skip
    return DeliveryOut(
        message_id=row.message_id, endpoint_id=row.endpoint_id,
        event_type=row.event_type, payload=row.payload, created_at=row.created_at,
        status=state, next_attempt_at=row.next_attempt_at,
        attempts=[Attempt(**a) for a in row.attempt_list],
    )  # fmt: skip


@router.get(
    "/v1/webhooks/deliveries",
    response_model=DeliveryPage,
    summary="This organization's webhook deliveries with their attempts, newest first",
)
def list_webhook_deliveries(
    principal: AnyOrgKey, conn: Tx, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> DeliveryPage:
    check_limit(limit)
    after = None
    if cursor:
        at, message_id = decode_cursor(cursor, 2)
        try:
            after = (datetime.fromisoformat(str(at)).isoformat(), str(message_id))
        except ValueError:
            raise InvalidInput("not a cursor this API returned", field="cursor") from None
    rows = repo.deliveries(conn, principal.org_id, after, limit + 1)
    page = page_of(rows, limit, lambda r: (r.created_at.isoformat(), r.message_id))
    return DeliveryPage(deliveries=[_delivery(r) for r in page.items],
                        page=PageInfo(next_cursor=page.next_cursor))  # fmt: skip


@router.get(
    "/v1/org/notices",
    response_model=OrgNotices,
    summary="Notices to this organization about its own account (e.g. an endpoint disabled)",
)
def org_notices(
    principal: AnyOrgKey, conn: Tx, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> OrgNotices:
    after = decode_key(cursor, (datetime, UUID))
    rows = repo.org_notices(conn, principal.org_id, after, limit + 1)
    page = page_of(rows, limit, lambda n: key_of(n.created_at, n.notice_id))
    return OrgNotices(notices=page.items,
                      page=PageInfo(next_cursor=page.next_cursor))  # fmt: skip
