-- What is left to copy to ClickHouse (docs/SCALING.md). Each write of
-- the click store adds a row in its own transaction while shipping is on:
-- the clicks or leads whose rows to (re)send, as an id range, optionally
-- one user's, optionally only the ids listed. The shipper sends them in
-- seq order and deletes a row once ClickHouse has acknowledged it; seq
-- is the version ClickHouse keeps the newest of, so it never goes back
-- (AUTOINCREMENT: a deleted seq is never handed out again).
CREATE TABLE ship_log (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    kind    INTEGER NOT NULL,            -- 0 clicks, 1 leads
    user_id INTEGER NOT NULL DEFAULT 0,  -- 0: every user's
    lo      INTEGER NOT NULL,
    hi      INTEGER NOT NULL,
    ids     BLOB                         -- sorted ids (varint gaps), or every id in [lo, hi]
) STRICT;

-- The node's id in ClickHouse (random once, or --node), whether writes
-- are logged (shipping on), and which ClickHouse database they go to.
CREATE TABLE ship_state (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) STRICT;
-- 1..4095: a click id carries it in 12 bits (src/click_id.rs).
INSERT INTO ship_state (key, value) VALUES ('node', CAST(abs(random() % 4095) + 1 AS TEXT));
