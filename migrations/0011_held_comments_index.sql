-- The index on (status, created_at) served only the moderation queue, yet
-- SQLite chose it for every "visible comments of this article / under
-- these parents / by this reader" question, reading all visible comments of
-- the site each time. Only held comments are listed by status: index those.

DROP INDEX comments_by_status;

CREATE INDEX comments_held ON comments (created_at) WHERE status = 'held';
