-- Forgotten newsroom passwords: a link emailed to the staff member, kept
-- hashed, good for one hour and one use.
CREATE TABLE staff_tokens (
    token_hash TEXT PRIMARY KEY,
    staff_id UUID NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE INDEX staff_tokens_by_member ON staff_tokens (staff_id, created_at);
