-- Furnishing: every file or JSON batch a furnisher sent, so a resend is recognised and the
-- history of what arrived (and what was refused) can be shown to the furnisher and regulators.

CREATE TABLE furnish_batches (
    batch_id      uuid PRIMARY KEY,
    furnisher_id  uuid NOT NULL REFERENCES organizations,
    source        text NOT NULL CHECK (source IN ('metro2','json')),
    digest        bytea NOT NULL,          -- SHA-256 of the bytes received
    received_at   timestamptz NOT NULL DEFAULT now(),
    records       integer NOT NULL CHECK (records >= 0),
    accepted      integer NOT NULL CHECK (accepted >= 0),
    rejected      integer NOT NULL CHECK (rejected >= 0),
    summary       jsonb NOT NULL,          -- counts and the first problems (the full report goes back to the sender)
    UNIQUE (furnisher_id, digest)
);
