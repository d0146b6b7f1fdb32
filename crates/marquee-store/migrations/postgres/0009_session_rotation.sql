-- A session whose member's role changed gets a new token on its next request.
ALTER TABLE sessions ADD COLUMN rotate BIGINT NOT NULL DEFAULT 0;
