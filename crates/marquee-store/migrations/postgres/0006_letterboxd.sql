-- What a Letterboxd export brings beyond diary entries and lists: where each entry and list came
-- from (so importing the same export again changes nothing), and each member's own marks on a
-- film (watched, rated, liked) that Letterboxd keeps apart from the diary's viewings.
ALTER TABLE diary_entries ADD COLUMN letterboxd_uri TEXT;
CREATE UNIQUE INDEX diary_entries_letterboxd ON diary_entries(user_id, letterboxd_uri);
ALTER TABLE lists ADD COLUMN letterboxd_uri TEXT;
CREATE UNIQUE INDEX lists_letterboxd ON lists(user_id, letterboxd_uri);

CREATE TABLE film_marks (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    film_id BIGINT NOT NULL REFERENCES films(id) ON DELETE CASCADE,
    watched BIGINT NOT NULL DEFAULT 0,
    rating_tenths BIGINT,
    liked BIGINT NOT NULL DEFAULT 0,
    -- When it was first marked watched, YYYY-MM-DD.
    marked_on TEXT,
    PRIMARY KEY (user_id, film_id)
);
