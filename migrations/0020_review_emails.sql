-- Editors and admins who asked to be emailed when a story is sent for review.
ALTER TABLE staff ADD COLUMN review_emails BOOLEAN NOT NULL DEFAULT FALSE;
