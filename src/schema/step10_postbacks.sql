-- The conversion loop (docs/API.md "Outbound postbacks", "Postback
-- logs"): what a traffic source is told when one of its clicks converts,
-- the outgoing calls themselves, and the log of incoming postbacks.

-- A source's postback template (empty url: it is told nothing): GET the
-- url, or POST the body with its content type; which stages and goals
-- send (comma-separated, goals empty: every goal), the share of the
-- payout sent in percent, the currency of {payout} ('' : the source's
-- currency) and the word {status} stands for at each stage (a JSON
-- object, stage name to word; a stage not in it sends its name).
ALTER TABLE sources ADD COLUMN pb_url TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN pb_method TEXT NOT NULL DEFAULT 'get';
ALTER TABLE sources ADD COLUMN pb_body TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN pb_type TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN pb_stages TEXT NOT NULL DEFAULT 'approve';
ALTER TABLE sources ADD COLUMN pb_goals TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN pb_share REAL NOT NULL DEFAULT 100;
ALTER TABLE sources ADD COLUMN pb_currency TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN pb_words TEXT NOT NULL DEFAULT '{}';

-- The outbox: one row per conversion event to send, written in the same
-- transaction as the lead change that caused it, then updated by the
-- sender after each attempt. (lead_id, stage, source_id) is the event's
-- idempotency key: a lead that comes back to a stage is not sent again.
-- The row keeps the request as rendered when the event happened.
CREATE TABLE postbacks_out (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL,
    lead_id   INTEGER NOT NULL,
    source_id INTEGER NOT NULL,
    stage     INTEGER NOT NULL,
    time      INTEGER NOT NULL,            -- the event (Unix seconds)
    method    TEXT NOT NULL,               -- get | post
    url       TEXT NOT NULL,
    body      TEXT NOT NULL DEFAULT '',
    type      TEXT NOT NULL DEFAULT '',    -- a POST's content type
    state     INTEGER NOT NULL DEFAULT 0,  -- 0 pending, 1 sent, 2 failed
    attempts  INTEGER NOT NULL DEFAULT 0,
    next      INTEGER NOT NULL,            -- when a pending one is due
    last      INTEGER NOT NULL DEFAULT 0,  -- the last attempt's time
    http      INTEGER NOT NULL DEFAULT 0,  -- its HTTP status (0: none)
    latency   INTEGER NOT NULL DEFAULT 0,  -- its milliseconds
    response  TEXT NOT NULL DEFAULT '',    -- an excerpt of its answer
    error     TEXT NOT NULL DEFAULT '',    -- why it failed, if it did
    UNIQUE (lead_id, stage, source_id)
) STRICT;
CREATE INDEX postbacks_out_due ON postbacks_out(user_id, next) WHERE state = 0;
CREATE INDEX postbacks_out_user ON postbacks_out(user_id, id);

-- Every postback.json call of a known user, as received (its credential
-- masked) and as answered; pruned after a configurable number of days.
CREATE TABLE postbacks_in (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL,
    time    INTEGER NOT NULL,
    ip      TEXT NOT NULL DEFAULT '',
    click   TEXT NOT NULL DEFAULT '',      -- the click or flow named,
    flow    TEXT NOT NULL DEFAULT '',      -- for the log's filters
    params  TEXT NOT NULL DEFAULT '{}',    -- a JSON object
    error   TEXT NOT NULL DEFAULT '',      -- '' : answered ok
    field   TEXT NOT NULL DEFAULT '',
    lead    INTEGER NOT NULL DEFAULT 0,
    stage   INTEGER NOT NULL DEFAULT -1,   -- -1: none
    created INTEGER NOT NULL DEFAULT 0     -- 1: the call created the lead
) STRICT;
CREATE INDEX postbacks_in_user ON postbacks_in(user_id, id);
CREATE INDEX postbacks_in_time ON postbacks_in(time);
