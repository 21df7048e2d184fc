-- Webhooks (issue 15): endpoints, the transactional outbox, attempts, and events emitted once.
CREATE TABLE webhook_endpoints (
    endpoint_id    uuid PRIMARY KEY,
    org_id         uuid NOT NULL REFERENCES organizations,
    url            text NOT NULL CHECK (length(url) <= 2000),
    event_types    text[] NOT NULL CHECK (cardinality(event_types) > 0),
    secret         text NOT NULL,              -- whsec_…: needed to sign, shown once at creation
    created_at     timestamptz NOT NULL,
    failing_since  timestamptz,                -- first failure since the last success
    disabled_at    timestamptz                 -- failing for 24 hours, or removed
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id) WHERE disabled_at IS NULL;

-- The outbox: one row per (event, endpoint), written in the transaction of the change that
-- caused it, so an event is never lost and never sent for a change that rolled back. The row's
-- message_id is the Standard Webhooks `webhook-id`: the same on every attempt (dedup by id).
CREATE TABLE webhook_deliveries (
    message_id       text PRIMARY KEY,
    endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints,
    org_id           uuid NOT NULL REFERENCES organizations,
    event_type       text NOT NULL,
    payload          jsonb NOT NULL,
    created_at       timestamptz NOT NULL,
    next_attempt_at  timestamptz,              -- NULL: settled (delivered, or given up)
    attempts         integer NOT NULL DEFAULT 0,
    delivered_at     timestamptz,
    given_up_at      timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_org ON webhook_deliveries (org_id, created_at DESC, message_id DESC);

CREATE TABLE webhook_attempts (
    message_id   text NOT NULL REFERENCES webhook_deliveries,
    attempt      integer NOT NULL CHECK (attempt > 0),
    at           timestamptz NOT NULL,
    status_code  integer,                      -- NULL: no answer (timeout, refused, unsafe)
    error        text,
    PRIMARY KEY (message_id, attempt)
);

-- Time-driven events (grant.expired, dispute.deadline) emitted once each, by key.
CREATE TABLE webhook_emitted (
    event_key   text PRIMARY KEY,
    emitted_at  timestamptz NOT NULL
);

-- Notices to an organization about its own account (an endpoint disabled); the subject-bound
-- `notices` table needs a subject.
CREATE TABLE org_notices (
    org_id      uuid NOT NULL REFERENCES organizations,
    notice_id   uuid NOT NULL,
    kind        text NOT NULL,
    body        jsonb NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (org_id, notice_id)
);
