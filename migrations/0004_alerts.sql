-- Web Push alerts: browsers' subscriptions and the topics each chose, alerts
-- with their delivery counts, and deliveries waiting to be retried.

-- shard: a random number 0-15, so one alert's fan-out splits into jobs that
-- several instances (and workers) take in parallel.
CREATE TABLE push_subscriptions (
    id UUID PRIMARY KEY,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    reader_id UUID REFERENCES readers (id) ON DELETE CASCADE,
    shard BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX push_subscriptions_by_reader ON push_subscriptions (reader_id);

-- topic: 'breaking', 'section:<slug>', 'liveblog:<article id>', 'replies', 'following'.
CREATE TABLE push_topics (
    topic TEXT NOT NULL,
    shard BIGINT NOT NULL,
    subscription_id UUID NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    PRIMARY KEY (topic, shard, subscription_id)
);

CREATE INDEX push_topics_by_subscription ON push_topics (subscription_id);

-- status: draft, awaiting_approval, sending, sent, cancelled.
CREATE TABLE alerts (
    id UUID PRIMARY KEY,
    article_id UUID REFERENCES articles (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    url TEXT NOT NULL,
    image_url TEXT NOT NULL DEFAULT '',
    topic TEXT NOT NULL,
    urgency TEXT NOT NULL CHECK (urgency IN ('very-low', 'low', 'normal', 'high')),
    ttl_secs BIGINT NOT NULL,
    replaces TEXT NOT NULL,
    follow_up_of UUID REFERENCES alerts (id),
    status TEXT NOT NULL,
    created_by UUID REFERENCES staff (id) ON DELETE SET NULL,
    created_by_name TEXT NOT NULL,
    approved_by_name TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    first_delivered_at TIMESTAMPTZ,
    queued BIGINT NOT NULL DEFAULT 0,
    delivered BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    removed BIGINT NOT NULL DEFAULT 0,
    clicks BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX alerts_by_time ON alerts (created_at DESC);

-- A delivery the push service asked us to try again later (429, 5xx).
CREATE TABLE push_retries (
    alert_id UUID NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    subscription_id UUID NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    attempts BIGINT NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ,
    PRIMARY KEY (alert_id, subscription_id)
);

CREATE INDEX push_retries_due ON push_retries (next_attempt_at);

-- One alert's fan-out over one shard of the subscriptions: how far it got.
-- after_id: the last subscription fully handled; pending_to: the last of the
-- batch being sent. A batch still pending after a crash is never sent again.
CREATE TABLE alert_shards (
    alert_id UUID NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    shard BIGINT NOT NULL,
    after_id UUID,
    pending_to UUID,
    done_at TIMESTAMPTZ,
    PRIMARY KEY (alert_id, shard)
);
