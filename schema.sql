-- flowtrack schema, version 1. What a new database gets (SPEC 5).
-- Later changes go into src/db/migrations.rs as new steps keyed by
-- PRAGMA user_version; this file is migration 1 and never changes once shipped.

CREATE TABLE users (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL UNIQUE,
    token     TEXT NOT NULL UNIQUE,
    password  TEXT NOT NULL,           -- argon2 PHC string, never the password
    timezone  TEXT NOT NULL DEFAULT 'UTC',
    currency  TEXT NOT NULL DEFAULT 'usd',
    created   INTEGER NOT NULL
) STRICT;

CREATE TABLE sites (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users(id),
    name      TEXT NOT NULL,
    url       TEXT NOT NULL,
    archived  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX sites_user ON sites(user_id);

-- Flow ids are global (they are the URL path), so one table-wide key.
CREATE TABLE flows (
    id          TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    name        TEXT NOT NULL,
    method      TEXT NOT NULL DEFAULT 'redirect',
    geo         TEXT NOT NULL DEFAULT '',      -- allowed countries, comma list
    lang        INTEGER NOT NULL DEFAULT 0,
    bots        INTEGER NOT NULL DEFAULT 1,
    uniq_hours  INTEGER NOT NULL DEFAULT 24,
    tb_site     INTEGER,                        -- trafficback site
    tb_url      TEXT NOT NULL DEFAULT '',       -- or trafficback URL
    archived    INTEGER NOT NULL DEFAULT 0,
    created     INTEGER NOT NULL
) STRICT;
CREATE INDEX flows_user ON flows(user_id);

CREATE TABLE ways (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users(id),
    flow_id   TEXT NOT NULL REFERENCES flows(id),
    pos       INTEGER NOT NULL DEFAULT 0,
    site_id   INTEGER,
    url       TEXT NOT NULL DEFAULT '',
    weight    INTEGER NOT NULL DEFAULT 1,
    geo       TEXT NOT NULL DEFAULT '',
    geox      TEXT NOT NULL DEFAULT '',
    device    TEXT NOT NULL DEFAULT 'any',
    bots      INTEGER NOT NULL DEFAULT 0,
    active    INTEGER NOT NULL DEFAULT 1,
    archived  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX ways_flow ON ways(flow_id);

CREATE TABLE goals (
    user_id   INTEGER NOT NULL REFERENCES users(id),
    id        TEXT NOT NULL,
    name      TEXT NOT NULL,
    archived  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE blacklist (
    user_id   INTEGER NOT NULL REFERENCES users(id),
    entry     TEXT NOT NULL,
    PRIMARY KEY (user_id, entry)
) STRICT, WITHOUT ROWID;

-- Long repeated strings (user agents, referers) stored once.
CREATE TABLE dict (
    id     INTEGER PRIMARY KEY,
    value  TEXT NOT NULL UNIQUE
) STRICT;

-- One row per visit. id is time-ordered: (unix ms << 16) | sequence, so the
-- table stays clustered by time and a time range is a rowid range. The
-- public click id is id + secret, encoded (src/clicks/id.rs).
CREATE TABLE clicks (
    id        INTEGER PRIMARY KEY,
    secret    INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    flow      TEXT NOT NULL,
    way       INTEGER NOT NULL DEFAULT 0,
    site      INTEGER NOT NULL DEFAULT 0,
    filter    INTEGER NOT NULL DEFAULT 0,
    uniq      INTEGER NOT NULL DEFAULT 0,
    vid       INTEGER NOT NULL DEFAULT 0,      -- visitor key (uniqueness refill)
    ip        TEXT NOT NULL DEFAULT '',
    geo       TEXT NOT NULL DEFAULT '',
    lang      TEXT NOT NULL DEFAULT '',
    os        INTEGER NOT NULL DEFAULT 0,
    browser   INTEGER NOT NULL DEFAULT 0,
    mobile    INTEGER NOT NULL DEFAULT 0,
    ua        INTEGER NOT NULL DEFAULT 0,      -- dict id
    referer   INTEGER NOT NULL DEFAULT 0,      -- dict id
    domain    TEXT NOT NULL DEFAULT '',
    utms      TEXT NOT NULL DEFAULT '',
    utmc      TEXT NOT NULL DEFAULT '',
    utmn      TEXT NOT NULL DEFAULT '',
    utmt      TEXT NOT NULL DEFAULT '',
    utmm      TEXT NOT NULL DEFAULT '',
    subid     TEXT NOT NULL DEFAULT '',
    uuid      TEXT NOT NULL DEFAULT '',
    adid      TEXT NOT NULL DEFAULT '',
    data1     TEXT NOT NULL DEFAULT '',
    data2     TEXT NOT NULL DEFAULT '',
    cost      REAL NOT NULL DEFAULT 0          -- in the user's base currency
) STRICT;
CREATE INDEX clicks_user ON clicks(user_id, id);
CREATE INDEX clicks_flow ON clicks(flow, id);

CREATE TABLE leads (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users(id),
    time      INTEGER NOT NULL,
    updated   INTEGER NOT NULL,
    click     TEXT NOT NULL DEFAULT '',
    click_id  INTEGER,                         -- clicks.id when tied to a click
    uid       TEXT NOT NULL DEFAULT '',
    flow      TEXT NOT NULL DEFAULT '',
    way       INTEGER NOT NULL DEFAULT 0,
    site      INTEGER NOT NULL DEFAULT 0,
    filter    INTEGER NOT NULL DEFAULT 0,
    stage     INTEGER NOT NULL DEFAULT 0,      -- 0 new 1 hold 2 approve 3 cancel 4 trash
    custom    TEXT NOT NULL DEFAULT '',
    goal      TEXT NOT NULL DEFAULT '',
    price     REAL NOT NULL DEFAULT 0,
    currency  TEXT NOT NULL DEFAULT 'usd',
    base      REAL NOT NULL DEFAULT 0,         -- price in the user's base currency
    ip        TEXT NOT NULL DEFAULT '',
    geo       TEXT NOT NULL DEFAULT '',
    os        INTEGER NOT NULL DEFAULT 0,
    browser   INTEGER NOT NULL DEFAULT 0,
    mobile    INTEGER NOT NULL DEFAULT 0,
    name      TEXT NOT NULL DEFAULT '',
    phone     TEXT NOT NULL DEFAULT '',
    email     TEXT NOT NULL DEFAULT '',
    comment   TEXT NOT NULL DEFAULT '',
    meta      TEXT NOT NULL DEFAULT '{}',
    ua        TEXT NOT NULL DEFAULT '',
    referer   TEXT NOT NULL DEFAULT '',
    domain    TEXT NOT NULL DEFAULT '',
    utms      TEXT NOT NULL DEFAULT '',
    utmc      TEXT NOT NULL DEFAULT '',
    utmn      TEXT NOT NULL DEFAULT '',
    utmt      TEXT NOT NULL DEFAULT '',
    utmm      TEXT NOT NULL DEFAULT '',
    subid     TEXT NOT NULL DEFAULT '',
    adid      TEXT NOT NULL DEFAULT '',
    data1     TEXT NOT NULL DEFAULT '',
    data2     TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX leads_user_time ON leads(user_id, time);
CREATE INDEX leads_click ON leads(click_id, goal) WHERE click_id IS NOT NULL;
CREATE INDEX leads_uid ON leads(user_id, uid) WHERE uid <> '';
CREATE INDEX leads_flow_subid ON leads(user_id, flow, subid, goal);

CREATE TABLE lead_stages (
    lead_id   INTEGER NOT NULL REFERENCES leads(id),
    time      INTEGER NOT NULL,
    stage     INTEGER NOT NULL,
    custom    TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX lead_stages_lead ON lead_stages(lead_id);

-- Currency rates: units per 1 USD. Filled from the table that ships with
-- the binary; the operator can replace it (SPEC 3).
CREATE TABLE rates (
    currency  TEXT PRIMARY KEY,
    rate      REAL NOT NULL
) STRICT, WITHOUT ROWID;

-- Click counts per user, 15-minute UTC bucket, flow and one dimension
-- (issue 6): stats.json over months of clicks reads these instead of the
-- click table when the item and filters allow (src/stats/rollup.rs).
-- 15-minute buckets because every timezone offset is a multiple of 15
-- minutes, so each bucket lies within one local hour. Kept by the click
-- writer in the same transaction as the clicks, and by spend.json.
CREATE TABLE click_roll (
    user_id  INTEGER NOT NULL,
    kind     INTEGER NOT NULL,      -- 0 time only, else src/stats/rollup.rs KINDS
    bucket   INTEGER NOT NULL,      -- unix seconds / 900
    flow     TEXT NOT NULL,
    value    ANY NOT NULL,
    clicks   INTEGER NOT NULL DEFAULT 0,
    uniq     INTEGER NOT NULL DEFAULT 0,
    cost     REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, kind, bucket, flow, value)
) STRICT, WITHOUT ROWID;

-- Lead counts and money per user, 15-minute bucket of the lead's time,
-- flow, one dimension and goal (issue 6), kept with every lead write
-- (src/stats/lead_roll.rs), so reports never aggregate the leads table
-- when the rollups can answer.
CREATE TABLE lead_roll (
    user_id  INTEGER NOT NULL,
    kind     INTEGER NOT NULL,
    bucket   INTEGER NOT NULL,
    flow     TEXT NOT NULL,
    value    ANY NOT NULL,
    goal     TEXT NOT NULL,
    cn       INTEGER NOT NULL DEFAULT 0,
    ch       INTEGER NOT NULL DEFAULT 0,
    ca       INTEGER NOT NULL DEFAULT 0,
    cc       INTEGER NOT NULL DEFAULT 0,
    ct       INTEGER NOT NULL DEFAULT 0,
    mh       REAL NOT NULL DEFAULT 0,
    ma       REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, kind, bucket, flow, value, goal)
) STRICT, WITHOUT ROWID;

-- Click sums per user, 15-minute bucket and every low-cardinality
-- dimension at once (issue 6): answers the reports that group by one of
-- these dimensions and filter by another (item=os&geo=de), which the
-- narrow rollups cannot, from far fewer rows than the click table.
CREATE TABLE click_wide (
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
    clicks   INTEGER NOT NULL DEFAULT 0,
    uniq     INTEGER NOT NULL DEFAULT 0,
    cost     REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, bucket, flow, way, site, filter, geo, mobile, os, browser, utms, domain, utmm)
) STRICT, WITHOUT ROWID;
