-- fairfile core schema: the credit file and everything the subject's rights act on.
--
-- Conventions
--   * Every subject-scoped table has subject_id as the first column of its primary key, so a
--     deployment can distribute by subject (Citus) without rewriting keys.
--   * Identity data (names, national ids, dates of birth, addresses, phones) never appears in
--     plaintext: *_ct columns hold AES-256-GCM ciphertext under the subject's data key, and
--     *_bidx columns hold HMAC-SHA256 blind indexes used for matching.
--   * Money is whole dollars in bigint, as Metro 2 reports it. Never floating point.
--   * Timestamps are timestamptz (UTC); business dates are date.

-- Organizations: furnishers (send data), users (pull reports), the operator and auditors. --------
CREATE TABLE organizations (
    org_id          uuid PRIMARY KEY,
    name            text NOT NULL,
    roles           text[] NOT NULL CHECK (roles <@ ARRAY['furnisher','user','operator','auditor']
                                           AND cardinality(roles) > 0),
    furnisher_code  text UNIQUE,          -- Metro 2 Identification Number (base segment 21-40)
    address         text,
    phone           text,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    key_id        text PRIMARY KEY,        -- the public part of the key, shown in logs
    org_id        uuid NOT NULL REFERENCES organizations,
    secret_hash   bytea NOT NULL,          -- SHA-256 of the whole key; the key itself is never stored
    scopes        text[] NOT NULL CHECK (scopes <@ ARRAY['furnish','pull','operator','auditor']
                                         AND cardinality(scopes) > 0),
    label         text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    last_used_at  timestamptz
);
CREATE INDEX api_keys_org ON api_keys (org_id);

-- Subjects and their vault. ---------------------------------------------------------------------
CREATE TABLE subjects (
    subject_id   uuid PRIMARY KEY,
    status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active','closed','shredded')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    closed_at    timestamptz,
    shredded_at  timestamptz
);

-- Per-subject data keys, wrapped (RFC 3394) by a master key identified by kek_id. Destroying
-- the wrapped keys of a subject makes every ciphertext of that subject unrecoverable.
CREATE TABLE subject_keys (
    subject_id    uuid NOT NULL REFERENCES subjects,
    key_version   integer NOT NULL CHECK (key_version > 0),
    kek_id        text NOT NULL,
    wrapped_key   bytea,                   -- NULL once destroyed (crypto-shredding)
    created_at    timestamptz NOT NULL DEFAULT now(),
    destroyed_at  timestamptz,
    PRIMARY KEY (subject_id, key_version),
    CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL))
);

-- Identity facts, one row per reported value: name, national_id, dob, address, phone.
CREATE TABLE subject_identities (
    subject_id     uuid NOT NULL REFERENCES subjects,
    identity_id    uuid NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('name','national_id','dob','address','phone')),
    value_ct       bytea NOT NULL,
    key_version    integer NOT NULL,       -- which data key of the subject encrypted value_ct
    value_bidx     bytea NOT NULL,         -- blind index of the normalised value
    source_org_id  uuid REFERENCES organizations,  -- NULL: given by the subject at enrolment
    is_current     boolean NOT NULL DEFAULT true,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_id, identity_id),
    FOREIGN KEY (subject_id, key_version) REFERENCES subject_keys,
    UNIQUE (subject_id, kind, value_bidx)
);
-- Matching: which subjects hold this blind index (national id + dob first, then name/address).
CREATE INDEX subject_identities_match ON subject_identities (kind, value_bidx);

-- Consumer credentials (portal login / API token), stored hashed like API keys.
CREATE TABLE subject_credentials (
    subject_id     uuid NOT NULL REFERENCES subjects,
    credential_id  text NOT NULL UNIQUE,
    secret_hash    bytea NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    revoked_at     timestamptz,
    last_used_at   timestamptz,
    PRIMARY KEY (subject_id, credential_id)
);

-- Tradelines: one account at one furnisher (collections included: account types 48, 0C, 77). ----
CREATE TABLE tradelines (
    subject_id                 uuid NOT NULL REFERENCES subjects,
    tradeline_id               uuid NOT NULL,
    furnisher_id               uuid NOT NULL REFERENCES organizations,
    account_ref                bytea NOT NULL,  -- blind index of (furnisher, account number)
    account_number_ct          bytea NOT NULL,  -- the account number, encrypted
    key_version                integer NOT NULL,
    portfolio_type             text NOT NULL CHECK (portfolio_type IN ('C','I','M','O','R')),
    account_type               text NOT NULL CHECK (length(account_type) = 2),
    ecoa_code                  text NOT NULL CHECK (length(ecoa_code) = 1),
    date_opened                date NOT NULL,
    date_closed                date,
    date_last_payment          date,
    date_first_delinquency     date,
    date_account_information   date NOT NULL,
    credit_limit               bigint CHECK (credit_limit >= 0),
    highest_credit             bigint CHECK (highest_credit >= 0),
    terms_duration             text,
    terms_frequency            text,
    scheduled_payment          bigint CHECK (scheduled_payment >= 0),
    actual_payment             bigint CHECK (actual_payment >= 0),
    account_status             text NOT NULL CHECK (length(account_status) = 2),
    payment_rating             text CHECK (length(payment_rating) = 1),
    payment_history            text NOT NULL DEFAULT repeat('B', 24) CHECK (length(payment_history) = 24),
    special_comment            text,
    compliance_condition       text,
    current_balance            bigint NOT NULL DEFAULT 0 CHECK (current_balance >= 0),
    amount_past_due            bigint NOT NULL DEFAULT 0 CHECK (amount_past_due >= 0),
    original_charge_off        bigint NOT NULL DEFAULT 0 CHECK (original_charge_off >= 0),
    consumer_info_indicator    text,
    interest_type              text,
    original_creditor          text,       -- K1 segment: collections and debt buyers
    creditor_classification    text,
    is_collection              boolean GENERATED ALWAYS AS (account_type IN ('48','0C','77')) STORED,
    deleted_at                 timestamptz, -- removed by a dispute or a DA/DF record; kept for reinsertion rules
    deleted_reason             text,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_id, tradeline_id),
    UNIQUE (subject_id, furnisher_id, account_ref),
    FOREIGN KEY (subject_id, key_version) REFERENCES subject_keys
);
CREATE INDEX tradelines_account ON tradelines (furnisher_id, account_ref);

-- Every value a furnisher reported for an account, per reporting period: needed to answer
-- disputes ("what did you say, and when") and to tell past recipients about corrections.
CREATE TABLE tradeline_reports (
    subject_id                 uuid NOT NULL,
    tradeline_id               uuid NOT NULL,
    date_account_information   date NOT NULL,
    revision                   integer NOT NULL DEFAULT 1,
    source                     text NOT NULL CHECK (source IN ('metro2','json','sandbox','dispute','operator')),
    batch_id                   uuid,
    reported                   jsonb NOT NULL,
    received_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_id, tradeline_id, date_account_information, revision),
    FOREIGN KEY (subject_id, tradeline_id) REFERENCES tradelines
);

CREATE VIEW collections AS
    SELECT * FROM tradelines WHERE is_collection;

-- Bankruptcy: the only public record admitted. ----------------------------------------------------
CREATE TABLE bankruptcies (
    subject_id        uuid NOT NULL REFERENCES subjects,
    bankruptcy_id     uuid NOT NULL,
    chapter           text NOT NULL CHECK (chapter IN ('7','11','12','13')),
    court             text NOT NULL,
    case_number       text NOT NULL,
    date_filed        date NOT NULL,       -- order for relief in a voluntary case: starts the clock
    disposition       text NOT NULL CHECK (disposition IN ('filed','discharged','dismissed','withdrawn')),
    date_disposition  date,
    reported_by       uuid REFERENCES organizations,
    created_at        timestamptz NOT NULL DEFAULT now(),
    deleted_at        timestamptz,
    PRIMARY KEY (subject_id, bankruptcy_id)
);

-- Reports released and inquiries (every pull, and the subject's own access). ---------------------
CREATE TABLE inquiries (
    subject_id        uuid NOT NULL REFERENCES subjects,
    inquiry_id        uuid NOT NULL,
    requester_org_id  uuid REFERENCES organizations,   -- NULL: the subject's own access
    purpose           text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('hard','soft')),
    grant_id          uuid,
    report_id         uuid,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_id, inquiry_id)
);
CREATE INDEX inquiries_recent ON inquiries (subject_id, created_at DESC);
CREATE INDEX inquiries_requester ON inquiries (requester_org_id, created_at DESC);

-- Consent, freezes, fraud alerts. ------------------------------------------------------------------
CREATE TABLE consent_grants (
    subject_id        uuid NOT NULL REFERENCES subjects,
    grant_id          uuid NOT NULL,
    requester_org_id  uuid NOT NULL REFERENCES organizations,
    purpose           text NOT NULL,
    scope             text NOT NULL CHECK (scope IN ('full','score')),
    valid_from        timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL CHECK (expires_at > valid_from),
    max_uses          integer CHECK (max_uses > 0),   -- NULL: recurring within the window
    uses              integer NOT NULL DEFAULT 0 CHECK (uses >= 0),
    receipt           text,                          -- signed receipt, verifiable offline
    created_at        timestamptz NOT NULL DEFAULT now(),
    revoked_at        timestamptz,
    PRIMARY KEY (subject_id, grant_id),
    CHECK (max_uses IS NULL OR uses <= max_uses)
);
CREATE UNIQUE INDEX consent_grants_id ON consent_grants (grant_id);
CREATE INDEX consent_grants_requester ON consent_grants (requester_org_id, subject_id);

CREATE TABLE freezes (
    subject_id  uuid NOT NULL REFERENCES subjects,
    freeze_id   uuid NOT NULL,
    placed_at   timestamptz NOT NULL DEFAULT now(),
    lifted_at   timestamptz,
    PRIMARY KEY (subject_id, freeze_id)
);
CREATE UNIQUE INDEX freezes_one_active ON freezes (subject_id) WHERE lifted_at IS NULL;

-- A temporary lift: for one requester, for a time window, or both.
CREATE TABLE freeze_thaws (
    subject_id        uuid NOT NULL REFERENCES subjects,
    thaw_id           uuid NOT NULL,
    freeze_id         uuid NOT NULL,
    requester_org_id  uuid REFERENCES organizations,
    starts_at         timestamptz NOT NULL,
    ends_at           timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    cancelled_at      timestamptz,
    PRIMARY KEY (subject_id, thaw_id),
    FOREIGN KEY (subject_id, freeze_id) REFERENCES freezes,
    CHECK (ends_at IS NULL OR ends_at > starts_at)
);

CREATE TABLE fraud_alerts (
    subject_id   uuid NOT NULL REFERENCES subjects,
    alert_id     uuid NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('initial','extended','active_duty')),
    contact_ct   bytea,                   -- the subject's chosen contact, encrypted
    key_version  integer,
    placed_at    timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    removed_at   timestamptz,
    PRIMARY KEY (subject_id, alert_id),
    FOREIGN KEY (subject_id, key_version) REFERENCES subject_keys
);

-- Disputes, their event history, statements. -------------------------------------------------------
CREATE TABLE disputes (
    subject_id       uuid NOT NULL REFERENCES subjects,
    dispute_id       uuid NOT NULL,
    item_kind        text NOT NULL CHECK (item_kind IN ('tradeline','bankruptcy','inquiry','identity')),
    item_id          uuid NOT NULL,
    field            text,                   -- the disputed field, NULL for the whole item
    furnisher_id     uuid REFERENCES organizations,
    reason_code      text NOT NULL,
    description_ct   bytea,                  -- the subject's free text, encrypted
    key_version      integer,
    direct           boolean NOT NULL DEFAULT false,  -- filed with the furnisher directly
    state            text NOT NULL,
    received_at      timestamptz NOT NULL,
    due_at           date NOT NULL,
    result           text,
    closed_at        timestamptz,
    PRIMARY KEY (subject_id, dispute_id),
    FOREIGN KEY (subject_id, key_version) REFERENCES subject_keys
);
CREATE INDEX disputes_open_due ON disputes (due_at) WHERE closed_at IS NULL;
CREATE INDEX disputes_furnisher_open ON disputes (furnisher_id) WHERE closed_at IS NULL;

CREATE TABLE dispute_events (
    subject_id   uuid NOT NULL,
    dispute_id   uuid NOT NULL,
    seq          integer NOT NULL,
    kind         text NOT NULL,
    actor        text NOT NULL,              -- 'subject', 'bureau', 'furnisher:<org_id>', 'system'
    detail       jsonb NOT NULL DEFAULT '{}'::jsonb,
    at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_id, dispute_id, seq),
    FOREIGN KEY (subject_id, dispute_id) REFERENCES disputes
);

CREATE TABLE statements (
    subject_id    uuid NOT NULL REFERENCES subjects,
    statement_id  uuid NOT NULL,
    item_kind     text NOT NULL,
    item_id       uuid NOT NULL,
    dispute_id    uuid,
    body          text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    withdrawn_at  timestamptz,
    PRIMARY KEY (subject_id, statement_id)
);

-- Notices: adverse action, dispute results, frivolous, reinsertion, corrections to recipients. --
CREATE TABLE notices (
    subject_id        uuid NOT NULL REFERENCES subjects,
    notice_id         uuid NOT NULL,
    kind              text NOT NULL,
    recipient_org_id  uuid REFERENCES organizations,   -- NULL: addressed to the subject
    dispute_id        uuid,
    report_id         uuid,
    body              jsonb NOT NULL,
    due_by            date,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_id, notice_id)
);
CREATE INDEX notices_recipient ON notices (recipient_org_id, created_at DESC) WHERE recipient_org_id IS NOT NULL;

-- The access log: append-only; leaf_index is contiguous so it can back a Merkle tree. -------------
CREATE TABLE audit_log (
    leaf_index   bigint PRIMARY KEY CHECK (leaf_index >= 0),
    subject_id   uuid,                       -- NULL for events about no single subject
    event        text NOT NULL,
    entry        jsonb NOT NULL,             -- the canonical entry the leaf hash covers
    leaf_hash    bytea NOT NULL,             -- SHA-256(0x00 || canonical entry), RFC 6962
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_subject ON audit_log (subject_id, leaf_index) WHERE subject_id IS NOT NULL;

-- One row: the next leaf index. Appending locks it, so indexes stay gap-free under concurrency.
CREATE TABLE audit_log_head (
    one          boolean PRIMARY KEY DEFAULT true CHECK (one),
    next_index   bigint NOT NULL
);
INSERT INTO audit_log_head (next_index) VALUES (0);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

-- Sandbox seeding marker: which seed and as-of date the data came from. --------------------------
CREATE TABLE sandbox_seeds (
    seed        integer NOT NULL,
    as_of       date NOT NULL,
    seeded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (seed, as_of)
);
