-- Consent and the verifiable access log (issue 5): released reports, the Merkle tree's stored
-- nodes and its signed tree heads.

-- Every report released: what was sent to whom, under which grant, and its place in the log.
-- The report itself is not kept (it holds decrypted identity); its SHA-256 is, so a recipient's
-- copy can be matched, and the items it carried are, so past recipients can be told of
-- corrections (FCRA §611(d)).
CREATE TABLE reports (
    subject_id        uuid NOT NULL REFERENCES subjects,
    report_id         uuid NOT NULL,
    requester_org_id  uuid REFERENCES organizations,   -- NULL: compelled access to a court
    grant_id          uuid,
    purpose           text NOT NULL,
    scope             text NOT NULL CHECK (scope IN ('full','score')),
    inquiry_id        uuid NOT NULL,
    leaf_index        bigint NOT NULL REFERENCES audit_log,
    court_order_ref   text,
    tradeline_ids     uuid[] NOT NULL DEFAULT '{}',
    bankruptcy_ids    uuid[] NOT NULL DEFAULT '{}',
    digest            bytea NOT NULL,                  -- SHA-256 of the signed report (JWS)
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_id, report_id),
    FOREIGN KEY (subject_id, inquiry_id) REFERENCES inquiries,
    CHECK ((requester_org_id IS NULL) = (court_order_ref IS NOT NULL))
);
CREATE UNIQUE INDEX reports_id ON reports (report_id);
CREATE INDEX reports_requester ON reports (requester_org_id, created_at DESC);

-- Hashes of the aligned perfect subtrees of the log above the leaves: node (level, idx) covers
-- leaves [idx * 2^level, (idx + 1) * 2^level). They never change once the leaves exist, so any
-- proof needs only O(log n) indexed reads instead of rehashing the whole log.
CREATE TABLE audit_tree_nodes (
    level  smallint NOT NULL CHECK (level > 0 AND level < 64),
    idx    bigint NOT NULL CHECK (idx >= 0),
    hash   bytea NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
);

-- Signed tree heads (RFC 6962 §3.5): the bureau's signed statement of the log's size and root.
CREATE TABLE audit_tree_heads (
    tree_size   bigint PRIMARY KEY CHECK (tree_size >= 0),
    root_hash   bytea NOT NULL CHECK (length(root_hash) = 32),
    signed_at   timestamptz NOT NULL,
    key_id      text NOT NULL,
    signature   bytea NOT NULL
);

CREATE TRIGGER audit_tree_nodes_no_update BEFORE UPDATE OR DELETE ON audit_tree_nodes
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_tree_nodes_no_truncate BEFORE TRUNCATE ON audit_tree_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_tree_heads_no_update BEFORE UPDATE OR DELETE ON audit_tree_heads
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_tree_heads_no_truncate BEFORE TRUNCATE ON audit_tree_heads
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

-- Grants are listed per subject, newest first.
CREATE INDEX consent_grants_subject_recent ON consent_grants (subject_id, created_at DESC);
