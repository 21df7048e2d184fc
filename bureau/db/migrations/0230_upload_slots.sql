-- Uploads in progress, per furnisher, shared by every worker process (bureau.furnishing.upload_slots.py).
-- A row is a lease: taken in a short transaction before the body is received, renewed while the
-- upload runs, deleted when it ends. A process that dies leaves its rows to expire. UNLOGGED:
-- after a crash no upload is in progress anyway.
CREATE UNLOGGED TABLE upload_slots (
    org_id      uuid NOT NULL,
    holder      uuid NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (org_id, holder)
);
