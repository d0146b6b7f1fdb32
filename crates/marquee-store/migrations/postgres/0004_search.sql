-- Full-text search over published reviews, films and people. Marquee stores the text folded
-- (lower case, accents removed), so both backends match "amelie" to "Amélie" alike. Each
-- document's rowid is its id times four plus its kind (0 review, 1 film, 2 person), the key
-- SQLite's FTS5 finds rows by. The index is derived data, rebuilt whenever found empty.
CREATE TABLE search_index (
    rowid BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    ref BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'B')
    ) STORED
);
CREATE INDEX search_index_document ON search_index USING GIN (document);
