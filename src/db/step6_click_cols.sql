-- Step 6 (issue 6): the click columns, a narrow copy of each click's id,
-- address and low-cardinality dimensions packed into chunks of up to
-- 16,384 clicks of one user (src/stats/cols). Item ip, about one value
-- per click, read a month of 10M click rows (1.5 GB) and sorted them
-- with SQLite's GROUP BY: 6-8 s. Filled from the clicks by
-- src/stats/cols/store.rs (fill_from_clicks) in the same transaction.
CREATE TABLE click_cols (
    id       INTEGER PRIMARY KEY,   -- the chunk's smallest click id
    user_id  INTEGER NOT NULL,
    last     INTEGER NOT NULL,      -- its largest click id
    n        INTEGER NOT NULL,      -- its clicks
    data     BLOB NOT NULL          -- src/stats/cols/format.rs
) STRICT;
CREATE INDEX click_cols_user ON click_cols(user_id, id);
-- The chunks still to be merged (src/stats/cols/store.rs): n < CHUNK.
CREATE INDEX click_cols_open ON click_cols(user_id) WHERE n < 16384;
