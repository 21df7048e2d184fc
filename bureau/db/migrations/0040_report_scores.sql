-- The score released with each report (issue 6), kept so that an adverse-action notice states
-- the score the user actually received, not one recomputed later on a corrected file.
-- No identity here: the score, its table version and the points per attribute.
CREATE TABLE report_scores (
    subject_id    uuid NOT NULL,
    report_id     uuid NOT NULL,
    version       text NOT NULL,              -- the published scorecard, e.g. fairfile-fin-1
    table_sha256  text NOT NULL,              -- of the scorecard file that scored it
    score         integer,                    -- NULL: the file was unscorable
    as_of         date NOT NULL,
    result        jsonb NOT NULL,             -- points per attribute, maximums, key factors
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_id, report_id),
    FOREIGN KEY (subject_id, report_id) REFERENCES reports
);

-- One adverse-action notice per report (FCRA §615): a second send is a conflict, not a copy.
CREATE UNIQUE INDEX notices_adverse_action_once ON notices (subject_id, report_id)
    WHERE kind = 'adverse-action';
-- The subject's notices, newest first.
CREATE INDEX notices_subject_recent ON notices (subject_id, created_at DESC);
