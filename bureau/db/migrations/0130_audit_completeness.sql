-- The access log proves completeness, not only inclusion (issue 16).
--
-- 1. A per-subject chain in every leaf. The sequencer adds to each entry about a subject
--    `subject_entry` (1 for the subject's first entry, 2 for the next, ...) and `subject_prev`
--    (the leaf index of the subject's previous entry, null for the first), inside the hashed
--    JSON. A subject holding their entries and a signed tree head can then see that none is
--    missing between the first and the newest. The sequencer's running state per subject lives
--    in `audit_subject_tips`, one row per subject: no statement reads across subjects to extend
--    a chain (so the log distributes by subject on Citus).
-- 2. A signed checkpoint on the head row. Every sequencer run signs the tree over every entry it
--    numbered (RFC 6962 tree head bytes), so no sequenced entry sits behind the last signature:
--    `bureau audit verify` compares the table with it, and deleting or rewriting any committed
--    entry, the newest included, is found even when every published head is removed.
-- 3. A subject's entries are found by the subject named in the hashed entry, not by the
--    `subject_id` column (a copy an attacker could change without touching a hash).
-- 4. Every entry also carries `prev_leaf_hash`, the leaf hash of the entry before it, so a
--    rewritten entry whose leaf hash was recomputed is named exactly by the entry after it.

CREATE TABLE audit_subject_tips (
    subject_id   uuid PRIMARY KEY,
    entries      bigint NOT NULL CHECK (entries > 0),
    last_index   bigint NOT NULL CHECK (last_index >= 0)
);

-- Entries sequenced before this migration carry no chain keys; their counts seed the tips, so
-- the first chained entry of a subject continues the count from its older entries.
INSERT INTO audit_subject_tips (subject_id, entries, last_index)
SELECT (entry->>'subject_id')::uuid, count(*), max(leaf_index)
FROM audit_log
WHERE leaf_index IS NOT NULL AND entry->>'subject_id' IS NOT NULL
GROUP BY 1;

CREATE INDEX audit_log_entry_subject ON audit_log ((entry->>'subject_id'), leaf_index)
    WHERE entry->>'subject_id' IS NOT NULL;
DROP INDEX audit_log_subject;

-- The checkpoint: the signed head of the tree of `checkpoint_size` leaves, equal to `next_index`
-- after every run (NULL until the first run after this migration signs one).
ALTER TABLE audit_log_head
    ADD COLUMN checkpoint_size  bigint CHECK (checkpoint_size >= 0),
    ADD COLUMN checkpoint_root  bytea CHECK (length(checkpoint_root) = 32),
    ADD COLUMN checkpoint_at    timestamptz,
    ADD COLUMN checkpoint_key   text,
    ADD COLUMN checkpoint_sig   bytea;

-- The sequencing step may now add the chain keys with the index; otherwise unchanged.
CREATE OR REPLACE FUNCTION audit_log_sequence_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.leaf_index IS NULL AND OLD.leaf_hash IS NULL
       AND NEW.leaf_index IS NOT NULL AND NEW.leaf_hash IS NOT NULL
       AND NEW.entry_id = OLD.entry_id
       AND NEW.subject_id IS NOT DISTINCT FROM OLD.subject_id
       AND NEW.event = OLD.event
       AND NEW.created_at = OLD.created_at
       AND NOT (OLD.entry ?| ARRAY['index', 'subject_entry', 'subject_prev', 'prev_leaf_hash'])
       AND (NEW.entry - 'subject_entry' - 'subject_prev' - 'prev_leaf_hash')
           = OLD.entry || jsonb_build_object('index', NEW.leaf_index)
       AND NEW.leaf_index < (SELECT next_index FROM audit_log_head)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_subject_tips_no_delete BEFORE DELETE ON audit_subject_tips
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
