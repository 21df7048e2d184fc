-- One index for both jobs an identity fact's blind index has: matching (which subjects hold
-- this value of this kind) and uniqueness (one row per subject, kind and value, the furnishing
-- merge's conflict target). A unique constraint does not care about column order, so
-- (kind, value_bidx, subject_id) is the same guarantee as (subject_id, kind, value_bidx), and
-- (kind, value_bidx) is its prefix; lookups by subject use the primary key. Each furnished
-- identity fact now updates two indexes instead of three (the ingest floor rose 2-3 % in
-- paired runs; docs/performance.md).
ALTER TABLE subject_identities DROP CONSTRAINT subject_identities_subject_id_kind_value_bidx_key;
DROP INDEX subject_identities_match;
ALTER TABLE subject_identities
    ADD CONSTRAINT subject_identities_fact_key UNIQUE (kind, value_bidx, subject_id);
