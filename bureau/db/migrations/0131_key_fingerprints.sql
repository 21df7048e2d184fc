-- Which keys this database's data is under (issue 16): a fingerprint of the key file's
-- blind-index key and of every master key, recorded the first time a bureau or command opens
-- the database with that key file. A key file that does not match all of them is refused at
-- start: another blind-index key finds no existing subject, so a furnish would create
-- duplicates; a missing master key leaves data keys no one can unwrap. The fingerprint is an
-- HMAC of a fixed label under the key, so it reveals nothing about the key.
CREATE TABLE vault_key_fingerprints (
    kind         text NOT NULL CHECK (kind IN ('blind_index', 'master')),
    key_id       text NOT NULL,              -- '' for the blind-index key, the kek id otherwise
    fingerprint  bytea NOT NULL CHECK (length(fingerprint) = 32),
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, key_id)
);
