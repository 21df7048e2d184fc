"""Operator endpoints: create organizations, issue and revoke keys, enrol subjects."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID, uuid4

import psycopg
from fastapi import APIRouter, Path, status

from bureau import events
from bureau.api.contract import refuses
from bureau.api.deps import AnyOrgKey, OperatorKey, Tx, VaultDep
from bureau.auth import repo
from bureau.auth.service import issue_api_key, issue_subject_token
from bureau.errors import Conflict, InvalidInput, NotFound
from bureau.orgs import repo as orgs_repo
from bureau.orgs.schemas import (
    EnrolmentIn,
    EnrolmentOut,
    KeyIn,
    KeyOut,
    OrganizationIn,
    OrganizationOut,
    OrganizationPage,
    WhoAmI,
)
from bureau.pagination import DEFAULT_LIMIT, Cursor, Limit, PageInfo, decode_key, key_of, page_of
from bureau.subjects.enrolment import IdentityClaim, enrol
from bureau.subjects.errors import FileClosed

router = APIRouter(tags=["operator"])

SCOPE_OF_ROLE = {"furnisher": "furnish", "user": "pull", "operator": "operator",
                 "auditor": "auditor"}  # fmt: skip
"""The one scope each organization role allows its keys."""

KeyId = Annotated[str, Path(pattern="^[0-9a-f]{16}$", description="the key's public id")]


class FurnisherCodeTaken(Conflict):
    type = "furnisher-code-taken"
    title = "Another organization already has this Metro 2 identification number"


class LastOperatorKey(Conflict):
    type = "last-operator-key"
    title = "The bureau's last operator key cannot be revoked"


@router.get("/v1/whoami", response_model=WhoAmI, summary="The organization behind this key")
def whoami(principal: AnyOrgKey) -> WhoAmI:
    return WhoAmI(
        org_id=principal.org_id,
        name=principal.name,
        key_id=principal.key_id,
        scopes=sorted(principal.scopes),
        roles=sorted(principal.roles),
    )


@router.post(
    "/v1/operator/organizations",
    response_model=OrganizationOut,
    status_code=status.HTTP_201_CREATED,
    summary="Register a furnisher, user, operator or auditor",
    openapi_extra=refuses(FurnisherCodeTaken),
)
def create_organization(body: OrganizationIn, operator: OperatorKey, conn: Tx) -> OrganizationOut:
    if "furnisher" in body.roles and not body.furnisher_code:
        raise InvalidInput(
            "a furnisher needs its Metro 2 identification number", field="furnisher_code"
        )
    org_id = uuid4()
    try:
        with conn.transaction():  # a savepoint: the duplicate is refused, nothing half-stored
            repo.insert_organization(conn, org_id, body.name, list(body.roles),
                                     body.furnisher_code, body.address, body.phone)  # fmt: skip
    except psycopg.errors.UniqueViolation:
        raise FurnisherCodeTaken(
            f"another organization already furnishes as {body.furnisher_code}",
            field="furnisher_code",
        ) from None
    events.publish(conn, events.OrganizationCreated(org_id=org_id, by=operator.key_id))
    return OrganizationOut(org_id=org_id, **body.model_dump())


@router.get(
    "/v1/operator/organizations",
    response_model=OrganizationPage,
    summary="Every organization the bureau knows, newest first",
)
def list_organizations(
    operator: OperatorKey, conn: Tx, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> OrganizationPage:
    after = decode_key(cursor, (datetime, UUID))
    rows = orgs_repo.organizations_page(conn, after, limit + 1)
    page = page_of(rows, limit, lambda r: key_of(r.created_at, r.org_id))
    return OrganizationPage(organizations=page.items, page=PageInfo(next_cursor=page.next_cursor))


@router.post(
    "/v1/operator/organizations/{org_id}/keys",
    response_model=KeyOut,
    status_code=status.HTTP_201_CREATED,
    summary="Issue an API key with scopes (shown once)",
)
def create_key(org_id: UUID, body: KeyIn, operator: OperatorKey, conn: Tx) -> KeyOut:
    org = repo.organization(conn, org_id)
    if org is None:
        raise NotFound(f"no organization {org_id}", field="org_id")
    allowed = {SCOPE_OF_ROLE[role] for role in org.roles if role in SCOPE_OF_ROLE}
    beyond = sorted(set(body.scopes) - allowed)
    if beyond:
        raise InvalidInput(
            f"scopes {beyond} are beyond this organization's roles {sorted(org.roles)} "
            f"(allowed: {sorted(allowed)})",
            field="scopes",
        )
    token = issue_api_key(conn, org_id, list(body.scopes), body.label)
    events.publish(conn, events.ApiKeyIssued(org_id=org_id, key_id=token.token_id,
                                             scopes=sorted(body.scopes), by=operator.key_id))  # fmt: skip
    return KeyOut(key_id=token.token_id, key=str(token), scopes=sorted(set(body.scopes)))


@router.delete(
    "/v1/operator/keys/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API key at once",
    openapi_extra=refuses(LastOperatorKey),
)
def revoke_key(key_id: KeyId, operator: OperatorKey, conn: Tx) -> None:
    if repo.active_operator_keys(conn) == [key_id]:
        raise LastOperatorKey(
            "this is the last operator key: issue another operator key before revoking it",
            field="key_id",
        )
    if not repo.revoke_api_key(conn, key_id):
        raise NotFound(f"no active key {key_id}", field="key_id")
    events.publish(conn, events.ApiKeyRevoked(key_id=key_id, by=operator.key_id))


@router.post(
    "/v1/operator/subjects",
    response_model=EnrolmentOut,
    status_code=status.HTTP_201_CREATED,
    summary="Enrol a person (matched to an existing file if already known)",
    openapi_extra=refuses(FileClosed),
)
def enrol_subject(
    body: EnrolmentIn, operator: OperatorKey, conn: Tx, vault: VaultDep
) -> EnrolmentOut:
    if body.dob >= date.today():
        raise InvalidInput("date of birth must be in the past", field="dob")
    claim = IdentityClaim(body.name, body.national_id, body.dob, body.addresses, body.phones)
    subject_id, created = enrol(conn, vault, claim)
    token = issue_subject_token(conn, subject_id)
    events.publish(conn, events.SubjectEnrolled(subject_id=subject_id, created=created,
                                                credential_id=token.token_id, by=operator.key_id))  # fmt: skip
    return EnrolmentOut(subject_id=subject_id, created=created, token=str(token))
