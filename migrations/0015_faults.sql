-- /readyz proves the database can still write (a full disk can leave it
-- readable): each listening address keeps the time of its last successful check.
CREATE TABLE readiness_checks (
    instance TEXT PRIMARY KEY,
    checked_at TIMESTAMPTZ NOT NULL
);

-- A comment carries the key its form was drawn with, so a post sent again
-- (the answer was lost in an outage, or the button pressed twice) finds the
-- comment already written instead of writing it twice.
ALTER TABLE comments ADD COLUMN client_key TEXT;
CREATE UNIQUE INDEX comments_by_client_key ON comments (reader_id, client_key) WHERE client_key IS NOT NULL;
