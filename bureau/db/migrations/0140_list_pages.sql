-- Keyset pages of the API's lists (bureau/pagination.py): each index serves one list's
-- `WHERE owner = $1 AND (sort key) < (cursor) ORDER BY sort key DESC LIMIT n`.

-- GET /v1/me/consents: a subject's grants, newest first (consent/repo.py `grants`).
CREATE INDEX consent_grants_subject_page ON consent_grants (subject_id, created_at DESC, grant_id DESC);
DROP INDEX IF EXISTS consent_grants_subject_recent;

-- GET /v1/me/disputes: a subject's disputes, newest first (disputes/repo.py `disputes_of_subject`).
CREATE INDEX disputes_subject_page ON disputes (subject_id, received_at DESC, dispute_id DESC);

-- GET /v1/furnisher/disputes and /v1/operator/disputes: an inbox, the most urgent first
-- (`disputes_of_furnisher`; the bureau's own items have no furnisher).
CREATE INDEX disputes_furnisher_page ON disputes (furnisher_id, due_at, received_at, dispute_id);

-- GET /v1/me/notices and /v1/me/disputes/notices: notices to a subject, newest first.
CREATE INDEX notices_subject_page ON notices (subject_id, created_at DESC, notice_id DESC)
    WHERE recipient_org_id IS NULL;

-- GET /v1/org/dispute-notices: notices to an organization, newest first.
CREATE INDEX notices_recipient_page ON notices (recipient_org_id, created_at DESC, notice_id DESC)
    WHERE recipient_org_id IS NOT NULL;
DROP INDEX IF EXISTS notices_recipient;

-- GET /v1/org/notices: notices to an organization about its own account, newest first.
CREATE INDEX org_notices_page ON org_notices (org_id, created_at DESC, notice_id DESC);

-- GET /v1/operator/organizations: every organization, newest first.
CREATE INDEX organizations_page ON organizations (created_at DESC, org_id DESC);
