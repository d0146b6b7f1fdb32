-- The cinephile's side: a diary of films watched, ranked or unranked lists, and a watchlist,
-- each belonging to one user. Ratings are on the 10-point scale in tenths, like review scores
-- (half-stars 0.5-5 doubled: 10, 20, ... 100).

ALTER TABLE users ADD COLUMN diary_public BIGINT NOT NULL DEFAULT 0;

CREATE TABLE diary_entries (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    film_id BIGINT NOT NULL REFERENCES films(id),
    watched_on TEXT NOT NULL,
    rating_tenths BIGINT,
    rewatch BIGINT NOT NULL DEFAULT 0,
    liked BIGINT NOT NULL DEFAULT 0,
    tags TEXT NOT NULL DEFAULT '',
    review_text TEXT NOT NULL DEFAULT '',
    review_id BIGINT REFERENCES reviews(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX diary_entries_user_date ON diary_entries(user_id, watched_on);
CREATE INDEX diary_entries_film ON diary_entries(film_id);

CREATE TABLE lists (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description_markdown TEXT NOT NULL DEFAULT '',
    description_html TEXT NOT NULL DEFAULT '',
    ranked BIGINT NOT NULL DEFAULT 0,
    published BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX lists_user ON lists(user_id);

CREATE TABLE list_items (
    list_id BIGINT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    film_id BIGINT NOT NULL REFERENCES films(id),
    position BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (list_id, film_id)
);
CREATE INDEX list_items_film ON list_items(film_id);

CREATE TABLE watchlist (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    film_id BIGINT NOT NULL REFERENCES films(id),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, film_id)
);
