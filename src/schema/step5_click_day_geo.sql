-- Step 5 (docs/ARCHITECTURE.md "Storage"): the daily rollup gains the country. A report of
-- subids or utm_campaign/content/term in one country (the filter an
-- affiliate uses most) read every click of the period (10M clicks:
-- 1.5-1.8 s); with geo in the key it reads that country's rows of
-- click_day. The rows multiply by the countries a value is seen in (the
-- 10M-click demo: 230k rows, 9 MiB -> 1.26M rows, 47 MiB). Refilled from the clicks by
-- src/stats/day.rs (fill_from_clicks) in the same transaction.
DROP TABLE click_day;
CREATE TABLE click_day (
    user_id  INTEGER NOT NULL,
    kind     INTEGER NOT NULL,   -- 11 subid, 12 utmc, 13 utmn, 14 utmt
    day      INTEGER NOT NULL,   -- Unix seconds / 86400
    flow     TEXT NOT NULL,
    geo      TEXT NOT NULL,
    value    TEXT NOT NULL,
    clicks   INTEGER NOT NULL DEFAULT 0,
    uniq     INTEGER NOT NULL DEFAULT 0,
    cost     REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, kind, day, flow, geo, value)
) STRICT, WITHOUT ROWID;
