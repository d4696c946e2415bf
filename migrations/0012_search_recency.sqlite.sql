-- Nothing to change on SQLite: its search index is numbered by publication
-- time already (see the PostgreSQL file of this migration).
SELECT 1;
