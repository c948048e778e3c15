-- Step 3 (docs/ARCHITECTURE.md "Storage"): click prices move out of the click rows. spend.json
-- used to UPDATE clicks.cost, which rewrote every matching ~250-byte click
-- row (a 2 GB rewrite, and as much WAL, for a month of a busy flow). A
-- price now lives in this narrow table, one row per click that has one
-- (no row means 0), so an import writes ~20 bytes per click and reads
-- the click ids from an index (src/spend/).
CREATE TABLE click_cost (
    id    INTEGER PRIMARY KEY,      -- clicks.id
    cost  REAL NOT NULL             -- in the user's base currency, never 0
) STRICT;

INSERT INTO click_cost (id, cost) SELECT id, cost FROM clicks WHERE cost <> 0;

-- A rename is metadata only; dropping the column would rewrite the whole
-- click table. cost_v1 keeps the price as it was before step 3 and is
-- never read or written again (new clicks get its default 0).
ALTER TABLE clicks RENAME COLUMN cost TO cost_v1;
