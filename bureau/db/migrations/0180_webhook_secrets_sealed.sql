-- Webhook signing secrets encrypted at rest (issue 15): sealed under a key derived from the key
-- file (bureau/vault, `Vault.seal`), bound to their endpoint, so a copy of the database alone
-- cannot forge the bureau's deliveries. A secret stored in plaintext before this migration stays
-- in `secret` until the delivery worker's first pass seals it and clears the column.
ALTER TABLE webhook_endpoints
    ADD COLUMN secret_sealed bytea,
    ALTER COLUMN secret DROP NOT NULL,
    ADD CONSTRAINT webhook_endpoints_one_secret CHECK ((secret IS NULL) <> (secret_sealed IS NULL));
CREATE INDEX webhook_endpoints_plaintext_secret ON webhook_endpoints (endpoint_id)
    WHERE secret IS NOT NULL;
