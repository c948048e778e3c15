-- Step 6 (docs/ARCHITECTURE.md "Storage"): the click columns, a narrow copy of each click's id,
-- address and every dimension a report groups or filters by, packed into
-- chunks of up to 16,384 clicks of one user (src/stats/cols): ~13 bytes
-- a click where the click row takes 158. Item ip (about one value per
-- click) read a month of 10M click rows and sorted them with SQLite's
-- GROUP BY: 6-8 s; subid, utm_campaign/content/term with a filter the
-- daily rollup lacked, or any item filtered by them, read the click rows:
-- 1.1-1.5 s. Filled from the clicks by src/stats/cols/store.rs
-- (fill_from_clicks) in the same transaction. The daily rollup of steps
-- 4 and 5 goes: the columns answer its reports.
CREATE TABLE click_cols (
    id       INTEGER PRIMARY KEY,   -- the chunk's smallest click id
    user_id  INTEGER NOT NULL,
    last     INTEGER NOT NULL,      -- its largest click id
    n        INTEGER NOT NULL,      -- its clicks
    data     BLOB NOT NULL          -- src/stats/cols/format.rs
) STRICT;
CREATE INDEX click_cols_user ON click_cols(user_id, id);
-- The chunks still to be merged (src/stats/cols/store.rs): n < CHUNK.
CREATE INDEX click_cols_open ON click_cols(user_id, n) WHERE n < 16384;
-- Each chunk's click prices, the same as click_cost's (0 without a row
-- there), apart so that spend.json rewrites a few bytes a click, not the
-- chunk: reports read the price beside each click instead of walking
-- click_cost's rows (0.4 s of a month's subids on 10M clicks).
CREATE TABLE click_cols_cost (
    id       INTEGER PRIMARY KEY,   -- click_cols.id
    data     BLOB NOT NULL          -- src/stats/cols/format.rs
) STRICT;
DROP TABLE click_day;
-- The click columns find a flow's or a user's clicks (spend.json,
-- clicks.json, the reports): the two indexes on the wide click rows go,
-- 41 MiB per 1M clicks and two b-tree inserts per click. What still
-- reads the click rows by user (a grouping too big for the click
-- columns, clicks.json past 100,000 skipped, a demo refresh, a change of
-- base currency) reads the period's rows in id order.
DROP INDEX clicks_flow;
DROP INDEX clicks_user;
