-- The subject's portal: server-side sessions and the sign-in failure record.
--
-- Why server-side: a signed cookie cannot be taken back, so a copy made before sign-out stayed
-- valid until it expired. Now the cookie carries only a random session id; the row it names
-- decides, on every request, whether the session is still alive (not revoked, not idle too
-- long, not past its absolute end). Only SHA-256 of the id is stored, so a read of this table
-- (a backup, a replica) yields no usable cookie.
CREATE TABLE portal_sessions (
    subject_id     uuid NOT NULL,
    session_hash   bytea NOT NULL UNIQUE CHECK (length(session_hash) = 32),
    credential_id  text NOT NULL,          -- the credential signed in with; revoking it ends this
    created_at     timestamptz NOT NULL,
    last_seen_at   timestamptz NOT NULL,   -- idle expiry counts from here
    expires_at     timestamptz NOT NULL,   -- absolute end, whatever the activity
    revoked_at     timestamptz,            -- signed out
    PRIMARY KEY (subject_id, session_hash),
    FOREIGN KEY (subject_id, credential_id) REFERENCES subject_credentials (subject_id, credential_id),
    CHECK (created_at <= last_seen_at AND created_at < expires_at)
);

-- Failed sign-ins, one row each, counted per credential id and per client address over a
-- sliding window (the limits are settings: bureau/config.py PortalSettings). Kept in the
-- database, not in process memory, so every worker process sees the same count.
-- credential_id is the public id part of a well-formed `ffs_` token (known or not, so the
-- limit reveals nothing about which credentials exist); NULL for a malformed one.
CREATE TABLE portal_signin_failures (
    failure_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    failed_at       timestamptz NOT NULL,
    credential_id   text,
    client_address  text NOT NULL
);
CREATE INDEX portal_signin_failures_credential
    ON portal_signin_failures (credential_id, failed_at) WHERE credential_id IS NOT NULL;
CREATE INDEX portal_signin_failures_address ON portal_signin_failures (client_address, failed_at);
