-- Each subject's newest entry committed in every signed checkpoint (issue 16;
-- bureau/audit/subject_map.py): a Merkle tree of depth 32 over each subject's tip
-- (entries, last_index, last_hash), at a position given when the subject is first sequenced.
-- A subject is served their tip with its path to the signed map root, so a deleted newest
-- entry is found on a first look even when the tips are rolled back with it.
ALTER TABLE audit_subject_tips
    ADD COLUMN map_position bigint UNIQUE CHECK (map_position >= 0),
    ADD COLUMN last_hash    bytea CHECK (length(last_hash) = 32);

UPDATE audit_subject_tips t
SET map_position = n.position, last_hash = a.leaf_hash
FROM (SELECT subject_id, row_number() OVER (ORDER BY subject_id) - 1 AS position
      FROM audit_subject_tips) n,
     audit_log a
WHERE n.subject_id = t.subject_id AND a.leaf_index = t.last_index;

ALTER TABLE audit_subject_tips
    ALTER COLUMN map_position SET NOT NULL,
    ALTER COLUMN last_hash SET NOT NULL;

-- Non-empty nodes only: (level, position) with level 0 the tips' leaves and level 32 the root.
CREATE TABLE audit_subject_map_nodes (
    level     smallint NOT NULL CHECK (level BETWEEN 0 AND 32),
    position  bigint NOT NULL CHECK (position >= 0),
    hash      bytea NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, position)
);

-- Positions given so far, and the map root signed with the checkpoint (NULL until the first
-- sequencer run after this migration builds the map from the tips).
ALTER TABLE audit_log_head
    ADD COLUMN map_size             bigint NOT NULL DEFAULT 0 CHECK (map_size >= 0),
    ADD COLUMN checkpoint_map_root  bytea CHECK (length(checkpoint_map_root) = 32),
    ADD COLUMN checkpoint_map_sig   bytea;
UPDATE audit_log_head SET map_size = (SELECT count(*) FROM audit_subject_tips);
