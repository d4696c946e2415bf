-- Reader donations through Stripe Checkout: campaigns, one row per checkout
-- (one-off or monthly), the payments and failures Stripe reported, and every
-- webhook event as received, from which the ledger can be derived again.

CREATE TABLE campaigns (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    goal_minor BIGINT NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ NOT NULL,
    on_appeal BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);

-- status: pending (sent to Checkout), paid (one-off), active / past_due /
-- cancelled (monthly), refunded. status_at: the Stripe time of the event
-- that set it, so an older event arriving late never overrides a newer one.
CREATE TABLE donations (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('one_off', 'monthly')),
    status TEXT NOT NULL,
    status_at BIGINT NOT NULL DEFAULT 0,
    amount_minor BIGINT NOT NULL,
    fee_minor BIGINT NOT NULL DEFAULT 0,
    currency TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    article_id UUID REFERENCES articles (id) ON DELETE SET NULL,
    campaign_id UUID REFERENCES campaigns (id) ON DELETE SET NULL,
    reader_id UUID REFERENCES readers (id) ON DELETE SET NULL,
    checkout_session TEXT NOT NULL UNIQUE,
    customer TEXT NOT NULL DEFAULT '',
    subscription TEXT NOT NULL DEFAULT '',
    manage_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    cancelled_at TIMESTAMPTZ
);

CREATE INDEX donations_by_subscription ON donations (subscription);
CREATE INDEX donations_by_reader ON donations (reader_id);

-- id: the Stripe invoice (monthly) or payment intent (one-off).
CREATE TABLE donation_payments (
    id TEXT PRIMARY KEY,
    donation_id UUID NOT NULL REFERENCES donations (id) ON DELETE CASCADE,
    payment_intent TEXT NOT NULL DEFAULT '',
    amount_minor BIGINT NOT NULL,
    refunded_minor BIGINT NOT NULL DEFAULT 0,
    currency TEXT NOT NULL,
    paid_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX donation_payments_by_time ON donation_payments (paid_at);
CREATE INDEX donation_payments_by_intent ON donation_payments (payment_intent);

CREATE TABLE donation_failures (
    invoice TEXT PRIMARY KEY,
    donation_id UUID NOT NULL REFERENCES donations (id) ON DELETE CASCADE,
    failed_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    created BIGINT NOT NULL,
    payment_intent TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX stripe_events_by_intent ON stripe_events (payment_intent);
CREATE INDEX stripe_events_in_order ON stripe_events (created, id);
