-- The access log is sequenced after commit instead of numbered inside the writing transaction.
--
-- Why: a gap-free leaf index taken inside the releasing transaction (by updating the single
-- audit_log_head row) holds that row until commit, so every report pull committed one at a time,
-- WAL flush included. Now an entry is written in the same transaction as the release (rolled
-- back with it) carrying only `entry_id`, an ordering id from a sequence (no lock held); a
-- sequencer later gives committed entries contiguous leaf indexes under the head row's lock
-- (bureau/audit/sequencing.py) — Certificate Transparency's "merge delay". The head row is now
-- locked only by sequencers, never by a release.

-- entry_id: the stable reference to an entry from the moment it is written. Old entries get
-- their leaf index (a rewrite via ALTER ... USING, so no row passes the append-only trigger).
ALTER TABLE audit_log ADD COLUMN entry_id bigint;
ALTER TABLE audit_log ALTER COLUMN entry_id TYPE bigint USING leaf_index;
ALTER TABLE audit_log ALTER COLUMN entry_id SET NOT NULL;
ALTER TABLE audit_log ALTER COLUMN entry_id ADD GENERATED ALWAYS AS IDENTITY;
SELECT setval(pg_get_serial_sequence('audit_log', 'entry_id'),
              coalesce((SELECT max(entry_id) + 1 FROM audit_log), 1), false);

-- Reports name their log entry by entry_id (equal to the leaf index for every existing row).
ALTER TABLE reports DROP CONSTRAINT reports_leaf_index_fkey;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey;
ALTER TABLE audit_log ADD PRIMARY KEY (entry_id);
ALTER TABLE reports RENAME COLUMN leaf_index TO log_entry_id;
ALTER TABLE reports ADD FOREIGN KEY (log_entry_id) REFERENCES audit_log (entry_id);

-- A pending entry has neither index nor leaf hash (the hash covers the index); a sequenced one
-- has both, and no two share an index.
ALTER TABLE audit_log ALTER COLUMN leaf_index DROP NOT NULL;
ALTER TABLE audit_log ALTER COLUMN leaf_hash DROP NOT NULL;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_sequenced_whole
    CHECK ((leaf_index IS NULL) = (leaf_hash IS NULL));
ALTER TABLE audit_log ADD CONSTRAINT audit_log_leaf_index_key UNIQUE (leaf_index);
CREATE INDEX audit_log_pending ON audit_log (entry_id) WHERE leaf_index IS NULL;

-- Still append-only; the one change allowed is the sequencing step, once per entry: a pending
-- entry gets an index the sequencer has reserved on the head row, its entry gains exactly
-- {"index": n}, and its leaf hash is set. Nothing else in the row may change, a sequenced entry
-- never changes again, and no entry is ever deleted. (Whether the hash is right is checked by
-- `bureau audit verify`, which recomputes it.)
CREATE FUNCTION audit_log_sequence_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.leaf_index IS NULL AND OLD.leaf_hash IS NULL
       AND NEW.leaf_index IS NOT NULL AND NEW.leaf_hash IS NOT NULL
       AND NEW.entry_id = OLD.entry_id
       AND NEW.subject_id IS NOT DISTINCT FROM OLD.subject_id
       AND NEW.event = OLD.event
       AND NEW.created_at = OLD.created_at
       AND NOT (OLD.entry ? 'index')
       AND NEW.entry = OLD.entry || jsonb_build_object('index', NEW.leaf_index)
       AND NEW.leaf_index < (SELECT next_index FROM audit_log_head)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
DROP TRIGGER audit_log_no_update ON audit_log;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_sequence_only();
