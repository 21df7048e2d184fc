"""Authenticating credentials and issuing new ones (no HTTP here).

A revoked key, an unknown key and a malformed key all give the same answer, so a caller learns
nothing about which keys exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg

from bureau.auth import repo
from bureau.auth.tokens import ORG_KEY, SUBJECT_TOKEN, Token, matches, new_token, parse_token
from bureau.db.batch import Batch
from bureau.errors import Forbidden, InvalidInput, Unauthenticated, WrongCredential
from bureau.subjects.errors import FileShredded

SCOPES = frozenset({"furnish", "pull", "operator", "auditor"})


@dataclass(frozen=True)
class OrgPrincipal:
    org_id: UUID
    key_id: str
    name: str
    scopes: frozenset[str]
    roles: frozenset[str]

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise Forbidden(f"this key lacks the '{scope}' scope", field="authorization")


@dataclass(frozen=True)
class SubjectPrincipal:
    subject_id: UUID
    credential_id: str


def authenticate_org(presented: str) -> Batch[OrgPrincipal]:
    """The organization behind a presented API key, as a read for `bureau.db.batch.run` (the
    API's sync routes) or `run_async` (report pulls): one source for both."""
    token = parse_token(presented, ORG_KEY)
    if token is None and parse_token(presented, SUBJECT_TOKEN) is not None:
        raise WrongCredential(
            "this operation needs an organization's API key (ffk_...), not a subject token",
            field="authorization",
        )
    if token is None:
        return Batch([], lambda _: _org_principal(None, None))
    return repo.api_key(token.token_id).then(lambda row: _org_principal(token, row))


def _org_principal(token: Token | None, row: repo.ApiKeyRow | None) -> OrgPrincipal:
    """The principal for a presented key and its row, or the one answer for every failure."""
    if token is None or row is None or row.revoked_at is not None:
        raise Unauthenticated("unknown or revoked API key", field="authorization")
    if not matches(token, bytes(row.secret_hash)):
        raise Unauthenticated("unknown or revoked API key", field="authorization")
    return OrgPrincipal(
        org_id=row.org_id,
        key_id=row.key_id,
        name=row.name,
        scopes=frozenset(row.scopes),
        roles=frozenset(row.roles),
    )


def authenticate_subject(conn: psycopg.Connection[Any], presented: str) -> SubjectPrincipal:
    token = parse_token(presented, SUBJECT_TOKEN)
    if token is None and parse_token(presented, ORG_KEY) is not None:
        raise WrongCredential(
            "this operation needs the subject's own token (ffs_...), not an organization's API key",
            field="authorization",
        )
    row = repo.subject_credential(conn, token.token_id) if token else None
    if (
        token is None
        or row is None
        or row.revoked_at is not None
        or not matches(token, bytes(row.secret_hash))
    ):
        raise Unauthenticated("unknown or revoked subject token", field="authorization")
    if row.status == "shredded":
        # Said only to the holder of a valid token: the file is gone, not the credential wrong.
        # A closed file still lets the subject in, to read their disclosure or reopen it.
        raise FileShredded("your file was erased at your request", field="authorization")
    return SubjectPrincipal(subject_id=row.subject_id, credential_id=row.credential_id)


def issue_api_key(
    conn: psycopg.Connection[Any],
    org_id: UUID,
    scopes: list[str],
    label: str = "",
    token: Token | None = None,
) -> Token:
    """A new key for the organization; the caller shows it once, only its hash is kept."""
    unknown = sorted(set(scopes) - SCOPES)
    if unknown or not scopes:
        raise InvalidInput(
            f"scopes must be a non-empty subset of {sorted(SCOPES)}; unknown: {unknown}",
            field="scopes",
        )
    token = token or new_token(ORG_KEY)
    repo.insert_api_key(conn, token.token_id, org_id, token.digest, sorted(set(scopes)), label)
    return token


def issue_subject_token(
    conn: psycopg.Connection[Any], subject_id: UUID, token: Token | None = None
) -> Token:
    token = token or new_token(SUBJECT_TOKEN)
    repo.insert_subject_credential(conn, subject_id, token.token_id, token.digest)
    return token
