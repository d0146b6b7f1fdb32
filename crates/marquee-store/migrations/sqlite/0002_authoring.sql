-- Authoring: accounts that can be disabled, server-side sessions, login throttling, the audit
-- log, and what a revision keeps beyond the text.

ALTER TABLE users ADD COLUMN disabled BIGINT NOT NULL DEFAULT 0;

-- A session is found by the SHA-256 of its cookie's token: the table alone opens no session.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Failed sign-ins, per account (the email as typed, lower-cased) and per client address.
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures(scope, subject, failed_at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at BIGINT NOT NULL,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);

ALTER TABLE review_revisions ADD COLUMN film_id BIGINT;
ALTER TABLE review_revisions ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE review_revisions ADD COLUMN spoilers BIGINT NOT NULL DEFAULT 0;
ALTER TABLE review_revisions ADD COLUMN status TEXT NOT NULL DEFAULT 'draft';

ALTER TABLE media ADD COLUMN uploaded_by BIGINT REFERENCES users(id);
