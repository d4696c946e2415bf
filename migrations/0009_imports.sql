-- Moving in from another platform. Portable SQL: the same file runs on SQLite and PostgreSQL.

-- What an import created, by where it came from, so running the same import
-- again updates those things instead of adding copies.
-- origin: the export's site ('wordpress:https://example.com'); kind: article,
-- author, picture or comment; source_key: the record's id in that export.
CREATE TABLE import_origins (
    origin TEXT NOT NULL,
    kind TEXT NOT NULL,
    source_key TEXT NOT NULL,
    target UUID NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (origin, kind, source_key)
);

-- Old addresses that keep working: a request for `path` (no trailing slash,
-- no query) is sent on to the article's address with 301.
CREATE TABLE redirects (
    path TEXT PRIMARY KEY,
    article_id UUID NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL
);

-- The name an imported comment was signed with when its writer has no account here.
ALTER TABLE comments ADD COLUMN guest_name TEXT NOT NULL DEFAULT '';
