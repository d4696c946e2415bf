-- Readers and the commenting forum, moderation, notifications, site settings,
-- and a general job queue (email now; alerts later).

CREATE TABLE readers (
    id UUID PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    email_verified_at TIMESTAMPTZ,
    display_name TEXT NOT NULL,
    bio TEXT NOT NULL DEFAULT '',
    password_hash TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    created_ip TEXT NOT NULL DEFAULT '',
    suspended_until TIMESTAMPTZ,
    banned_at TIMESTAMPTZ,
    sanction_reason TEXT NOT NULL DEFAULT '',
    deleted_at TIMESTAMPTZ
);

CREATE INDEX readers_by_address ON readers (created_ip, created_at);

-- One-time tokens sent by email: verify an address, reset a password, sign in
-- by link or code, confirm a new address.
CREATE TABLE reader_tokens (
    token_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify', 'reset', 'login', 'change_email')),
    reader_id UUID REFERENCES readers (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    code_hash TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);

CREATE INDEX reader_tokens_by_code ON reader_tokens (email, purpose, code_hash);

-- path: the ids of the thread from its root down to this comment, joined by
-- '/', so one indexed range query loads a whole thread in reading order.
CREATE TABLE comments (
    id UUID PRIMARY KEY,
    article_id UUID NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    reader_id UUID REFERENCES readers (id) ON DELETE SET NULL,
    parent_id UUID REFERENCES comments (id),
    root_id UUID NOT NULL,
    path TEXT NOT NULL,
    depth BIGINT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('visible', 'held', 'rejected', 'removed')),
    held_reason TEXT NOT NULL DEFAULT '',
    featured BOOLEAN NOT NULL DEFAULT FALSE,
    likes BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    edited_at TIMESTAMPTZ,
    decided_at TIMESTAMPTZ,
    decided_by TEXT NOT NULL DEFAULT ''
);

CREATE INDEX comments_by_article ON comments (article_id, parent_id, created_at);

CREATE INDEX comments_by_root ON comments (root_id, path);

CREATE INDEX comments_by_reader ON comments (reader_id, created_at);

CREATE INDEX comments_by_status ON comments (status, created_at);

CREATE TABLE comment_likes (
    comment_id UUID NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    reader_id UUID NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (comment_id, reader_id)
);

CREATE TABLE comment_reports (
    id UUID PRIMARY KEY,
    comment_id UUID NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    reader_id UUID REFERENCES readers (id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ
);

CREATE INDEX comment_reports_open ON comment_reports (resolved_at, created_at);

CREATE TABLE follows (
    follower_id UUID NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    followed_id UUID NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (follower_id, followed_id)
);

CREATE INDEX follows_by_followed ON follows (followed_id);

-- kind: 'reply' (someone answered me) or 'followed' (someone I follow commented).
CREATE TABLE notifications (
    reader_id UUID NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'followed')),
    comment_id UUID NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    read_at TIMESTAMPTZ,
    PRIMARY KEY (reader_id, comment_id, kind)
);

CREATE INDEX notifications_by_reader ON notifications (reader_id, read_at, created_at);

-- Visible comments, kept in step by every comment write.
ALTER TABLE articles ADD COLUMN comment_count BIGINT NOT NULL DEFAULT 0;

-- Settings editors change at run time (word lists, limits, appeal text).
CREATE TABLE site_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Work done in the background, once, even across restarts and instances.
CREATE TABLE jobs (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    run_at TIMESTAMPTZ NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ,
    last_error TEXT NOT NULL DEFAULT '',
    done_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX jobs_due ON jobs (done_at, run_at);
