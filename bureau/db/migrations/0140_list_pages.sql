-- Keyset pages of the API's lists (bureau/pagination.py): each index serves one list's
-- `WHERE owner = $1 AND (sort key) < (cursor) ORDER BY sort key DESC LIMIT n`.

-- GET /v1/me/consents: a subject's grants, newest first (consent/repo.py `grants`).
CREATE INDEX consent_grants_subject_page ON consent_grants (subject_id, created_at DESC, grant_id DESC);
DROP INDEX IF EXISTS consent_grants_subject_recent;
