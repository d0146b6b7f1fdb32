-- Articles (essays, features, interviews, news) and pages (About, Masthead, Contact): written,
-- scheduled and revised like reviews, but about no one film and without a score. A page is at
-- its own address outside feeds and lists; `nav_position` puts it in the site's navigation.
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    slug TEXT NOT NULL,
    author_id BIGINT REFERENCES users(id),
    title TEXT NOT NULL,
    standfirst TEXT,
    body_markdown TEXT NOT NULL,
    body_html TEXT NOT NULL,
    body_text TEXT NOT NULL,
    word_count BIGINT NOT NULL,
    status TEXT NOT NULL,
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 1,
    nav_position BIGINT,
    source_hash TEXT,
    UNIQUE (kind, slug)
);
CREATE INDEX posts_published ON posts(kind, status, published_at);
CREATE INDEX posts_author ON posts(author_id);

CREATE TABLE post_tags (
    post_id BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags(id),
    position BIGINT NOT NULL,
    PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX post_tags_tag ON post_tags(tag_id);

-- The films an article discusses, shown as film cards under it and linked from the films' pages.
CREATE TABLE post_films (
    post_id BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    film_id BIGINT NOT NULL REFERENCES films(id),
    position BIGINT NOT NULL,
    PRIMARY KEY (post_id, film_id)
);
CREATE INDEX post_films_film ON post_films(film_id);

CREATE TABLE post_images (
    post_id BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    src TEXT NOT NULL,
    media_id BIGINT NOT NULL REFERENCES media(id),
    PRIMARY KEY (post_id, src)
);

CREATE TABLE post_revisions (
    id INTEGER PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    revision BIGINT NOT NULL,
    title TEXT NOT NULL,
    standfirst TEXT,
    body_markdown TEXT NOT NULL,
    tags TEXT NOT NULL,
    status TEXT NOT NULL,
    saved_by BIGINT REFERENCES users(id),
    saved_at BIGINT NOT NULL,
    UNIQUE (post_id, revision)
);

-- Addresses a post had before it came here (a WordPress permalink, Ghost's /slug/), answered
-- with a permanent redirect.
CREATE TABLE post_redirects (
    path TEXT PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE
);
CREATE INDEX post_redirects_post ON post_redirects(post_id);
