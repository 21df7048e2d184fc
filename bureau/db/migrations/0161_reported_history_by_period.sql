-- The reported-values history (every value a furnisher reported for an account, per period)
-- is append-only and read by account: partitioned by reporting period (one partition a year
-- from 2000 to 2030, one before, later years in the default partition until a migration adds
-- theirs), no index but its key, and its reference to tradelines checked once per statement
-- instead of once per row (0160's functions).
--
-- A row whose `reported` is NULL records a period the furnisher reported the account
-- unchanged: the same values as the full report of period `repeats` (the one the account's
-- stored state came from), the payment history moved on one month per unchanged period since,
-- repeating its latest rating (bureau/furnishing/repo.py, docs/metro2.md "unchanged records").
-- Such a record costs one narrow row and no tradeline update; `tradelines_as_reported` below
-- gives the account as last reported (its date and payment history moved on by those periods).

ALTER TABLE tradeline_reports RENAME TO tradeline_reports_unpartitioned;
ALTER TABLE tradeline_reports_unpartitioned
    RENAME CONSTRAINT tradeline_reports_pkey TO tradeline_reports_unpartitioned_pkey;

CREATE TABLE tradeline_reports (
    subject_id                 uuid NOT NULL,
    tradeline_id               uuid NOT NULL,
    date_account_information   date NOT NULL,
    revision                   integer NOT NULL DEFAULT 1,
    source                     text NOT NULL CHECK (source IN ('metro2','json','sandbox','dispute','operator')),
    batch_id                   uuid,
    reported                   jsonb,  -- NULL: unchanged since period `repeats` (see above)
    received_at                timestamptz NOT NULL DEFAULT now(),
    repeats                    date,
    PRIMARY KEY (subject_id, tradeline_id, date_account_information, revision),
    CHECK ((reported IS NULL) = (repeats IS NOT NULL)),
    CHECK (reported IS NOT NULL OR source IN ('metro2','json'))
) PARTITION BY RANGE (date_account_information);

CREATE TABLE tradeline_reports_before_2000 PARTITION OF tradeline_reports
    FOR VALUES FROM (MINVALUE) TO ('2000-01-01');
DO $$
BEGIN
    FOR year IN 2000..2030 LOOP
        EXECUTE format(
            'CREATE TABLE tradeline_reports_%s PARTITION OF tradeline_reports '
            'FOR VALUES FROM (%L) TO (%L)', year, make_date(year, 1, 1), make_date(year + 1, 1, 1));
    END LOOP;
END
$$;
CREATE TABLE tradeline_reports_other PARTITION OF tradeline_reports DEFAULT;

INSERT INTO tradeline_reports
SELECT subject_id, tradeline_id, date_account_information, revision, source, batch_id, reported,
       received_at
FROM tradeline_reports_unpartitioned;
DROP TABLE tradeline_reports_unpartitioned;

CREATE TRIGGER tradeline_reports_tradeline_ins AFTER INSERT ON tradeline_reports
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION fairfile_check_references('subject_id, tradeline_id', 'tradelines',
                                               'subject_id, tradeline_id');
CREATE TRIGGER tradeline_reports_tradeline_upd AFTER UPDATE OF subject_id, tradeline_id
    ON tradeline_reports FOR EACH ROW
    WHEN ((OLD.subject_id, OLD.tradeline_id) IS DISTINCT FROM (NEW.subject_id, NEW.tradeline_id))
    EXECUTE FUNCTION fairfile_check_reference_row('subject_id, tradeline_id', 'tradelines',
                                                  'subject_id, tradeline_id');
CREATE TRIGGER tradelines_reports_del AFTER DELETE ON tradelines
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION fairfile_check_referenced('subject_id, tradeline_id', 'tradeline_reports',
                                               'subject_id, tradeline_id');

-- The account as last reported: the tradeline, with its date of account information and
-- payment history moved on by the unchanged periods reported since it was last written (each
-- shifts the profile one month, repeating its latest rating). What a file, an export and the
-- cycle-to-cycle rules read; `tradelines` itself changes only when a report does.
CREATE VIEW tradelines_as_reported AS
SELECT t.*,
       coalesce(u.through, t.date_account_information) AS reported_through,
       repeat(left(t.payment_history, 1), least(u.periods, 24)::integer)
           || left(t.payment_history, 24 - least(u.periods, 24)::integer) AS reported_history
FROM tradelines t
CROSS JOIN LATERAL (
    SELECT max(r.date_account_information) AS through, count(*) AS periods
    FROM tradeline_reports r
    WHERE r.subject_id = t.subject_id AND r.tradeline_id = t.tradeline_id
      AND r.repeats = t.date_account_information
      AND r.date_account_information > t.date_account_information
) u;
CREATE TRIGGER tradelines_reports_upd AFTER UPDATE OF subject_id, tradeline_id ON tradelines
    FOR EACH ROW
    WHEN ((OLD.subject_id, OLD.tradeline_id) IS DISTINCT FROM (NEW.subject_id, NEW.tradeline_id))
    EXECUTE FUNCTION fairfile_check_referenced_row('subject_id, tradeline_id', 'tradeline_reports',
                                                   'subject_id, tradeline_id');
