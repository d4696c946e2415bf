-- Live blogs: an article of kind 'liveblog' carries timestamped entries,
-- shown newest first. Portable SQL: the same file runs on SQLite and PostgreSQL.

-- When the live blog was closed ("This live blog has ended"); NULL while it runs.
ALTER TABLE articles ADD COLUMN live_ended_at TIMESTAMPTZ;

-- title: optional; body: Markdown like article bodies.
-- version: bumped on every edit, so concurrent edits are detected.
-- alert_id: the key-event alert sent for the entry, so it is sent once.
CREATE TABLE liveblog_entries (
    id UUID PRIMARY KEY,
    article_id UUID NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    title TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    image_id UUID REFERENCES images (id) ON DELETE SET NULL,
    key_event BOOLEAN NOT NULL DEFAULT FALSE,
    pinned BOOLEAN NOT NULL DEFAULT FALSE,
    posted_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    posted_by UUID,
    alert_id UUID,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE INDEX liveblog_entries_by_article ON liveblog_entries (article_id, posted_at DESC, id DESC);

CREATE TABLE liveblog_entry_authors (
    entry_id UUID NOT NULL REFERENCES liveblog_entries (id) ON DELETE CASCADE,
    author_id UUID NOT NULL REFERENCES authors (id),
    position BIGINT NOT NULL,
    PRIMARY KEY (entry_id, author_id)
);
