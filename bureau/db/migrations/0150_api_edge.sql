-- The API's edge (issue 17, safe retries and operability): rate-limit counters, stored responses
-- to Idempotency-Key requests, and released reports kept (encrypted) for re-delivery.

-- Fixed-window request counters shared by every worker (bureau/api/rate_limits_repo.py).
-- UNLOGGED: no WAL per request; a crash resets at most one window's counts.
CREATE UNLOGGED TABLE rate_limit_hits (
    bucket        text NOT NULL,                 -- 'key:<sha256 prefix>' or 'address:<ip>'
    window_start  timestamptz NOT NULL,
    hits          integer NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limit_hits_window ON rate_limit_hits (window_start);

-- One row per (credential, Idempotency-Key): the request's fingerprint and the response it got
-- (bureau/api/idempotency_store.py). The body is encrypted: under the subject's data key when
-- it concerns a subject (so shredding the file's keys makes it noise), otherwise under a key
-- derived from the key file (a new org key's secret is in its response). A pull's answer is not
-- stored twice: the record names the report, whose signed copy `report_copies` already keeps
-- under the subject's key (kept at least as long: FAIRFILE_REPORT_COPY_HOURS >= the window).
CREATE TABLE idempotency_records (
    owner         bytea NOT NULL CHECK (length(owner) = 32),   -- SHA-256 of the credential
    idem_key      text NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 255),
    route         text NOT NULL,                 -- the route template, e.g. /v1/reports
    fingerprint   bytea NOT NULL CHECK (length(fingerprint) = 32),
    status        smallint NOT NULL,
    media_type    text NOT NULL,
    sealed_for    uuid,                          -- the subject whose data key seals the body
    key_version   integer,                       -- that subject's data key (NULL: derived key)
    body_ct       bytea,                         -- NULL: the body is the report copy below
    report_id     uuid,                          -- a pull's answer: its kept copy (report_copies)
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (owner, idem_key),
    CHECK ((sealed_for IS NULL) = (key_version IS NULL)),
    CHECK ((body_ct IS NULL) = (report_id IS NOT NULL))
);
-- Keyed by credential, not by subject (so not distributed by subject): `sealed_for` only names
-- whose key the body is under, so a closed file's answers are not replayed and a shredded
-- file's are deleted.
CREATE INDEX idempotency_records_expiry ON idempotency_records (expires_at);
CREATE INDEX idempotency_records_sealed_for ON idempotency_records (sealed_for)
    WHERE sealed_for IS NOT NULL;

-- A released report's signed body, encrypted under the subject's data key, for
-- GET /v1/reports/{report_id} until held_until (bureau/reports/copies.py). The response's other
-- members (report id, log entry) are in `reports`; the JWS carries the report's exact bytes.
CREATE TABLE report_copies (
    subject_id    uuid NOT NULL,
    report_id     uuid NOT NULL,
    key_version   integer NOT NULL,
    jws_ct        bytea NOT NULL,
    held_until    timestamptz NOT NULL,
    PRIMARY KEY (subject_id, report_id),
    FOREIGN KEY (subject_id, report_id) REFERENCES reports ON DELETE CASCADE
);
CREATE UNIQUE INDEX report_copies_id ON report_copies (report_id);
CREATE INDEX report_copies_expiry ON report_copies (held_until);

-- A stored response is put under the data key of the subject whose row the request created,
-- found by that row's id alone (bureau/api/idempotency_store.py SUBJECT_OF).
CREATE INDEX freeze_thaws_id ON freeze_thaws (thaw_id);
CREATE INDEX fraud_alerts_id ON fraud_alerts (alert_id);
CREATE INDEX notices_id ON notices (notice_id);
