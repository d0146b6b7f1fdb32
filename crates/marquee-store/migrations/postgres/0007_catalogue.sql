-- People are matched by name when a credit is written (an import, the editor); with a whole
-- film catalogue in the store there are hundreds of thousands of them.
CREATE INDEX people_name ON people(name);
