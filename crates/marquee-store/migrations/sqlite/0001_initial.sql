-- The content model: films, people, credits, reviews, media, users, settings.
-- Flags are BIGINT 0/1: the one boolean form both backends read back alike through sqlx Any.
-- Times are Unix seconds (BIGINT) so both backends compare and sort them alike.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    email TEXT UNIQUE,
    display_name TEXT NOT NULL,
    bio TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT 'writer',
    password_hash TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE media (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    extension TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    widths TEXT NOT NULL,
    byte_size BIGINT NOT NULL,
    alt TEXT NOT NULL DEFAULT '',
    original_name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE films (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    original_title TEXT,
    year BIGINT,
    release_date TEXT,
    runtime_minutes BIGINT,
    tagline TEXT,
    synopsis TEXT,
    poster_media_id BIGINT REFERENCES media(id),
    poster_url TEXT,
    backdrop_media_id BIGINT REFERENCES media(id),
    backdrop_url TEXT,
    imdb_id TEXT UNIQUE,
    tmdb_id BIGINT,
    letterboxd_uri TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX films_year ON films(year);

CREATE TABLE genres (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE film_genres (
    film_id BIGINT NOT NULL REFERENCES films(id) ON DELETE CASCADE,
    genre_id BIGINT NOT NULL REFERENCES genres(id),
    position BIGINT NOT NULL,
    PRIMARY KEY (film_id, genre_id)
);
CREATE INDEX film_genres_genre ON film_genres(genre_id);

CREATE TABLE film_countries (
    film_id BIGINT NOT NULL REFERENCES films(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (film_id, position)
);

CREATE TABLE film_languages (
    film_id BIGINT NOT NULL REFERENCES films(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (film_id, position)
);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    imdb_id TEXT UNIQUE,
    tmdb_id BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE credits (
    id INTEGER PRIMARY KEY,
    film_id BIGINT NOT NULL REFERENCES films(id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES people(id),
    department TEXT NOT NULL,
    job TEXT,
    character_name TEXT,
    billing_order BIGINT NOT NULL
);
CREATE INDEX credits_film ON credits(film_id, department, billing_order);
CREATE INDEX credits_person ON credits(person_id);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    film_id BIGINT NOT NULL REFERENCES films(id),
    author_id BIGINT REFERENCES users(id),
    headline TEXT,
    body_markdown TEXT NOT NULL,
    body_html TEXT NOT NULL,
    body_text TEXT NOT NULL,
    word_count BIGINT NOT NULL,
    summary TEXT,
    score_tenths BIGINT,
    verdict_override TEXT,
    spoilers BIGINT NOT NULL DEFAULT 0,
    watched_on TEXT,
    rewatch BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 1,
    source_hash TEXT
);
CREATE INDEX reviews_status_published ON reviews(status, published_at);
CREATE INDEX reviews_film ON reviews(film_id);
CREATE INDEX reviews_author ON reviews(author_id);

CREATE TABLE review_tags (
    review_id BIGINT NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags(id),
    position BIGINT NOT NULL,
    PRIMARY KEY (review_id, tag_id)
);
CREATE INDEX review_tags_tag ON review_tags(tag_id);

CREATE TABLE review_images (
    review_id BIGINT NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
    src TEXT NOT NULL,
    media_id BIGINT NOT NULL REFERENCES media(id),
    PRIMARY KEY (review_id, src)
);

CREATE TABLE review_revisions (
    id INTEGER PRIMARY KEY,
    review_id BIGINT NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
    revision BIGINT NOT NULL,
    headline TEXT,
    body_markdown TEXT NOT NULL,
    summary TEXT,
    score_tenths BIGINT,
    verdict_override TEXT,
    saved_by BIGINT REFERENCES users(id),
    saved_at BIGINT NOT NULL,
    UNIQUE (review_id, revision)
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Bumped by every write that changes what the public site shows; servers poll it to drop caches.
CREATE TABLE content_version (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 1);
