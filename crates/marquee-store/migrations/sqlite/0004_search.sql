-- Full-text search over published reviews, films and people. Marquee stores the text folded
-- (lower case, accents removed), so both backends match "amelie" to "Amélie" alike. Each
-- document's rowid is its id times four plus its kind (0 review, 1 film, 2 person), the key
-- FTS5 finds rows by. Prefix indexes of two and three letters keep as-you-type queries quick.
-- The index is derived data, rebuilt whenever found empty.
CREATE VIRTUAL TABLE search_index USING fts5(kind UNINDEXED, ref UNINDEXED, title, body, tokenize = 'unicode61', prefix = '2 3');
