-- Nothing to change on PostgreSQL: its search index is not numbered by time
-- (see the SQLite file of this migration).
SELECT 1;
