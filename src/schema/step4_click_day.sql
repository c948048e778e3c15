-- Step 4 (docs/ARCHITECTURE.md "Storage"): daily sums of the high-cardinality text dimensions
-- (subid, utm_campaign, utm_content, utm_term), per user, UTC day, flow
-- and value. A month of them is a few hundred thousand rows at most, where
-- the same report read every click of the month (10M clicks: 4-10 s). Days
-- are UTC; a report in another timezone takes the whole UTC days inside its
-- period from here and the few hours at each end from the clicks
-- (src/stats/day.rs). Kept in the same transactions as the clicks and the
-- click prices, like click_roll.
CREATE TABLE click_day (
    user_id  INTEGER NOT NULL,
    kind     INTEGER NOT NULL,   -- 11 subid, 12 utmc, 13 utmn, 14 utmt
    day      INTEGER NOT NULL,   -- Unix seconds / 86400
    flow     TEXT NOT NULL,
    value    TEXT NOT NULL,
    clicks   INTEGER NOT NULL DEFAULT 0,
    uniq     INTEGER NOT NULL DEFAULT 0,
    cost     REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, kind, day, flow, value)
) STRICT, WITHOUT ROWID;

-- Filled from the clicks by src/stats/day.rs (fill_from_clicks), in the same
-- transaction: one pass for the four kinds, where four GROUP BYs took 80 s
-- on 10M clicks.
