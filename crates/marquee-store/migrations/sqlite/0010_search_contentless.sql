-- The search index keeps no copy of the text it indexes (a contentless FTS5 table): a document's
-- kind and id are in its rowid (id times four plus 0 review, 1 film, 2 person), its words are in
-- the index, and the text is in the content tables already. That copy was about as large as all
-- the reviews' Markdown. One prefix index, of three letters: two-letter prefixes are matched
-- from the terms themselves, and their index was the largest part of the whole. Rebuilt on open
-- (the index is derived data, rebuilt whenever found empty).
DROP TABLE search_index;
CREATE VIRTUAL TABLE search_index USING fts5(
    title, body, content = '', contentless_delete = 1, tokenize = 'unicode61', prefix = '3'
);
