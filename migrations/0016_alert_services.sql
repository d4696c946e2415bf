-- What each push service did with an alert, counted as the fan-out records
-- its results: delivered, retried, refused, unanswered or gone, per service
-- (fcm, mozilla, apple, windows, other), so the alert's page shows where
-- delivery struggles.
CREATE TABLE alert_service_outcomes (
    alert_id UUID NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    service TEXT NOT NULL,
    outcome TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (alert_id, service, outcome)
);
