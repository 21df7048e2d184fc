-- Disputes on the legal clock (issue 9): what the core schema lacks for the §611 workflow.

-- The dispute row carries the state machine's fields, so the deadline job and the inboxes can
-- select on them without replaying the event history.
ALTER TABLE disputes
    ADD COLUMN extended                    boolean NOT NULL DEFAULT false,  -- 30 -> 45 days
    ADD COLUMN forward_by                  date,         -- 5 business days from receipt
    ADD COLUMN completed_on                date,         -- reinvestigation completed
    ADD COLUMN has_statement               boolean NOT NULL DEFAULT false,
    ADD COLUMN recipients_notified_at      timestamptz,  -- §611(d) notices sent
    ADD COLUMN item_snapshot               jsonb,        -- the item as reported at filing (ACDV)
    ADD COLUMN prior_compliance_condition  text,         -- restored when the dispute closes
    ADD CONSTRAINT disputes_state_known CHECK (state IN
        ('received','frivolous','forwarded','answered','corrected','closed','reinserted')),
    ADD CONSTRAINT disputes_result_known CHECK (result IS NULL OR result IN
        ('verified','modified','deleted','not_theirs','deleted_unverified','frivolous'));

-- Furnisher routes name a dispute by its id alone (uuid4, unguessable).
CREATE UNIQUE INDEX disputes_id ON disputes (dispute_id);
-- One open dispute per item: a second one is refused with 409 naming the first.
CREATE UNIQUE INDEX disputes_one_open_per_item
    ON disputes (subject_id, item_kind, item_id) WHERE closed_at IS NULL;

-- Documents the subject sends with a dispute: name and content encrypted under the subject's
-- data key, so shredding the subject destroys them too.
CREATE TABLE dispute_documents (
    subject_id    uuid NOT NULL,
    dispute_id    uuid NOT NULL,
    document_id   uuid NOT NULL,
    filename_ct   bytea NOT NULL,
    content_type  text NOT NULL,
    content_ct    bytea NOT NULL,
    size_bytes    integer NOT NULL CHECK (size_bytes >= 0),
    key_version   integer NOT NULL,
    added_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_id, dispute_id, document_id),
    FOREIGN KEY (subject_id, dispute_id) REFERENCES disputes,
    FOREIGN KEY (subject_id, key_version) REFERENCES subject_keys
);

-- Statements are the subject's own words: encrypted like every other text of theirs.
ALTER TABLE statements
    ALTER COLUMN body DROP NOT NULL,
    ADD COLUMN body_ct      bytea,
    ADD COLUMN key_version  integer,
    ADD CONSTRAINT statements_has_body CHECK (body IS NOT NULL OR body_ct IS NOT NULL),
    ADD CONSTRAINT statements_key FOREIGN KEY (subject_id, key_version) REFERENCES subject_keys;
CREATE UNIQUE INDEX statements_one_current
    ON statements (subject_id, item_kind, item_id) WHERE withdrawn_at IS NULL;

-- An inquiry can be deleted by a dispute (not authorised) and, with certification, reinserted.
ALTER TABLE inquiries
    ADD COLUMN deleted_at      timestamptz,
    ADD COLUMN deleted_reason  text;

CREATE INDEX notices_dispute ON notices (subject_id, dispute_id) WHERE dispute_id IS NOT NULL;
