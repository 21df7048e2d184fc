-- The file read leaves out an item whose dispute passed its deletion day unverified, before the
-- deadline job has run (bureau/file/repo.py): an anti-join per item on the open, unanswered
-- disputes. This partial index holds only those (a handful per subject at most), keyed as the
-- anti-join probes it, with the due day so the probe never visits the table.
CREATE INDEX disputes_unverified_open
    ON disputes (subject_id, item_kind, item_id, due_at)
    WHERE closed_at IS NULL AND state IN ('received', 'forwarded');
