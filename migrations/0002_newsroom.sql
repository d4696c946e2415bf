-- The newsroom: staff accounts and their sessions, the audit log, article
-- revisions and public notes (corrections, updates), API credentials.

CREATE TABLE staff (
    id UUID PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'writer', 'moderator')),
    password_hash TEXT NOT NULL,
    author_id UUID REFERENCES authors (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    disabled_at TIMESTAMPTZ
);

-- A signed-in browser. The cookie holds a random token; only its SHA-256 is kept.
-- account_kind lets readers' sessions live here too.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_kind TEXT NOT NULL CHECK (account_kind IN ('staff', 'reader')),
    account_id UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT ''
);

CREATE INDEX sessions_by_account ON sessions (account_kind, account_id);

CREATE TABLE staff_invites (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'writer', 'moderator')),
    invited_by UUID NOT NULL REFERENCES staff (id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ
);

-- Failed sign-ins, counted per email and per address to slow guessing down.
CREATE TABLE sign_in_failures (
    id UUID PRIMARY KEY,
    scope TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);

CREATE INDEX sign_in_failures_by_scope ON sign_in_failures (scope, at);

CREATE TABLE audit_log (
    id UUID PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor_id UUID,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL DEFAULT '',
    target_label TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);

CREATE INDEX audit_log_by_time ON audit_log (at DESC, id DESC);

ALTER TABLE articles ADD COLUMN created_by UUID REFERENCES staff (id) ON DELETE SET NULL;

-- True once the article has been public: its slug is then fixed.
ALTER TABLE articles ADD COLUMN ever_published BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE articles SET ever_published = TRUE WHERE status = 'published';

-- Every saved version of an article, as JSON, for history, diffs and restore.
CREATE TABLE article_revisions (
    id UUID PRIMARY KEY,
    article_id UUID NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    snapshot TEXT NOT NULL,
    saved_by UUID REFERENCES staff (id) ON DELETE SET NULL,
    saved_by_name TEXT NOT NULL,
    saved_at TIMESTAMPTZ NOT NULL,
    UNIQUE (article_id, version)
);

-- Corrections and updates shown openly on the article.
CREATE TABLE article_notes (
    id UUID PRIMARY KEY,
    article_id UUID NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('correction', 'update')),
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by UUID REFERENCES staff (id) ON DELETE SET NULL
);

CREATE INDEX article_notes_by_article ON article_notes (article_id, created_at);

-- A form kept when its session had expired, so nothing typed is lost.
CREATE TABLE stashed_forms (
    token_hash TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    fields TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Read-only keys for the Content API.
CREATE TABLE content_api_keys (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_by UUID REFERENCES staff (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

-- Admin API tokens, each acting as one staff member with that member's role.
CREATE TABLE admin_api_tokens (
    id UUID PRIMARY KEY,
    staff_id UUID NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
