-- Limits are taken before the work they guard, in one statement per scope,
-- so parallel requests cannot all pass the same check. A row counts what one
-- scope (an address, an email, an account) has used in its current window;
-- window_start is in seconds since 1970.
DROP TABLE sign_in_failures;

CREATE TABLE rate_limits (
    scope TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    used BIGINT NOT NULL
);

-- A kept form belongs to whoever kept it (a staff member, a reader or one
-- browser); forms kept before this had no owner and are let go.
DELETE FROM stashed_forms;
ALTER TABLE stashed_forms ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE stashed_forms ADD COLUMN address TEXT NOT NULL DEFAULT '';
CREATE INDEX stashed_forms_by_owner ON stashed_forms (owner, created_at);
