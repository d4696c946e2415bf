-- What became of each stored Stripe event: applied to the ledger, ignored
-- (a type the ledger does not use, or no donation of ours), or failed to be
-- read, with the reason, for admins to see. Failed events never count as money.
ALTER TABLE stripe_events ADD COLUMN outcome TEXT NOT NULL DEFAULT 'applied';
ALTER TABLE stripe_events ADD COLUMN problem TEXT NOT NULL DEFAULT '';
CREATE INDEX stripe_events_by_outcome ON stripe_events (outcome, received_at);
