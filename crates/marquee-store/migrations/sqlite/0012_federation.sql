-- ActivityPub federation: each actor's keys, the fediverse accounts that follow them, what was
-- sent of each review, deliveries waiting to go, replies held for moderation, likes and boosts.

-- The key pair of a local actor ('site', or 'user:ID' for a writer), made when first needed.
CREATE TABLE actor_keys (
    actor TEXT PRIMARY KEY,
    public_pem TEXT NOT NULL,
    private_pem TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Remote actors as last fetched: where to deliver to them, their key, how to name them.
CREATE TABLE remote_actors (
    uri TEXT PRIMARY KEY,
    inbox TEXT NOT NULL,
    shared_inbox TEXT,
    key_id TEXT NOT NULL,
    public_pem TEXT NOT NULL,
    name TEXT NOT NULL,
    handle TEXT NOT NULL,
    url TEXT,
    fetched_at BIGINT NOT NULL
);
CREATE INDEX remote_actors_key ON remote_actors(key_id);

CREATE TABLE followers (
    actor TEXT NOT NULL,
    follower TEXT NOT NULL,
    follow_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (actor, follower)
);
CREATE INDEX followers_follower ON followers(follower);

-- An actor's URI or an instance's host name, whose activities are dropped.
CREATE TABLE federation_blocks (
    target TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

-- What followers were told of each review or article: the revision last sent, whether it was
-- sent at all (one already old when federation first saw it is not announced), whether it was
-- deleted since, and its generation: published again after a Delete, it goes under a new id
-- (servers keep a tombstone of a deleted id and refuse it for good).
CREATE TABLE federated_objects (
    kind TEXT NOT NULL,
    source_id BIGINT NOT NULL,
    actor TEXT NOT NULL,
    revision BIGINT NOT NULL,
    sent BIGINT NOT NULL,
    deleted BIGINT NOT NULL DEFAULT 0,
    generation BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (kind, source_id)
);

-- One activity to one inbox, signed by `actor` when it goes; retried with backoff.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    inbox TEXT NOT NULL,
    actor TEXT NOT NULL,
    activity TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    claimed_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    done_at BIGINT
);
CREATE INDEX deliveries_due ON deliveries(state, next_at);

-- Replies from the fediverse, shown under their review once a moderator approves them.
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    source_id BIGINT NOT NULL,
    uri TEXT NOT NULL UNIQUE,
    actor TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_handle TEXT NOT NULL,
    author_url TEXT,
    content_html TEXT NOT NULL,
    url TEXT,
    published_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX comments_source ON comments(kind, source_id, status, published_at);
CREATE INDEX comments_status ON comments(status, created_at);

-- Likes and boosts, counted under their review.
CREATE TABLE reactions (
    activity TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    source_id BIGINT NOT NULL,
    reaction TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (kind, source_id, reaction, actor)
);

-- Accounts elsewhere that the site follows (its editors read them in the admin, reply to them
-- and like them): waiting until their server accepts.
CREATE TABLE following (
    actor TEXT PRIMARY KEY,
    follow_id TEXT NOT NULL,
    accepted BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- What the accounts the site follows publish, as their servers sent it (content sanitized).
CREATE TABLE remote_posts (
    uri TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT,
    summary TEXT,
    content_html TEXT NOT NULL,
    url TEXT,
    published_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    liked_by BIGINT,
    received_at BIGINT NOT NULL
);
CREATE INDEX remote_posts_published ON remote_posts(published_at);

-- Replies the site's members wrote to posts elsewhere, served at their ids.
CREATE TABLE outgoing_notes (
    id INTEGER PRIMARY KEY,
    author_id BIGINT NOT NULL REFERENCES users(id),
    in_reply_to TEXT NOT NULL,
    content_html TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- What of a member's goes to the fediverse: 'off', 'reviews' (reviews and articles), 'all'
-- (their public diary entries too).
ALTER TABLE users ADD COLUMN federation TEXT NOT NULL DEFAULT 'reviews';
