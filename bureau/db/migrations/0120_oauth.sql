-- Consent asked for by a lender (OAuth 2.0 authorization code + PKCE, issue 15).
--
-- A client is an organization with the `user` role; the operator registers where the bureau
-- may send its subjects back (exact URIs; loopback ones match on any port, RFC 8252 §7.3).
CREATE TABLE org_redirect_uris (
    org_id      uuid NOT NULL REFERENCES organizations,
    uri         text NOT NULL CHECK (length(uri) <= 2000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, uri)
);

-- What the subject allowed in the portal, before the lender exchanged the code: a pending
-- grant. It becomes a row of consent_grants (same grant_id, its signed receipt) only when the
-- code is exchanged; until then no pull and no lender listing can see it. Only SHA-256 of the
-- code is kept. status: pending -> exchanged, or void (failed exchange; an expired code is
-- void when read).
CREATE TABLE oauth_authorizations (
    subject_id        uuid NOT NULL REFERENCES subjects,
    grant_id          uuid NOT NULL UNIQUE,
    client_id         uuid NOT NULL REFERENCES organizations,
    redirect_uri      text NOT NULL,
    purpose           text NOT NULL,
    scope             text NOT NULL CHECK (scope IN ('full','score')),
    valid_from        timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL CHECK (expires_at > valid_from),
    max_uses          integer CHECK (max_uses > 0),
    code_hash         bytea NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    code_challenge    text NOT NULL,
    code_expires_at   timestamptz NOT NULL,
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','exchanged','void')),
    created_at        timestamptz NOT NULL,
    settled_at        timestamptz,
    PRIMARY KEY (subject_id, grant_id)
);
CREATE INDEX oauth_authorizations_subject ON oauth_authorizations (subject_id, created_at DESC);

-- The access token a code is exchanged for: it names one grant and dies with it (the pull
-- checks the grant itself; the token's expiry is the grant's). Only its SHA-256 is kept.
CREATE TABLE grant_tokens (
    token_hash  bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    grant_id    uuid NOT NULL UNIQUE REFERENCES consent_grants (grant_id),
    org_id      uuid NOT NULL REFERENCES organizations,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL
);

-- GET /v1/grants: one organization's grants, newest first, by cursor.
CREATE INDEX consent_grants_requester_listing
    ON consent_grants (requester_org_id, created_at DESC, grant_id DESC);
-- The webhook scheduler's scan for grants that just expired.
CREATE INDEX consent_grants_expiry ON consent_grants (expires_at) WHERE revoked_at IS NULL;
