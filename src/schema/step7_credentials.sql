-- Separate credentials (README "Credentials"): the users' plaintext
-- tokens become keyed hashes (filled by src/accounts/keys.rs `upgrade`,
-- which also creates the install secret and draws the postback nonces),
-- each old token also stays a
-- postback key until the user rotates the postback key, and dashboard
-- sessions get their own table.
CREATE TABLE install (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    secret  BLOB NOT NULL           -- 32 random bytes keying every credential hash
) STRICT;

ALTER TABLE users RENAME COLUMN token TO token_hash;
-- A random number in the user's postback key; rotating the key draws a
-- new one (src/accounts/keys.rs says why it is not a counter).
ALTER TABLE users ADD COLUMN postback_nonce INTEGER NOT NULL DEFAULT 0;
-- The hash of the token the user had before this step, which postback
-- URLs already handed out carry; cleared when the postback key rotates.
ALTER TABLE users ADD COLUMN legacy_postback_hash TEXT;
CREATE UNIQUE INDEX users_legacy_postback ON users(legacy_postback_hash)
    WHERE legacy_postback_hash IS NOT NULL;

CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    hash       TEXT NOT NULL UNIQUE,    -- keyed hash of the secret, never the secret
    created    INTEGER NOT NULL,
    last_used  INTEGER NOT NULL,        -- moved only every few minutes
    ip         TEXT NOT NULL DEFAULT '',
    ua         TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id);
