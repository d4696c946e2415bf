-- Newsletters: the lists readers sign up to, the people on them, the
-- editions the newsroom sends, and the addresses mail must no longer go to.

-- position: the order readers see them in (the first is the one offered
-- under articles). retired_at: no longer offered or sent.
CREATE TABLE newsletters (
    id UUID PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    frequency TEXT NOT NULL DEFAULT '',
    sender_name TEXT NOT NULL DEFAULT '',
    sender_address TEXT NOT NULL DEFAULT '',
    reply_to TEXT NOT NULL DEFAULT '',
    position BIGINT NOT NULL DEFAULT 0,
    retired_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Everyone who confirmed an address (by the emailed link, by signing up
-- while signed in with a confirmed address, or by import with a consent
-- date). shard: a random number 0-15, as for push subscriptions, so one
-- edition's sending splits into jobs several instances take.
CREATE TABLE newsletter_subscribers (
    id UUID PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    reader_id UUID REFERENCES readers (id) ON DELETE SET NULL,
    shard BIGINT NOT NULL,
    consent_at TIMESTAMPTZ NOT NULL,
    consent_source TEXT NOT NULL,
    soft_bounces BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX newsletter_subscribers_by_reader ON newsletter_subscribers (reader_id);

CREATE TABLE newsletter_subscriptions (
    newsletter_id UUID NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
    shard BIGINT NOT NULL,
    subscriber_id UUID NOT NULL REFERENCES newsletter_subscribers (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (newsletter_id, shard, subscriber_id)
);

CREATE INDEX newsletter_subscriptions_by_subscriber ON newsletter_subscriptions (subscriber_id);

-- A sign-up waiting for its emailed confirmation: nothing is sent to an
-- address until its owner follows the link. newsletters: ids, comma-separated.
CREATE TABLE newsletter_signups (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    newsletters TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);

CREATE INDEX newsletter_signups_by_email ON newsletter_signups (email, created_at);

-- Addresses no newsletter is sent to: hard bounces, complaints, soft
-- bounces past the limit, and those an admin added.
CREATE TABLE newsletter_suppressions (
    email TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);

-- status: draft, sending, paused, sent. number: counts up per site, so an
-- edition has a short public address and a short bounce address.
-- revision: raised by every save, so two editors cannot overwrite each other.
CREATE TABLE editions (
    id UUID PRIMARY KEY,
    number BIGINT NOT NULL UNIQUE,
    newsletter_id UUID NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    preheader TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    with_appeal BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 1,
    created_by_name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ,
    first_sent_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    queued BIGINT NOT NULL DEFAULT 0,
    sent BIGINT NOT NULL DEFAULT 0,
    deferred BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    bounced BIGINT NOT NULL DEFAULT 0,
    complaints BIGINT NOT NULL DEFAULT 0,
    unsubscribed BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX editions_by_newsletter ON editions (newsletter_id, created_at);

-- One edition's sending over one shard of the subscribers: how far it got.
-- after_id: the last subscriber fully handled; pending_to: the last of the
-- batch being sent. A batch still pending after a crash is never sent again.
CREATE TABLE edition_shards (
    edition_id UUID NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    shard BIGINT NOT NULL,
    after_id UUID,
    pending_to UUID,
    done_at TIMESTAMPTZ,
    PRIMARY KEY (edition_id, shard)
);

-- A recipient the mail server asked us to try again later (a 4xx answer
-- before it took the message).
CREATE TABLE edition_retries (
    edition_id UUID NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    subscriber_id UUID NOT NULL REFERENCES newsletter_subscribers (id) ON DELETE CASCADE,
    attempts BIGINT NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ,
    PRIMARY KEY (edition_id, subscriber_id)
);

CREATE INDEX edition_retries_due ON edition_retries (next_attempt_at);
