-- The subject map keyed by subject (issue 16; bureau/audit/subject_map.py): a subject's map
-- position is now derived from their id (the first 32 bits of SHA-256 of a label and the id),
-- so a subject whose every entry and tip row were deleted can still ask what the signed map
-- holds at their position and find it names them. Subjects whose ids share a position share
-- its leaf (a bucket), so positions are no longer unique.
ALTER TABLE audit_subject_tips DROP CONSTRAINT audit_subject_tips_map_position_key;

UPDATE audit_subject_tips
SET map_position = ('x' || encode(substr(sha256(convert_to('fairfile-subject-map/position', 'UTF8')
                                                 || decode('00', 'hex') || uuid_send(subject_id)),
                                          1, 4), 'hex'))::bit(32)::bigint;

-- the sequencer reads a position's whole bucket; a subject's log reads its own position's
CREATE INDEX audit_subject_tips_map_position ON audit_subject_tips (map_position);

-- The stored map was built over the old positions: dropped, and rebuilt from the tips and
-- signed by the next sequencer run, as after the migration that added the map (0181).
DELETE FROM audit_subject_map_nodes;
UPDATE audit_log_head SET checkpoint_map_root = NULL, checkpoint_map_sig = NULL;
