-- Newsletters built at their own time, and clicks counted without
-- knowing who clicked.

-- schedule_days: the days an edition is built, as three-letter names
-- ("mon tue wed"); empty: only by hand. schedule_at: the local time of
-- day, HH:MM, in the site's time zone. schedule_from: "all" or a
-- section's slug. schedule_review: built as a draft for an editor to send
-- rather than sent at once. next_edition_at: the next time one is due.
ALTER TABLE newsletters ADD COLUMN schedule_days TEXT NOT NULL DEFAULT '';
ALTER TABLE newsletters ADD COLUMN schedule_at TEXT NOT NULL DEFAULT '';
ALTER TABLE newsletters ADD COLUMN schedule_from TEXT NOT NULL DEFAULT 'all';
ALTER TABLE newsletters ADD COLUMN schedule_review BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE newsletters ADD COLUMN next_edition_at TIMESTAMPTZ;
ALTER TABLE newsletters ADD COLUMN count_clicks BOOLEAN NOT NULL DEFAULT FALSE;
-- The words every new edition starts from (Markdown); the newest stories follow them.
ALTER TABLE newsletters ADD COLUMN template TEXT NOT NULL DEFAULT '';

CREATE INDEX newsletters_by_next_edition ON newsletters (next_edition_at);

-- scheduled_for: the slot an edition was built for (none when written by hand).
ALTER TABLE editions ADD COLUMN scheduled_for TIMESTAMPTZ;

-- The links of an edition sent with click counting, numbered in the order
-- they appear; a click on the redirect adds one. Nothing about the reader.
CREATE TABLE edition_links (
    edition_id UUID NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    url TEXT NOT NULL,
    clicks BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (edition_id, position)
);

-- The relay's messages-per-second ceiling holds across instances: each
-- batch books the next stretch of time it may send in, after the last
-- one booked by any instance.
CREATE TABLE newsletter_pace (
    relay TEXT PRIMARY KEY,
    next_at TIMESTAMPTZ NOT NULL
);
