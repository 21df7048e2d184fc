-- Portal sessions routed too (issue 22 item 3): a portal request names its session by the
-- cookie's hash alone, which on Citus visited every shard of portal_sessions; the hash is now
-- routed to its subject like the other ids (bureau/db/id_routes.py, migration 0255).
ALTER TABLE id_routes DROP CONSTRAINT id_routes_kind_check;
ALTER TABLE id_routes ADD CONSTRAINT id_routes_kind_check
    CHECK (kind IN ('report', 'grant', 'dispute', 'oauth-code', 'credential', 'session'));

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        INSERT INTO id_routes (id, kind, subject_id)
        SELECT session_hash, 'session', subject_id FROM portal_sessions
        ON CONFLICT DO NOTHING;
    END IF;
END
$$;
