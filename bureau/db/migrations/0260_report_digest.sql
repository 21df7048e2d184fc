-- The digest of the report that last set a tradeline (issue 20, the monthly cycle): a keyed
-- HMAC of the record's bytes without the fields that move each cycle
-- (bureau/furnishing/unchanged.py), so the next cycle's unchanged records are recognised before
-- they are mapped, indexed and matched. NULL when something other than a report changed the
-- row since (a correction, a deletion, a renumbering, an erasure): that account's next record
-- takes the full path. No index: it is read with the row the account's reference finds.
ALTER TABLE tradelines ADD COLUMN report_digest bytea;

-- `tradelines_as_reported` (0250) lists the columns `t.*` had when it was made: made again, the
-- same view, so it carries the digest too (read by furnishing.repo.digests_held).
DROP VIEW tradelines_as_reported;
CREATE VIEW tradelines_as_reported AS
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
