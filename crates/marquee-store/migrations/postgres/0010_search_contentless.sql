-- SQLite's search index became contentless in this version; PostgreSQL's keeps its text (its
-- tsvector is generated from it), so nothing changes here.
SELECT 1;
