-- Lookups by an id alone, routed to the subject's shard on Citus (issue 22 item 3).
--
-- A lender re-fetches a report by its id, pulls and reads a grant by its id, answers a dispute
-- by its id and exchanges an OAuth code, and a subject's API token names its credential: none
-- of them knows the subject. On Citus the tables
-- holding those rows are distributed by subject_id, so a lookup by the id alone would ask every
-- shard. Each such id is written here with its subject, in the same transaction as its row;
-- this table is distributed by the id (bureau/db/distribution.py), so "whose is this id" is a
-- read of one shard, and what follows it names the subject: one shard again. The primary key
-- holds on the cluster too (it contains the distribution column), which gives back the global
-- uniqueness of those ids that the tables distributed by subject cannot keep.
--
-- Written and read on Citus only (bureau/db/id_routes.py): on one node the ids' own unique
-- indexes serve the same lookups without a second statement, so the table stays empty there.
CREATE TABLE id_routes (
    id          bytea NOT NULL,   -- a report, grant or dispute id (16 bytes), an OAuth code's
                                  -- hash, a subject credential's id (its UTF-8 bytes)
    kind        text NOT NULL
                CHECK (kind IN ('report', 'grant', 'dispute', 'oauth-code', 'credential')),
    subject_id  uuid NOT NULL,
    PRIMARY KEY (id, kind)
);

-- A database already on Citus gets the routes of the rows it holds (a new one has none).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        INSERT INTO id_routes (id, kind, subject_id)
        SELECT uuid_send(report_id), 'report', subject_id FROM reports
        UNION ALL SELECT uuid_send(grant_id), 'grant', subject_id FROM consent_grants
        UNION ALL SELECT uuid_send(dispute_id), 'dispute', subject_id FROM disputes
        UNION ALL SELECT code_hash, 'oauth-code', subject_id FROM oauth_authorizations
        UNION ALL SELECT convert_to(credential_id, 'UTF8'), 'credential', subject_id
                  FROM subject_credentials
        ON CONFLICT DO NOTHING;
    END IF;
END
$$;
