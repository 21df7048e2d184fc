-- K2 (purchased from / sold to), K3 (mortgage identification) and K4 (balloon and deferred
-- payments) reported with an account: one JSON object keyed by segment, fields by their Metro 2
-- names, typed as JSON (see bureau/furnishing/details.py). NULL: none reported.
ALTER TABLE tradelines ADD COLUMN account_details jsonb
    CHECK (account_details IS NULL OR jsonb_typeof(account_details) = 'object');
