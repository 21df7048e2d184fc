-- The check that stands in for `grant_tokens.grant_id -> consent_grants` on Citus (issue 22).
-- There the access tokens stay on the coordinator, looked up by hash on every request, while
-- the grants are distributed by subject: Citus keeps no foreign key between the two, so
-- bureau/db/distribution.py drops that key and attaches this function as a row trigger on
-- `grant_tokens` instead (a coordinator table: its triggers run), refusing a token for a grant
-- the bureau does not hold with the foreign key's own SQLSTATE (23503). The grant is found
-- through its id's route (`id_routes`, migration 0255, written with every grant on Citus):
-- two reads of one shard each, never a read of every shard. On one node the foreign key
-- stays and nothing uses this function.
CREATE FUNCTION fairfile_token_grant_held() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    owner uuid;
BEGIN
    SELECT r.subject_id INTO owner FROM id_routes r
    WHERE r.id = uuid_send(NEW.grant_id) AND r.kind = 'grant';
    IF owner IS NULL OR NOT EXISTS (
        SELECT 1 FROM consent_grants g WHERE g.subject_id = owner AND g.grant_id = NEW.grant_id
    ) THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'insert or update on table "grant_tokens" violates the check standing in '
                      'for "grant_tokens_grant_id_fkey"',
            DETAIL = format('Key (grant_id)=(%s) is not present in table "consent_grants".',
                            NEW.grant_id);
    END IF;
    RETURN NEW;
END
$$;
