-- Step 7: writes too big for one transaction (a spend.json import over
-- millions of clicks, a change of base currency) are run by the one
-- writer a slice at a time between batches of clicks
-- (src/db/writer/tasks.rs). What one has left to do is kept here,
-- changed in the same transaction as each slice, so that a crash between
-- two slices resumes it at start instead of leaving half of it.

-- A spend.json request: its pieces are all written (ready = 1) before
-- the first price is; not ready at start, it is dropped (src/spend/task.rs).
CREATE TABLE spend_pending (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL,
    ready    INTEGER NOT NULL DEFAULT 0
) STRICT;
-- Its clicks still to price, in order: the piece's price (per click, in
-- the user's base currency) and its click ids (src/spend/pieces.rs).
CREATE TABLE spend_piece (
    id       INTEGER PRIMARY KEY,
    spend    INTEGER NOT NULL,
    price    REAL NOT NULL,
    ids      BLOB NOT NULL
) STRICT;
CREATE INDEX spend_piece_spend ON spend_piece(spend, id);

-- A change of base currency past its first slice: the rate, the phase
-- and where in it, and the last click priced before it began
-- (src/money/rescale.rs).
CREATE TABLE rescale_pending (
    user_id  INTEGER PRIMARY KEY,
    rate     REAL NOT NULL,
    phase    INTEGER NOT NULL,
    cursor   INTEGER NOT NULL,
    horizon  INTEGER NOT NULL
) STRICT;
