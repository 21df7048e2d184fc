-- The reported-values history (every value a furnisher reported for an account, per period)
-- is append-only and read by account: partitioned by reporting period (one partition a year,
-- older and later years in the default one), no index but its key, and its reference to
-- tradelines checked once per statement instead of once per row (0160's functions).
--
-- A row whose `reported` is NULL records a period the furnisher reported the account
-- unchanged: the same values as the period before, the payment history shifted by one month
-- repeating its latest rating (bureau/furnishing/repo.py, docs/metro2.md "unchanged records").
-- Such a record costs one narrow row and no tradeline update.

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
    reported                   jsonb,  -- NULL: unchanged from the period before (see above)
    received_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_id, tradeline_id, date_account_information, revision),
    CHECK (reported IS NOT NULL OR source IN ('metro2','json'))
) PARTITION BY RANGE (date_account_information);

DO $$
BEGIN
    FOR year IN 2000..2039 LOOP
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
