-- Addresses a review had before it came here (a WordPress permalink, a Hugo alias): answered
-- with a permanent redirect to the review, so old links and search results keep working.
CREATE TABLE redirects (
    path TEXT PRIMARY KEY,
    review_id BIGINT NOT NULL REFERENCES reviews(id) ON DELETE CASCADE
);
CREATE INDEX redirects_review ON redirects(review_id);
