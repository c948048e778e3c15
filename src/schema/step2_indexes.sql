-- Step 2 (docs/ARCHITECTURE.md "Storage"): the same two click indexes, smaller. An index entry
-- already ends with the rowid (clicks.id), so naming id as a column stored
-- it twice; (user_id) alone is ordered by id within a user just the same,
-- and SQLite still searches `user_id = ? AND id` ranges on it. user_id
-- joins flow so that a report or spend on one flow is answered from the
-- index alone, without reading the wide click rows.
DROP INDEX clicks_user;
CREATE INDEX clicks_user ON clicks(user_id);
DROP INDEX clicks_flow;
CREATE INDEX clicks_flow ON clicks(flow, user_id);
