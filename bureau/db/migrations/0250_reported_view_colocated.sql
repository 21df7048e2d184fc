-- `tradelines_as_reported` (0161) reshaped so Citus plans it inside the file's shard group
-- (issue 22). Its lateral aggregate had no GROUP BY: one row per account even without
-- unchanged periods, which Citus cannot push down once the file read joins it to a reference
-- table and anti-joins `disputes` ("complex joins are only supported when all distributed
-- tables are co-located and joined on their distribution columns"). Grouped by `subject_id`
-- and joined on it, the lateral is a colocated join Citus runs on the subject's shard. An
-- account without unchanged periods now gets no lateral row (the left join gives NULLs), so
-- the period count is read as 0 there: the same rows as before, and on one node the same
-- plan (a nested loop probing the history's key per account).
CREATE OR REPLACE VIEW tradelines_as_reported AS
SELECT t.*,
       coalesce(u.through, t.date_account_information) AS reported_through,
       repeat(left(t.payment_history, 1), least(coalesce(u.periods, 0), 24)::integer)
           || left(t.payment_history, 24 - least(coalesce(u.periods, 0), 24)::integer)
           AS reported_history
FROM tradelines t
LEFT JOIN LATERAL (
    SELECT r.subject_id, max(r.date_account_information) AS through, count(*) AS periods
    FROM tradeline_reports r
    WHERE r.subject_id = t.subject_id AND r.tradeline_id = t.tradeline_id
      AND r.repeats = t.date_account_information
      AND r.date_account_information > t.date_account_information
    GROUP BY r.subject_id
) u ON u.subject_id = t.subject_id;
