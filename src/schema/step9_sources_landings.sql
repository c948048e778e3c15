-- Traffic sources and landing pages (docs/API.md sources.json, "Landing
-- pages"): the source a flow buys its traffic from, and the two-step
-- funnel of a landing page in front of its offers.

-- A traffic source: its click-id parameter, how its query parameters map
-- to flowtrack's tags and the macros its tracking link fills them with
-- (`params`, a JSON array), and what a click costs.
CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    template    TEXT NOT NULL DEFAULT '',       -- the built-in template copied
    click_param TEXT NOT NULL DEFAULT '',       -- e.g. gclid
    click_macro TEXT NOT NULL DEFAULT '',       -- e.g. {gclid}
    params      TEXT NOT NULL DEFAULT '[]',     -- [{param, tag, macro}]
    cost_model  TEXT NOT NULL DEFAULT 'none',   -- none | cpc | param
    cpc         REAL NOT NULL DEFAULT 0,        -- cost_model cpc
    cost_param  TEXT NOT NULL DEFAULT '',       -- cost_model param
    cost_macro  TEXT NOT NULL DEFAULT '',
    currency    TEXT NOT NULL DEFAULT 'usd',
    archived    INTEGER NOT NULL DEFAULT 0,
    created     INTEGER NOT NULL
) STRICT;
CREATE INDEX sources_user ON sources(user_id);

ALTER TABLE flows ADD COLUMN source_id INTEGER;  -- NULL: no source

-- A site is an offer or a landing page; a way to a landing page lists
-- the offers behind it ("site:weight,site:weight", in link order).
ALTER TABLE sites ADD COLUMN kind TEXT NOT NULL DEFAULT 'offer';
ALTER TABLE ways ADD COLUMN offers TEXT NOT NULL DEFAULT '';

-- A click's source, landing page and offer (0: none), and the time of
-- its landing click (0: none). A landing click changes only the click
-- row: no rollup or click column holds offer or lp, so every copy stays
-- in step (docs/ARCHITECTURE.md "The click store").
ALTER TABLE clicks ADD COLUMN source INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clicks ADD COLUMN landing INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clicks ADD COLUMN offer INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clicks ADD COLUMN lp INTEGER NOT NULL DEFAULT 0;
-- Landing clicks by their own time, for stats' lpclick when no rollup
-- serves the request (a filter on subid, ip, ...): with every column a
-- report filters or groups by, so that such a count reads the index
-- alone, never the click rows (src/store/lp_agg.rs).
CREATE INDEX clicks_lp ON clicks(user_id, lp, flow, way, site, filter, geo, mobile, os, browser,
    domain, ip, utms, utmc, utmn, utmt, utmm, subid, source, landing, offer) WHERE lp > 0;

ALTER TABLE leads ADD COLUMN source INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN landing INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN offer INTEGER NOT NULL DEFAULT 0;

-- The source and the landing page are rolled up and kept in the click
-- columns (version 2 of their format reads older chunks as 0 for both):
-- click_wide's key gains both columns, after utmm (rebuilt: a key cannot
-- be altered). Every stored click has source 0 and landing 0. Their
-- narrow kinds (11, 12) are filled by the step's Rust part, after it has
-- finished a change of base currency cut short by a crash
-- (src/store/upgrade.rs).
CREATE TABLE click_wide_new (
    user_id  INTEGER NOT NULL,
    bucket   INTEGER NOT NULL,
    flow     TEXT NOT NULL,
    way      INTEGER NOT NULL,
    site     INTEGER NOT NULL,
    filter   INTEGER NOT NULL,
    geo      TEXT NOT NULL,
    mobile   INTEGER NOT NULL,
    os       INTEGER NOT NULL,
    browser  INTEGER NOT NULL,
    utms     TEXT NOT NULL,
    domain   TEXT NOT NULL,
    utmm     TEXT NOT NULL,
    source   INTEGER NOT NULL,
    landing  INTEGER NOT NULL,
    clicks   INTEGER NOT NULL DEFAULT 0,
    uniq     INTEGER NOT NULL DEFAULT 0,
    cost     REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, bucket, flow, way, site, filter, geo, mobile, os, browser, utms, domain,
                 utmm, source, landing)
) STRICT, WITHOUT ROWID;
INSERT INTO click_wide_new SELECT user_id, bucket, flow, way, site, filter, geo, mobile, os,
    browser, utms, domain, utmm, 0, 0, clicks, uniq, cost FROM click_wide;
DROP TABLE click_wide;
ALTER TABLE click_wide_new RENAME TO click_wide;

-- Landing clicks per user, 15-minute bucket of the landing click, flow
-- and one dimension (the kinds of click_roll), so that stats.json's
-- lpclick reads no click row when the rollups serve the request
-- (src/store/lp_roll.rs). Kept by the writer with every landing click.
CREATE TABLE lp_roll (
    user_id  INTEGER NOT NULL,
    kind     INTEGER NOT NULL,
    bucket   INTEGER NOT NULL,
    flow     TEXT NOT NULL,
    value    ANY NOT NULL,
    lpclick  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, kind, bucket, flow, value)
) STRICT, WITHOUT ROWID;

-- And per user, bucket and every column of click_wide's key at once:
-- lpclick of an item filtered by another (src/store/lp_roll.rs).
CREATE TABLE lp_wide (
    user_id  INTEGER NOT NULL,
    bucket   INTEGER NOT NULL,
    flow     TEXT NOT NULL,
    way      INTEGER NOT NULL,
    site     INTEGER NOT NULL,
    filter   INTEGER NOT NULL,
    geo      TEXT NOT NULL,
    mobile   INTEGER NOT NULL,
    os       INTEGER NOT NULL,
    browser  INTEGER NOT NULL,
    utms     TEXT NOT NULL,
    domain   TEXT NOT NULL,
    utmm     TEXT NOT NULL,
    source   INTEGER NOT NULL,
    landing  INTEGER NOT NULL,
    lpclick  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, bucket, flow, way, site, filter, geo, mobile, os, browser, utms, domain,
                 utmm, source, landing)
) STRICT, WITHOUT ROWID;
